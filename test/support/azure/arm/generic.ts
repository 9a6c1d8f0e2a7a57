/**
 * Resources of types the fake has no provider for (created by a template as given): GET and
 * DELETE by id, so that `resources.getById` / `deleteById` work on them. Registered last.
 */
import type { FakeCloud } from '../cloud';
import { armErrors } from '../errors';
import type { FakeRequest, Router } from '../http';
import { requireResourceGroup, resourceBody } from './common';
import { deleteResource } from './provisioners';

const PATTERNS = [
  '/subscriptions/{sub}/resourceGroups/{rg}/providers/{ns}/{t1}/{n1}',
  '/subscriptions/{sub}/resourceGroups/{rg}/providers/{ns}/{t1}/{n1}/{t2}/{n2}',
];

export function genericRoutes(cloud: FakeCloud, router: Router): void {
  const lookup = (req: FakeRequest) => {
    requireResourceGroup(cloud, req.params.rg);
    const p = req.params;
    const type = [p.ns, p.t1, p.t2].filter(Boolean).join('/');
    const name = [p.n1, p.n2].filter(Boolean).join('/');
    return { type, name, resource: cloud.inventory.find(p.rg, type, name) };
  };
  for (const pattern of PATTERNS) {
    router.add('GET', pattern, (req) => {
      const { type, name, resource } = lookup(req);
      if (!resource) throw armErrors.resourceNotFound(type, name, req.params.rg);
      return { status: 200, body: resourceBody(resource) };
    });
    router.add('DELETE', pattern, async (req) => {
      const { resource } = lookup(req);
      if (!resource) return { status: 204 };
      await deleteResource(cloud, resource);
      return { status: 200 };
    });
  }
}
