/**
 * The packaging machine as elm knows it: the resource ids recorded when it was deployed (or found
 * by its tags when it was deployed through the portal link), its power state from the instance
 * view, and deallocation (Azure's "stopped and not billed"; disk export needs it).
 */
import { ElmError } from '../../domain/errors';
import type { MachineRef, MachineStatus } from '../connector';
import type { AzureClients } from './clients';
import { isNotFound, platformError } from './errors';
import {
  blobPathOf,
  DISK_TYPE,
  NIC_TYPE,
  NSG_TYPE,
  PUBLIC_IP_TYPE,
  resourceId,
  resourceNames,
  TAG_LAYER_ID,
  TAG_VERSION,
  VM_TYPE,
} from './layout';
import { resourceGroupOfId, taggedVmInSubscription } from './machineElsewhere';
import { withRetry } from './retry';

/** What MachineRef.resources holds for an Azure machine (no secrets: names and ids). */
export interface MachineResources {
  resourceGroup: string;
  vmName: string;
  vmId: string;
  nicId: string | null;
  diskId: string | null;
  /** With --public-ip: the public IP and the network security group admitting RDP. */
  publicIpId?: string | null;
  nsgId?: string | null;
  deploymentName: string | null;
  tags: Record<string, string>;
}

export type PowerState = 'starting' | 'running' | 'stopping' | 'stopped' | 'deallocating' | 'deallocated' | 'unknown' | 'absent';

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

export function machineRef(m: MachineResources, state: string): MachineRef {
  return {
    name: m.vmName,
    resources: {
      platform: 'azure',
      state,
      resourceGroup: m.resourceGroup,
      vmId: m.vmId,
      nicId: m.nicId,
      diskId: m.diskId,
      ...(m.publicIpId ? { publicIpId: m.publicIpId } : {}),
      ...(m.nsgId ? { nsgId: m.nsgId } : {}),
      deploymentName: m.deploymentName,
      tags: m.tags,
    },
  };
}

/** The recorded ref as resources; names the template derives stand in for ids not recorded. */
export function machineResources(clients: AzureClients, ref: MachineRef): MachineResources {
  const r = ref.resources ?? {};
  // A portal-deployed machine may sit in another group: its recorded VM id says which.
  const rg = str(r.resourceGroup) ?? (str(r.vmId) && resourceGroupOfId(str(r.vmId)!)) ?? clients.settings.resourceGroup;
  const names = resourceNames(ref.name);
  return {
    resourceGroup: rg,
    vmName: ref.name,
    vmId: str(r.vmId) ?? resourceId(clients.settings, VM_TYPE, names.vm, rg),
    nicId: str(r.nicId) ?? resourceId(clients.settings, NIC_TYPE, names.nic, rg),
    diskId: str(r.diskId) ?? resourceId(clients.settings, DISK_TYPE, names.disk, rg),
    publicIpId: str(r.publicIpId),
    nsgId: str(r.nsgId),
    deploymentName: str(r.deploymentName),
    tags: (r.tags && typeof r.tags === 'object' ? r.tags : {}) as Record<string, string>,
  };
}

export function nameOfId(id: string): string {
  return id.split('/').pop() ?? id;
}

/**
 * Resources of the resource group tagged for this layer version (the portal-deployed machine,
 * leftovers). The whole group is listed and the tags matched here: with a tagName/tagValue
 * $filter Azure returns the resources WITHOUT their tags (Resources – List By Resource Group;
 * azure-rest-api-specs#3819), so the version tag could never be read.
 */
export interface TaggedResource {
  id: string;
  type: string;
  name: string;
}

export async function taggedResources(clients: AzureClients, layerId: string, version: string, resourceGroup = clients.settings.resourceGroup): Promise<TaggedResource[]> {
  const resources = await clients.resources();
  const found: TaggedResource[] = [];
  await withRetry(async () => {
    found.length = 0;
    for await (const r of resources.resources.listByResourceGroup(resourceGroup)) {
      if (r.tags?.[TAG_LAYER_ID] === layerId && r.tags?.[TAG_VERSION] === version && r.id) found.push({ id: r.id, type: r.type ?? '', name: r.name ?? nameOfId(r.id) });
    }
  });
  return found;
}

/**
 * The machine of a layer version: the recorded one, else the VM tagged for it (deployed through
 * the portal link), with its NIC and disk read from the VM. null when there is none.
 */
