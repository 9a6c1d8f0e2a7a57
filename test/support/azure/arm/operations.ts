/** The monitor URLs of long-running operations (see lro.ts for what they answer). */
import type { FakeCloud } from '../cloud';
import type { Router } from '../http';

export function operationRoutes(cloud: FakeCloud, router: Router): void {
  router.add('GET', '/subscriptions/{sub}/providers/{ns}/locations/{loc}/operations/{id}', (req) =>
    req.query.get('monitor') === 'true' ? cloud.lro.pollResult(req.params.id) : cloud.lro.pollStatus(req.params.id),
  );
  router.add('GET', '/subscriptions/{sub}/providers/{ns}/locations/{loc}/operationResults/{id}', (req) => cloud.lro.pollResult(req.params.id));
  router.add('GET', '/subscriptions/{sub}/resourcegroups/{rg}/providers/Microsoft.Resources/deployments/{name}/operationStatuses/{id}', (req) =>
    cloud.lro.pollStatus(req.params.id),
  );
  router.add('GET', '/subscriptions/{sub}/operationresults/{id}', (req) => cloud.lro.pollResult(req.params.id));
}
