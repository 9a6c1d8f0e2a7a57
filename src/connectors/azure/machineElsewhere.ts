/**
 * A portal-deployed packaging machine in another resource group than the connector's: the portal
 * lets the operator pick any group. Found by its layer tag across the subscription (Resources –
 * List with a tag $filter, which returns resources without their tags: azure-rest-api-specs#3819),
 * then each VM read to match the version tag as well.
 */
import type { AzureClients } from './clients';
import { isNotFound } from './errors';
import { TAG_LAYER_ID, TAG_VERSION, VM_TYPE } from './layout';
import { withRetry } from './retry';

/** The resource group named in a resource id (`/subscriptions/…/resourceGroups/<rg>/providers/…`). */
export function resourceGroupOfId(id: string): string | null {
  return /\/resourceGroups\/([^/]+)\//i.exec(id)?.[1] ?? null;
}

/** The id of the VM tagged for this layer version in any resource group of the subscription, or null. */
export async function taggedVmInSubscription(clients: AzureClients, layerId: string, version: string): Promise<string | null> {
  const resources = await clients.resources();
  const candidates: string[] = [];
  await withRetry(async () => {
    candidates.length = 0;
    // A tag filter cannot be combined with a resourceType one (Resources – List): the type is matched here.
    for await (const r of resources.resources.list({ filter: `tagName eq '${TAG_LAYER_ID}' and tagValue eq '${layerId.replace(/'/g, "''")}'` })) {
      if (r.id && (r.type ?? '').toLowerCase() === VM_TYPE.toLowerCase()) candidates.push(r.id);
    }
  });
  const compute = await clients.compute();
  for (const id of candidates) {
    const rg = resourceGroupOfId(id);
    if (!rg) continue;
    const vm = await compute.virtualMachines.get(rg, id.split('/').pop()!).catch((e: unknown) => {
      if (isNotFound(e)) return null;
      throw e;
    });
    if (vm?.tags?.[TAG_LAYER_ID] === layerId && vm.tags?.[TAG_VERSION] === version) return id;
  }
  return null;
}
