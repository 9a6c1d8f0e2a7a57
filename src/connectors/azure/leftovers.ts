/**
 * What is left of a layer version in Azure after cleanup, across the subscription: a
 * portal-deployed machine may sit in another resource group than the connector's.
 */
import type { AzureClients } from './clients';
import { isNotFound } from './errors';
import { TAG_LAYER_ID } from './layout';
import { taggedResources, type TaggedResource } from './machine';
import { resourceGroupOfId } from './machineElsewhere';
import { withRetry } from './retry';

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
  return found;
}
