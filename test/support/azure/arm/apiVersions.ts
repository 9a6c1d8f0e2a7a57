/**
 * The api-versions Azure serves for each resource type the fake handles; any other is refused as
 * ARM refuses it (learn.microsoft.com/azure/azure-resource-manager/troubleshooting/error-register-resource-provider):
 *   400 NoRegisteredProviderFound "No registered resource provider found for location '{loc}' and
 *   API version '{v}' for type '{type}'. The supported api-versions are '…'. The supported
 *   locations are '…'." — for a provider's type (Compute, Network, Storage);
 *   400 InvalidApiVersionParameter "The api-version '{v}' is invalid. The supported versions are
 *   '…'." — for ARM's own types (Microsoft.Resources: resource groups, resources, deployments).
 * The lists are the version folders of Azure/azure-rest-api-specs (stable, and the previews that
 * a type was first served in), plus the versions newer than that snapshot that elm or the SDKs
 * send (named beside them). Operation monitors are not checked: their URL carries the version the
 * fake put in it. Types the fake has no provider for (generic resources) are not checked either.
 */
import type { FakeCloud } from '../cloud';
import { ArmError } from '../errors';
import type { FakeRequest } from '../http';
import { GALLERY_API_VERSIONS } from './galleries';
import { TEMPLATE_SPEC_API_VERSIONS } from './templateSpecs';

/** specification/compute/resource-manager/Microsoft.Compute/ComputeRP/stable (and the older Microsoft.Compute/stable). */
export const COMPUTE_API_VERSIONS = [
  '2015-06-15', '2016-03-30', '2016-04-30-preview', '2017-03-30', '2017-12-01', '2018-04-01', '2018-06-01', '2018-10-01',
  '2019-03-01', '2019-07-01', '2019-12-01', '2020-06-01', '2020-12-01', '2021-03-01', '2021-04-01', '2021-07-01',
  '2021-11-01', '2022-03-01', '2022-08-01', '2022-11-01', '2023-03-01', '2023-07-01', '2023-09-01', '2024-03-01',
  '2024-07-01', '2024-11-01', '2025-04-01', '2025-11-01',
  '2026-03-01', // what @azure/arm-compute 24 sends for virtualMachines and runCommands (generated from the spec)
];

/** Resource SKUs: Microsoft.Compute/stable/*\/skus.json (arm-compute sends 2021-07-01). */
export const SKUS_API_VERSIONS = ['2017-03-30', '2017-09-01', '2019-04-01', '2021-07-01'];

/** specification/compute/resource-manager/Microsoft.Compute/DiskRP/stable (and the older Microsoft.Compute/stable disk.json). */
export const DISK_API_VERSIONS = [
  '2016-04-30-preview', '2017-03-30', '2018-04-01', '2018-06-01', '2018-09-30', '2019-03-01', '2019-07-01', '2019-11-01',
  '2020-05-01', '2020-06-30', '2020-09-30', '2020-12-01', '2021-04-01', '2021-08-01', '2021-12-01', '2022-03-02',
  '2022-07-02', '2023-01-02', '2023-04-02', '2023-10-02', '2024-03-02', '2025-01-02',
  '2026-03-02', // elm's DISK_API: Azure/azure-resource-manager-schemas schemas/2026-03-02/Microsoft.Compute.json (disks)
];

/** specification/network/resource-manager/Microsoft.Network/stable. */
export const NETWORK_API_VERSIONS = [
  '2015-06-15', '2016-03-30', '2016-06-01', '2016-09-01', '2016-10-01', '2016-11-01', '2016-12-01', '2017-03-01',
  '2017-04-01', '2017-06-01', '2017-08-01', '2017-09-01', '2017-10-01', '2017-11-01', '2018-01-01', '2018-02-01',
  '2018-04-01', '2018-06-01', '2018-07-01', '2018-08-01', '2018-10-01', '2018-11-01', '2018-12-01', '2019-02-01',
  '2019-04-01', '2019-06-01', '2019-07-01', '2019-08-01', '2019-09-01', '2019-11-01', '2019-12-01', '2020-03-01',
  '2020-04-01', '2020-05-01', '2020-06-01', '2020-07-01', '2020-08-01', '2020-11-01', '2021-02-01', '2021-03-01',
  '2021-05-01', '2021-08-01', '2022-01-01', '2022-05-01', '2022-07-01', '2022-09-01', '2022-11-01', '2023-02-01',
  '2023-04-01', '2023-05-01', '2023-06-01', '2023-09-01', '2023-11-01', '2024-01-01', '2024-03-01', '2024-05-01',
  '2024-07-01', '2024-10-01', '2025-01-01', '2025-03-01', '2025-05-01',
];

/** specification/storage/resource-manager/Microsoft.Storage/stable. */
export const STORAGE_API_VERSIONS = [
  '2015-06-15', '2016-01-01', '2016-05-01', '2016-12-01', '2017-06-01', '2017-10-01', '2018-02-01', '2018-07-01',
  '2018-11-01', '2019-04-01', '2019-06-01', '2021-01-01', '2021-02-01', '2021-04-01', '2021-06-01', '2021-08-01',
  '2021-09-01', '2022-05-01', '2022-09-01', '2023-01-01', '2023-04-01', '2023-05-01', '2024-01-01', '2025-01-01',
  '2025-06-01',
];

