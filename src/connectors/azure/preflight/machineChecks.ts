/**
 * The packaging machine's preflight, before anything is uploaded or deployed: what would
 * otherwise fail the deployment in the portal or halfway through `machine deploy`, each a usage
 * error (exit 2) naming the fix. The machine goes in the resource group's location, so:
 * - the virtual network exists there and has the subnet (a NIC joins a subnet of its own region);
 * - the VM size is offered there, not restricted for this subscription, and boots the disk's
 *   generation (Resource SKUs API: `restrictions`, capability `HyperVGenerations`), and takes
 *   Trusted Launch when it is asked for (capability `TrustedLaunchDisabled`);
 * - no resource of the names the machine's derive exists without this version's tags (exit 5:
 *   another version's machine or an operator's VM would be deployed over, then deleted);
 * - the regional and the size family's vCPU quota have room (Compute Usage API), unless the VM
 *   of that name is this version's own (deploying it again).
 */
import { UsageError } from '../../../domain/errors';
import type { AzureClients } from '../clients';
import { isNotFound } from '../errors';
import { NETWORK_API_VERSION, resourceId, VM_TYPE, VNET_TYPE } from '../layout';
import { isOwned, readTags, refuseForeignResources, type Owner } from '../ownership';
import { COMPUTE_API } from '../template';
import type { MachineParams } from '../machineParams';

const norm = (loc: string | undefined) => (loc ?? '').toLowerCase().replace(/\s+/g, '');

/** check: whether the names are checked; owner: whose resources they may hold (null: nobody's). */
export interface MachineClaim {
  check: boolean;
  owner: Owner | null;
}

export async function machinePreflight(clients: AzureClients, p: MachineParams, location: string, claim: MachineClaim): Promise<void> {
  await checkNetwork(clients, p, location);
  const size = await checkSize(clients, p, location);
  // Exit 5 before anything is uploaded or deployed: a derived name holds another machine's resource.
  if (claim.check) await refuseForeignResources(clients, p.vmName, claim.owner, Boolean(p.options.rdpFrom));
  await checkQuota(clients, p, location, size, claim.owner);
}

async function checkNetwork(clients: AzureClients, p: MachineParams, location: string): Promise<void> {
  const s = clients.settings;
  const rg = p.virtualNetworkResourceGroup ?? s.resourceGroup;
  const resources = await clients.resources();
  let vnet;
  try {
    vnet = await resources.resources.getById(resourceId(s, VNET_TYPE, p.virtualNetwork, rg), NETWORK_API_VERSION);
  } catch (e) {
    if (!isNotFound(e)) throw e;
    throw new UsageError(
      `Virtual network "${p.virtualNetwork}" does not exist in resource group ${rg}: give an existing one with --vnet NAME (or --vnet RESOURCE-GROUP/NAME for one in another resource group).`,
    );
  }
  if (norm(vnet.location) !== location)
    throw new UsageError(
      `Virtual network "${p.virtualNetwork}" is in ${norm(vnet.location)}, but the packaging machine is deployed in ${location} (resource group ${s.resourceGroup}): a machine joins a virtual network of its own region; give one in ${location}.`,
    );
  const subnets = ((vnet.properties as { subnets?: Array<{ name?: string }> } | undefined)?.subnets ?? []).map((x) => x.name ?? '');
  if (!subnets.some((n) => n.toLowerCase() === p.subnet.toLowerCase()))
    throw new UsageError(
      `Virtual network "${p.virtualNetwork}" has no subnet "${p.subnet}"${subnets.length ? ` (it has ${subnets.join(', ')})` : ' (it has none)'}: give one of them with --subnet.`,
    );
}

interface SizeInfo {
  vCpus: number;
  family: string;
}

async function checkSize(clients: AzureClients, p: MachineParams, location: string): Promise<SizeInfo> {
  const compute = await clients.compute();
  const generation = p.options.generation;
  for await (const sku of compute.resourceSkus.list({ filter: `location eq '${location}'` })) {
    if (sku.resourceType !== 'virtualMachines' || sku.name?.toLowerCase() !== p.vmSize.toLowerCase()) continue;
    if (!(sku.locations ?? []).some((l) => norm(l) === location)) continue;
    const restricted = (sku.restrictions ?? []).find((r) => r.type === 'Location' && (r.values ?? []).some((v) => norm(v) === location));
    if (restricted)
      throw new UsageError(
        `Size ${sku.name} is not available to this subscription in ${location} (${restricted.reasonCode ?? 'restricted'}): choose another --size, or ask Microsoft to lift the restriction.`,
      );
    const capability = (name: string) => sku.capabilities?.find((c) => c.name === name)?.value;
    const generations = (capability('HyperVGenerations') ?? 'V1').split(',').map((g) => g.trim().toUpperCase());
    if (!generations.includes(generation))
      throw new UsageError(
        `Size ${sku.name} boots only ${generations.join(', ')} machines, and this OS layer version's disk is ${generation} (${generation === 'V2' ? 'UEFI, GPT' : 'BIOS, MBR'}): choose a --size that supports ${generation}.`,
      );
    if (p.options.securityType === 'TrustedLaunch' && capability('TrustedLaunchDisabled')?.toLowerCase() === 'true')
      throw new UsageError(
        `Size ${sku.name} does not support Trusted Launch (its TrustedLaunchDisabled capability): choose a --size that does (az vm list-skus --location ${location} shows the capability), or --security-type Standard.`,
      );
    return { vCpus: Number(capability('vCPUs') ?? 0), family: sku.family ?? '' };
  }
  throw new UsageError(`Size ${p.vmSize} is not offered in ${location}: choose another --size (az vm list-skus --location ${location} lists them).`);
}

async function checkQuota(clients: AzureClients, p: MachineParams, location: string, size: SizeInfo, owner: Owner | null): Promise<void> {
  if (!size.vCpus) return;
  const compute = await clients.compute();
  const short: string[] = [];
  for await (const u of compute.usage.list(location)) {
    const name = u.name?.value ?? '';
    if (name !== 'cores' && name.toLowerCase() !== size.family.toLowerCase()) continue;
    if (u.currentValue + size.vCpus > u.limit) short.push(`${u.name?.localizedValue ?? name}: ${u.currentValue} of ${u.limit} used`);
  }
  if (!short.length) return;
  // Deploying this version's machine again needs no more quota; a VM of that name that is not
  // this version's (another version's, an operator's) does not make room for this one.
  const vm = await readTags(clients, { id: resourceId(clients.settings, VM_TYPE, p.vmName), apiVersion: COMPUTE_API });
  if (vm !== null && isOwned(vm, owner)) return;
  throw new UsageError(
    `Size ${p.vmSize} needs ${size.vCpus} vCPUs and the quota in ${location} has no room (${short.join('; ')}): request a quota increase (Azure portal, Quotas) or choose a smaller --size.`,
  );
}
