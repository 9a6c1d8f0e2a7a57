/**
 * What Microsoft.Compute offers the fake subscription, and how much of it is used:
 *   GET /subscriptions/{s}/providers/Microsoft.Compute/skus?$filter=location eq '{l}'
 *       Resource SKUs – List (api 2021-07-01): one entry per size and location, with
 *       `capabilities` (vCPUs, HyperVGenerations, …) and `restrictions` (type Location with
 *       reasonCode NotAvailableForSubscription, or Zone). Shapes as in azure-rest-api-specs
 *       specification/compute/resource-manager/Microsoft.Compute/ComputeRP (skus.json examples).
 *   GET /subscriptions/{s}/providers/Microsoft.Compute/locations/{l}/usages
 *       Usage – List: `{ unit: 'Count', currentValue, limit, name: { value, localizedValue } }`,
 *       `cores` (Total Regional vCPUs) and one entry per size family (e.g. standardDSv3Family).
 *       Usage counts every VM's vCPUs, allocated or deallocated ("vCPU quotas", Azure docs:
 *       "The quota is calculated based on the total number of cores in use, both allocated and
 *       deallocated").
 * The VM provisioner applies the same catalog (vmPlacementProblem), as Azure does at creation.
 */
import type { FakeCloud } from '../cloud';
import { ArmError } from '../errors';
import type { Router } from '../http';
import { dig, normalizeLocation } from './common';

export interface VmSku {
  name: string;
  family: string;
  vCpus: number;
  memoryGb: number;
  /** e.g. ['V1', 'V2']; Av2 sizes boot V1 only. */
  hyperVGenerations: Array<'V1' | 'V2'>;
  /** Locations it is offered in; undefined: every location of the fake. */
  locations?: string[];
  /**
   * Capability TrustedLaunchDisabled ("Trusted launch for Azure VMs", Microsoft Learn: sizes that
   * do not support it, e.g. the M-series, report TrustedLaunchDisabled True); default: disabled
   * only where the size boots no generation 2 machine.
   */
  trustedLaunchDisabled?: boolean;
}

const FAMILY_NAMES: Record<string, string> = {
  standardDSv3Family: 'Standard DSv3 Family vCPUs',
  standardDSv5Family: 'Standard DSv5 Family vCPUs',
  standardBSFamily: 'Standard BS Family vCPUs',
  standardAv2Family: 'Standard Av2 Family vCPUs',
  standardMSFamily: 'Standard MS Family vCPUs',
};

const DEFAULT_SKUS: VmSku[] = [
  { name: 'Standard_D2s_v3', family: 'standardDSv3Family', vCpus: 2, memoryGb: 8, hyperVGenerations: ['V1', 'V2'] },
  { name: 'Standard_D4s_v3', family: 'standardDSv3Family', vCpus: 4, memoryGb: 16, hyperVGenerations: ['V1', 'V2'] },
  { name: 'Standard_D2s_v5', family: 'standardDSv5Family', vCpus: 2, memoryGb: 8, hyperVGenerations: ['V1', 'V2'] },
  { name: 'Standard_D4s_v5', family: 'standardDSv5Family', vCpus: 4, memoryGb: 16, hyperVGenerations: ['V1', 'V2'] },
  { name: 'Standard_B2s', family: 'standardBSFamily', vCpus: 2, memoryGb: 4, hyperVGenerations: ['V1', 'V2'] },
  { name: 'Standard_A2_v2', family: 'standardAv2Family', vCpus: 2, memoryGb: 4, hyperVGenerations: ['V1'] },
  { name: 'Standard_M8ms', family: 'standardMSFamily', vCpus: 8, memoryGb: 218, hyperVGenerations: ['V1', 'V2'], trustedLaunchDisabled: true },
];

/** Default quota per location: 10 regional vCPUs, 10 per family (a new pay-as-you-go subscription's figures). */
const DEFAULT_LIMIT = 10;

export class ComputeCatalog {
  readonly skus: VmSku[] = DEFAULT_SKUS.map((s) => ({ ...s }));
  /** `size|location` → reason code of a Location restriction. */
  private readonly restrictions = new Map<string, string>();
  /** `location|usage name` → { limit, used by things outside the fake's inventory }. */
  private readonly quotas = new Map<string, { limit: number; baseline: number }>();

