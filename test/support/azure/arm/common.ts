/** Helpers the ARM route modules share: lookups that fail the way ARM fails, the generic resource body. */
import type { FakeCloud } from '../cloud';
import { ArmError, armErrors } from '../errors';
import type { FakeRequest, FakeResponse } from '../http';
import type { FakeResource, ResourceGroup } from '../inventory';
import type { LroSpec } from '../lro';

export function apiVersionOf(req: FakeRequest): string {
  const v = req.query.get('api-version');
  if (!v) throw armErrors.missingApiVersion();
  return v;
}

export function requireResourceGroup(cloud: FakeCloud, name: string): ResourceGroup {
  const rg = cloud.inventory.getResourceGroup(name);
  if (!rg) throw armErrors.resourceGroupNotFound(name);
  return rg;
}

export function requireResource(cloud: FakeCloud, resourceGroup: string, type: string, name: string): FakeResource {
  requireResourceGroup(cloud, resourceGroup);
  const found = cloud.inventory.find(resourceGroup, type, name);
  if (!found) throw armErrors.resourceNotFound(type, name, resourceGroup);
  return found;
}

/** The envelope every ARM resource shares; `properties` is the resource's own. */
export function resourceBody(r: FakeResource, properties: Record<string, unknown> = r.properties): Record<string, unknown> {
  return {
    id: r.id,
    name: r.name.split('/').pop(),
    type: r.type,
    location: r.location,
    ...(Object.keys(r.tags).length ? { tags: r.tags } : {}),
    ...(r.sku !== undefined ? { sku: r.sku } : {}),
    ...(r.kind !== undefined ? { kind: r.kind } : {}),
    ...(r.zones !== undefined ? { zones: r.zones } : {}),
    ...(r.managedBy ? { managedBy: r.managedBy } : {}),
    properties,
  };
}

/**
 * A Compute or Network action or delete on a resource: 202 at once, both monitors under the
 * resource's region, the work done when the operation completes.
 */
export function regionalOperation(
  cloud: FakeCloud,
  req: FakeRequest,
  namespace: 'Microsoft.Compute' | 'Microsoft.Network',
  resource: FakeResource,
  spec: Pick<LroSpec, 'work'> & Partial<Pick<LroSpec, 'outputInStatus' | 'onFailed' | 'initialStatus' | 'initialBody'>>,
): FakeResponse {
  return cloud.lro.start({
    monitor: { kind: 'regional', namespace, location: resource.location },
    method: req.method,
    path: req.path,
    apiVersion: apiVersionOf(req),
    ...spec,
    initialStatus: spec.initialStatus ?? 202,
  });
}

export function requireLocation(location: string | undefined, name: string): string {
  if (!location) {
    throw new ArmError(400, 'LocationRequired', `The location property is required for this definition ('${name}').`);
  }
  return normalizeLocation(location);
}

/** ARM answers with locations lower-cased without spaces (`West Europe` → `westeurope`). */
export function normalizeLocation(location: string): string {
  return location.replace(/\s+/g, '').toLowerCase();
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `a.b.c` of a JSON value, or undefined. */
export function dig(v: unknown, ...path: string[]): unknown {
  let cur = v;
  for (const key of path) {
    if (!isObject(cur)) return undefined;
    const k = Object.keys(cur).find((x) => x.toLowerCase() === key.toLowerCase());
    cur = k === undefined ? undefined : cur[k];
  }
  return cur;
}