/** specification/resources/resource-manager/Microsoft.Resources/stable (resources.json: groups, resources, deployments). */
export const RESOURCES_API_VERSIONS = [
  '2015-11-01', '2016-02-01', '2016-07-01', '2016-09-01', '2017-05-10', '2018-02-01', '2018-05-01', '2019-03-01',
  '2019-05-01', '2019-05-10', '2019-07-01', '2019-08-01', '2019-10-01', '2020-06-01', '2020-08-01', '2020-10-01',
  '2021-01-01', '2021-04-01', '2022-09-01', '2023-07-01', '2024-03-01', '2024-07-01', '2024-11-01', '2025-03-01',
];

/** Microsoft.Resources/stable/*\/subscriptions.json. */
export const SUBSCRIPTIONS_API_VERSIONS = ['2016-06-01', '2018-06-01', '2019-06-01', '2019-11-01', '2020-01-01', '2021-01-01', '2022-12-01'];

interface Served {
  versions: string[];
  /** ARM's own types answer InvalidApiVersionParameter; a provider's, NoRegisteredProviderFound. */
  arm: boolean;
}

/** `namespace/topType` (lower case) → what is served; namespace alone for every type of it. */
const SERVED: Record<string, Served> = {
  'microsoft.compute/virtualmachines': { versions: COMPUTE_API_VERSIONS, arm: false },
  'microsoft.compute/locations': { versions: COMPUTE_API_VERSIONS, arm: false },
  'microsoft.compute/skus': { versions: SKUS_API_VERSIONS, arm: false },
  'microsoft.compute/disks': { versions: DISK_API_VERSIONS, arm: false },
  'microsoft.compute/galleries': { versions: GALLERY_API_VERSIONS, arm: false },
  'microsoft.network': { versions: NETWORK_API_VERSIONS, arm: false },
  'microsoft.storage/storageaccounts': { versions: STORAGE_API_VERSIONS, arm: false },
  'microsoft.resources/deployments': { versions: RESOURCES_API_VERSIONS, arm: true },
  'microsoft.resources/templatespecs': { versions: TEMPLATE_SPEC_API_VERSIONS, arm: true },
  'microsoft.resources/resourcegroups': { versions: RESOURCES_API_VERSIONS, arm: true },
  'microsoft.resources/resources': { versions: RESOURCES_API_VERSIONS, arm: true },
  'microsoft.resources/subscriptions': { versions: SUBSCRIPTIONS_API_VERSIONS, arm: true },
};

function served(type: string): Served | undefined {
  const [ns, top] = type.toLowerCase().split('/');
  return SERVED[`${ns}/${top}`] ?? SERVED[ns];
}

/** The type a request path names (`Microsoft.Compute/virtualMachines/runCommands`), or undefined for a monitor. */
export function typeOfPath(path: string): string | undefined {
  const segs = path.split('/').filter(Boolean);
  const p = segs.findIndex((s) => s.toLowerCase() === 'providers');
  const lower = segs.map((s) => s.toLowerCase());
  if (lower.some((s) => s === 'operations' || s === 'operationresults' || s === 'operationstatuses')) return undefined;
  if (p < 0) {
    if (lower[2] === 'resources' || lower[4] === 'resources') return 'Microsoft.Resources/resources';
    if (lower[2] === 'resourcegroups' && lower[4] === 'deployments') return 'Microsoft.Resources/deployments';
    if (lower[2] === 'resourcegroups') return 'Microsoft.Resources/resourceGroups';
    return 'Microsoft.Resources/subscriptions';
  }
  const rest = segs.slice(p + 1);
  return [rest[0], ...rest.slice(1).filter((_, i) => i % 2 === 0)].join('/');
}

/** Throws ARM's error when `version` is not served for `type` (location: for the message). */
export function checkServedApiVersion(type: string, version: string, location: string): void {
  const s = served(type);
  if (!s || s.versions.includes(version)) return;
  const list = s.versions.join(', ');
  if (s.arm) throw new ArmError(400, 'InvalidApiVersionParameter', `The api-version '${version}' is invalid. The supported versions are '${list}'.`);
  const short = type.split('/').slice(1).join('/');
  throw new ArmError(
    400,
    'NoRegisteredProviderFound',
    `No registered resource provider found for location '${location}' and API version '${version}' for type '${short}'. The supported api-versions are '${list}'. The supported locations are '${location}'.`,
  );
}

/** The check on a request: its path's type, the location of its resource group (or the path's `locations/{l}`). */
export function checkRequestApiVersion(cloud: FakeCloud, req: FakeRequest, version: string): void {
  const path = decodeURIComponent(req.path);
  const type = typeOfPath(path);
  if (!type) return;
  const rg = /\/resourcegroups\/([^/]+)/i.exec(path)?.[1];
  const loc = /\/locations\/([^/]+)/i.exec(path)?.[1];
  checkServedApiVersion(type, version, loc ?? (rg ? cloud.inventory.getResourceGroup(rg)?.location : undefined) ?? 'global');
}