  /** The size is not available to this subscription in that location (as `az vm list-skus` shows). */
  restrict(size: string, location: string, reasonCode: 'NotAvailableForSubscription' | 'QuotaId' = 'NotAvailableForSubscription'): void {
    this.restrictions.set(`${size}|${normalizeLocation(location)}`.toLowerCase(), reasonCode);
  }

  /** Sets a quota (`cores` or a family name): its limit, and vCPUs used outside the fake's VMs. */
  setQuota(location: string, name: string, quota: { limit: number; used?: number }): void {
    this.quotas.set(`${normalizeLocation(location)}|${name}`.toLowerCase(), { limit: quota.limit, baseline: quota.used ?? 0 });
  }

  find(size: string): VmSku | undefined {
    return this.skus.find((s) => s.name.toLowerCase() === size.toLowerCase());
  }

  offeredIn(sku: VmSku, location: string): boolean {
    return !sku.locations || sku.locations.map(normalizeLocation).includes(normalizeLocation(location));
  }

  restriction(size: string, location: string): string | undefined {
    return this.restrictions.get(`${size}|${normalizeLocation(location)}`.toLowerCase());
  }

  /** Every usage entry of a location, counting the vCPUs of the VMs in the inventory. */
  usages(cloud: FakeCloud, location: string): Array<{ name: string; localizedName: string; current: number; limit: number }> {
    const loc = normalizeLocation(location);
    const used = new Map<string, number>();
    for (const vm of cloud.inventory.list({ type: 'Microsoft.Compute/virtualMachines' })) {
      if (vm.location !== loc) continue;
      const sku = this.find(String(dig(vm.properties, 'hardwareProfile', 'vmSize') ?? ''));
      if (!sku) continue;
      used.set('cores', (used.get('cores') ?? 0) + sku.vCpus);
      used.set(sku.family, (used.get(sku.family) ?? 0) + sku.vCpus);
    }
    const names = ['cores', ...new Set(this.skus.map((s) => s.family))];
    return names.map((name) => {
      const q = this.quotas.get(`${loc}|${name}`.toLowerCase()) ?? { limit: DEFAULT_LIMIT, baseline: 0 };
      return {
        name,
        localizedName: name === 'cores' ? 'Total Regional vCPUs' : (FAMILY_NAMES[name] ?? `${name} vCPUs`),
        current: q.baseline + (used.get(name) ?? 0),
        limit: q.limit,
      };
    });
  }
}

export function computeCatalogRoutes(cloud: FakeCloud, router: Router): void {
  router.add('GET', '/subscriptions/{sub}/providers/Microsoft.Compute/skus', (req) => {
    const filter = req.query.get('$filter');
    let locations: string[];
    if (filter) {
      // Only a location filter is supported (Resource SKUs – List, `$filter`).
      const m = /^\s*location\s+eq\s+'([^']+)'\s*$/i.exec(filter);
      if (!m) throw new ArmError(400, 'InvalidFilterInQueryString', `The filter '${filter}' is not supported: only location eq '<location>' is.`);
      locations = [normalizeLocation(m[1])];
    } else {
      locations = [...new Set(cloud.inventory.listResourceGroups().map((g) => g.location))];
    }
    const value: unknown[] = [];
    for (const location of locations) {
      value.push(diskSkuBody(location));
      for (const sku of cloud.catalog.skus) if (cloud.catalog.offeredIn(sku, location)) value.push(vmSkuBody(cloud.catalog, sku, location));
    }
    return { status: 200, body: { value } };
  });

  router.add('GET', '/subscriptions/{sub}/providers/Microsoft.Compute/locations/{location}/usages', (req) => ({
    status: 200,
    body: {
      value: cloud.catalog.usages(cloud, req.params.location).map((u) => ({
        unit: 'Count',
        currentValue: u.current,
        limit: u.limit,
        name: { value: u.name, localizedValue: u.localizedName },
      })),
    },
  }));
}

export function trustedLaunchDisabled(sku: VmSku): boolean {
  return sku.trustedLaunchDisabled ?? !sku.hyperVGenerations.includes('V2');
}