export async function findMachine(clients: AzureClients, ref: MachineRef | null, layer: { id: string; version: string }): Promise<MachineResources | null> {
  if (ref?.name) return machineResources(clients, ref);
  const tagged = await taggedResources(clients, layer.id, layer.version);
  const vm = tagged.find((r) => r.type.toLowerCase() === VM_TYPE.toLowerCase());
  const nic = tagged.find((r) => r.type.toLowerCase() === NIC_TYPE.toLowerCase());
  const disk = tagged.find((r) => r.type.toLowerCase() === DISK_TYPE.toLowerCase());
  const publicIp = tagged.find((r) => r.type.toLowerCase() === PUBLIC_IP_TYPE.toLowerCase());
  const nsg = tagged.find((r) => r.type.toLowerCase() === NSG_TYPE.toLowerCase());
  if (!vm && !nic && !disk && !publicIp && !nsg) return findMachineElsewhere(clients, layer);
  const vmName = vm?.name ?? (disk ?? nic ?? publicIp ?? nsg)!.name.replace(/-(osdisk|nic|pip|nsg)$/, '');
  const m: MachineResources = {
    resourceGroup: clients.settings.resourceGroup,
    vmName,
    vmId: vm?.id ?? resourceId(clients.settings, VM_TYPE, vmName),
    nicId: nic?.id ?? null,
    diskId: disk?.id ?? null,
    publicIpId: publicIp?.id ?? null,
    nsgId: nsg?.id ?? null,
    deploymentName: null,
    tags: {},
  };
  if (vm) {
    const v = await (await clients.compute()).virtualMachines.get(m.resourceGroup, vmName).catch(() => null);
    m.diskId = v?.storageProfile?.osDisk?.managedDisk?.id ?? m.diskId;
    m.nicId = v?.networkProfile?.networkInterfaces?.[0]?.id ?? m.nicId;
  }
  return m;
}

/** The VM tagged for the version in another resource group (deployed there through the portal), with its NIC and disk read from it. */
async function findMachineElsewhere(clients: AzureClients, layer: { id: string; version: string }): Promise<MachineResources | null> {
  const vmId = await taggedVmInSubscription(clients, layer.id, layer.version);
  const resourceGroup = vmId && resourceGroupOfId(vmId);
  if (!vmId || !resourceGroup) return null;
  const vmName = nameOfId(vmId);
  const v = await (await clients.compute()).virtualMachines.get(resourceGroup, vmName);
  return {
    resourceGroup,
    vmName,
    vmId,
    nicId: v.networkProfile?.networkInterfaces?.[0]?.id ?? null,
    diskId: v.storageProfile?.osDisk?.managedDisk?.id ?? null,
    publicIpId: null,
    nsgId: null,
    deploymentName: null,
    tags: {},
  };
}

/** The layer id and version of a packaging disk blob (`…/packaging/<layer id>/<version>/<disk>.vhd`). */
export function layerOfDiskLocation(clients: AzureClients, location: string): { id: string; version: string } | null {
  const where = blobPathOf(clients.settings, location);
  const m = where && /^packaging\/([^/]+)\/([^/]+)\/[^/]+$/.exec(where.blobName);
  return m ? { id: m[1], version: m[2] } : null;
}

export async function powerState(clients: AzureClients, m: Pick<MachineResources, 'resourceGroup' | 'vmName'>): Promise<PowerState> {
  return (await instanceState(clients, m)).power;
}

/** The VM's power state and its VM agent's status ("Ready", "Not Ready"; null when none reports). */
export interface InstanceState {
  power: PowerState;
  agent: string | null;
}

/** One read of the instance view: the power state and whether the VM agent (Run Command's carrier) is Ready. */
export async function instanceState(clients: AzureClients, m: Pick<MachineResources, 'resourceGroup' | 'vmName'>): Promise<InstanceState> {
  const compute = await clients.compute();
  try {
    const view = await compute.virtualMachines.instanceView(m.resourceGroup, m.vmName);
    const code = view.statuses?.map((s) => s.code ?? '').find((c) => c.startsWith('PowerState/'));
    const state = code?.slice('PowerState/'.length).toLowerCase();
    const known: PowerState[] = ['starting', 'running', 'stopping', 'stopped', 'deallocating', 'deallocated'];
    const agent = view.vmAgent?.statuses?.find((s) => s.displayStatus)?.displayStatus ?? null;
    return { power: known.includes(state as PowerState) ? (state as PowerState) : 'unknown', agent };
  } catch (e) {
    if (isNotFound(e)) return { power: 'absent', agent: null };
    throw platformError(`Reading the power state of ${m.vmName}`, e);
  }
}

/** running (also starting), stopped (stopped, deallocated, on their way there), absent. */
export function statusOfPower(state: PowerState): MachineStatus {
  switch (state) {
    case 'starting':
    case 'running':
      return 'running';
    case 'stopping':
    case 'stopped':
    case 'deallocating':
    case 'deallocated':
      return 'stopped';
    case 'absent':
      return 'absent';
    default:
      return 'unknown';
  }
}

/** Deallocates unless already deallocated (gone is an error: there is nothing to capture). */
export async function deallocate(clients: AzureClients, m: MachineResources, signal?: AbortSignal, onRetry?: (msg: string) => void): Promise<void> {
  const state = await powerState(clients, m);
  if (state === 'deallocated') return;
  if (state === 'absent') throw new ElmError(`The packaging machine ${m.vmName} does not exist (any more) in resource group ${m.resourceGroup}.`);
  const compute = await clients.compute();
  try {
    await withRetry(() => compute.virtualMachines.beginDeallocateAndWait(m.resourceGroup, m.vmName), { signal, onRetry });
  } catch (e) {
    throw platformError(`Deallocating the packaging machine ${m.vmName}`, e);
  }
}
