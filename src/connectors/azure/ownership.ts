/**
 * Whose a resource is: elm tags everything it creates with the layer id, the version and the
 * task (layout.ts machineTags). A resource with a name elm derives (the VM, `-nic`, `-osdisk`,
 * `-pip`, `-nsg`) but without this version's tags is someone else's — another version's machine,
 * an operator's VM — so elm neither deploys over it (an incremental deployment would retag it,
 * and Azure refuses a new source for its disk) nor deletes it.
 */
import { ConflictError } from '../../domain/errors';
import type { AzureClients } from './clients';
import { isNotFound } from './errors';
import { DISK_TYPE, NETWORK_API_VERSION, NIC_TYPE, NSG_TYPE, PUBLIC_IP_TYPE, resourceId, resourceNames, TAG_LAYER_ID, TAG_TASK, TAG_VERSION, VM_TYPE } from './layout';
import { withRetry } from './retry';
import { COMPUTE_API, DISK_API } from './template';

/** The tags a resource must carry, all of them, to be this version's. */
export type Owner = Record<string, string>;

/** The owner from a machine's tags: layer id and version, and the task when known. */
export function ownerOf(layer: { id: string; version: string }, tags: Record<string, string> = {}): Owner {
  return { [TAG_LAYER_ID]: layer.id, [TAG_VERSION]: layer.version, ...(tags[TAG_TASK] ? { [TAG_TASK]: tags[TAG_TASK] } : {}) };
}

export function isOwned(tags: Record<string, string> | undefined, owner: Owner | null): boolean {
  // Without a layer id nothing can be told apart: nothing is owned.
  if (!owner?.[TAG_LAYER_ID] || !owner[TAG_VERSION]) return false;
  return Object.entries(owner).every(([k, v]) => tags?.[k] === v);
}

export function describeTags(tags: Record<string, string> | undefined): string {
  const entries = Object.entries(tags ?? {});
  return entries.length ? entries.map(([k, v]) => `${k}=${v}`).join(', ') : 'none';
}

export interface NamedResource {
  what: string;
  id: string;
  apiVersion: string;
}

/** The resources the template creates for a machine name, in the connector's resource group. */
export function derivedResources(clients: AzureClients, vmName: string, publicAccess: boolean): NamedResource[] {
  const s = clients.settings;
  const n = resourceNames(vmName);
  const list: NamedResource[] = [
    { what: `VM ${n.vm}`, id: resourceId(s, VM_TYPE, n.vm), apiVersion: COMPUTE_API },
    { what: `network interface ${n.nic}`, id: resourceId(s, NIC_TYPE, n.nic), apiVersion: NETWORK_API_VERSION },
    { what: `disk ${n.disk}`, id: resourceId(s, DISK_TYPE, n.disk), apiVersion: DISK_API },
  ];
  if (publicAccess)
    list.push(
      { what: `public IP ${n.publicIp}`, id: resourceId(s, PUBLIC_IP_TYPE, n.publicIp), apiVersion: NETWORK_API_VERSION },
      { what: `network security group ${n.nsg}`, id: resourceId(s, NSG_TYPE, n.nsg), apiVersion: NETWORK_API_VERSION },
    );
  return list;
}

/** A resource's tags ({} when it has none), or null when it does not exist. */
export async function readTags(clients: AzureClients, r: Pick<NamedResource, 'id' | 'apiVersion'>): Promise<Record<string, string> | null> {
  const resources = await clients.resources();
  return withRetry(async () => {
    try {
      return (await resources.resources.getById(r.id, r.apiVersion)).tags ?? {};
    } catch (e) {
      if (isNotFound(e)) return null;
      throw e;
    }
  });
}

/**
 * Refuses (exit 5) when a resource of a derived name exists without the owner's tags, naming each
 * with its tags; owner null (a version not recorded yet): every existing one is someone else's.
 */
export async function refuseForeignResources(clients: AzureClients, vmName: string, owner: Owner | null, publicAccess: boolean): Promise<void> {
  const foreign: string[] = [];
  for (const r of derivedResources(clients, vmName, publicAccess)) {
    const tags = await readTags(clients, r);
    if (tags !== null && !isOwned(tags, owner)) foreign.push(`${r.what} (tags: ${describeTags(tags)})`);
  }
  if (!foreign.length) return;
  throw new ConflictError(
    `${foreign.join('; ')} already exist${foreign.length === 1 ? 's' : ''} in resource group ${clients.settings.resourceGroup} and ${foreign.length === 1 ? 'is' : 'are'} not this layer version's: ` +
      `elm deploys neither over nor beside another machine's resources. Choose another --machine-name (or leave it out: the default is unique per version).`,
  );
}