function vmSkuBody(catalog: ComputeCatalog, sku: VmSku, location: string): Record<string, unknown> {
  const reason = catalog.restriction(sku.name, location);
  return {
    resourceType: 'virtualMachines',
    name: sku.name,
    tier: 'Standard',
    size: sku.name.replace(/^Standard_/, ''),
    family: sku.family,
    locations: [location],
    locationInfo: [{ location, zones: ['1', '2', '3'], zoneDetails: [] }],
    capabilities: [
      { name: 'MaxResourceVolumeMB', value: String(sku.vCpus * 8192) },
      { name: 'OSVhdSizeMB', value: '1047552' },
      { name: 'vCPUs', value: String(sku.vCpus) },
      { name: 'MemoryGB', value: String(sku.memoryGb) },
      { name: 'HyperVGenerations', value: sku.hyperVGenerations.join(',') },
      { name: 'PremiumIO', value: sku.name.includes('s_') || sku.name.endsWith('s') ? 'True' : 'False' },
      { name: 'vCPUsAvailable', value: String(sku.vCpus) },
      { name: 'CpuArchitectureType', value: 'x64' },
      { name: 'TrustedLaunchDisabled', value: trustedLaunchDisabled(sku) ? 'True' : 'False' },
    ],
    restrictions: reason
      ? [{ type: 'Location', values: [location], restrictionInfo: { locations: [location] }, reasonCode: reason }]
      : [],
  };
}

function diskSkuBody(location: string): Record<string, unknown> {
  return {
    resourceType: 'disks',
    name: 'StandardSSD_LRS',
    tier: 'Standard',
    size: 'E10',
    locations: [location],
    locationInfo: [{ location, zones: ['1', '2', '3'], zoneDetails: [] }],
    capabilities: [
      { name: 'MaxSizeGiB', value: '128' },
      { name: 'MinSizeGiB', value: '64' },
    ],
    restrictions: [],
  };
}

/**
 * Why Azure would refuse to create a VM of this size with a disk of that generation here, or
 * null. Messages and codes as Azure gives them: SkuNotAvailable (https://aka.ms/azureskunotavailable),
 * the generation check (https://aka.ms/azuregen2vm), OperationNotAllowed for the quota.
 */
export function vmPlacementProblem(cloud: FakeCloud, vm: { name: string; vmSize: string; location: string; generation: 'V1' | 'V2' }): ArmError | null {
  const catalog = cloud.catalog;
  const sku = catalog.find(vm.vmSize);
  if (!sku || !catalog.offeredIn(sku, vm.location) || catalog.restriction(sku.name, vm.location)) {
    return new ArmError(
      409,
      'SkuNotAvailable',
      `The requested VM size for resource 'Following SKUs have failed for Capacity Restrictions: ${vm.vmSize}' is currently not available in location '${vm.location}'. Please try another size or deploy to a different location or different zone. See https://aka.ms/azureskunotavailable for details.`,
    );
  }
  if (!sku.hyperVGenerations.includes(vm.generation)) {
    const n = vm.generation.slice(1);
    return new ArmError(
      400,
      'BadRequest',
      `The selected VM size '${sku.name}' cannot boot Hypervisor Generation '${n}'. If this was a Create operation please check that the Hypervisor Generation of the Image matches the Hypervisor Generation of the selected VM Size. If this was an Update operation please select a Hypervisor Generation '${n}' VM Size. For more information, see https://aka.ms/azuregen2vm`,
    );
  }
  for (const u of catalog.usages(cloud, vm.location)) {
    if ((u.name === 'cores' || u.name === sku.family) && u.current + sku.vCpus > u.limit) {
      return new ArmError(
        409,
        'OperationNotAllowed',
        `Operation could not be completed as it results in exceeding approved ${u.name === 'cores' ? 'Total Regional Cores' : u.localizedName} quota. Additional details - Deployment Model: Resource Manager, Location: ${vm.location}, Current Limit: ${u.limit}, Current Usage: ${u.current}, Additional Required: ${sku.vCpus}, (Minimum) New Limit Required: ${u.current + sku.vCpus}. Submit a request for Quota increase at https://aka.ms/ProdportalCRP.`,
      );
    }
  }
  return null;
}
