/**
 * What is left of a layer version in Azure after cleanup, across the subscription: a
 * portal-deployed machine may sit in another resource group than the connector's. A listed
 * resource is confirmed by a GET of its id: Resources – List may still show a resource deleted a
 * moment ago (ARM's cache, Azure/azure-rest-api-specs#21221, where Microsoft confirms GET on each
 * listed resource as the check), so only what a GET still finds is left over.
 */
import type { AzureClients } from './clients';
import { isNotFound } from './errors';
import { DISK_TYPE, NETWORK_API_VERSION, TAG_LAYER_ID } from './layout';
import { taggedResources, type TaggedResource } from './machine';
import { resourceGroupOfId } from './machineElsewhere';
import { readTags } from './ownership';
import { withRetry } from './retry';
import { COMPUTE_API, DISK_API } from './template';

/**
 * Everything tagged for this layer version in the subscription (the leftovers check after
 * cleanup): the groups that hold a resource with the layer tag (tag $filter across the
 * subscription, which returns no tags) are each listed whole, where the tags come back, and both
 * tags matched, with the connector's own group always among them.
 */
export async function taggedResourcesInSubscription(clients: AzureClients, layerId: string, version: string): Promise<TaggedResource[]> {
  const resources = await clients.resources();
  const groups = new Map<string, string>([[clients.settings.resourceGroup.toLowerCase(), clients.settings.resourceGroup]]);
  await withRetry(async () => {
    for await (const r of resources.resources.list({ filter: `tagName eq '${TAG_LAYER_ID}' and tagValue eq '${layerId.replace(/'/g, "''")}'` })) {
      const rg = r.id ? resourceGroupOfId(r.id) : null;
      if (rg && !groups.has(rg.toLowerCase())) groups.set(rg.toLowerCase(), rg);
    }
  });
  const found: TaggedResource[] = [];
  for (const rg of groups.values()) {
    const inGroup = await taggedResources(clients, layerId, version, rg).catch((e: unknown) => {
      if (isNotFound(e)) return []; // the group went meanwhile
      throw e;
    });
    found.push(...inGroup);
  }
  const left: TaggedResource[] = [];
  for (const r of found) if (await stillThere(clients, r)) left.push(r);
  return left;
}

/** The api-version a GET of a resource of this type needs; null for a type elm does not create (kept as listed). */
function apiVersionFor(type: string): string | null {
  const t = type.toLowerCase();
  if (t === DISK_TYPE.toLowerCase()) return DISK_API;
  if (t.startsWith('microsoft.compute/')) return COMPUTE_API;
  if (t.startsWith('microsoft.network/')) return NETWORK_API_VERSION;
  return null;
}

async function stillThere(clients: AzureClients, r: TaggedResource): Promise<boolean> {
  const apiVersion = apiVersionFor(r.type);
  if (!apiVersion) return true;
  return (await readTags(clients, { id: r.id, apiVersion })) !== null;
}
