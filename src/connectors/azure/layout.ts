/**
 * Where things live for the Azure connector: the stored settings, blob names in the container
 * (packaging disk, deploy template, captured layer disk), resource names and the tags that mark
 * every resource of one layer version. Pure functions, no SDK.
 */
import { diskFileName } from '../../domain/rules';
import type { LayerRef } from '../connector';
import { CLOUDS, cloudOfArmEndpoint, type CloudName } from './clouds';

/** What `elm connector add azure` stores (src/connectors/azure/settings.ts): names, never secrets. */
export interface AzureSettings {
  subscription: string;
  tenant: string;
  storageAccount: string;
  resourceGroup: string;
  location: string;
  container: string;
  clientId: string | null;
  clientSecretEnv: string | null;
  accountKeyEnv: string | null;
  /** --cloud (AzureCloud, AzureUSGovernment, AzureChinaCloud); absent on connectors added before it. */
  cloud?: string | null;
  armEndpoint: string | null;
  authorityHost: string | null;
  blobEndpoint: string | null;
  /** --machine-template-spec: the operator's machine template (spec version id or file path); absent/null: elm's own. */
  machineTemplateSpec?: string | null;
}

export function blobEndpointOf(s: AzureSettings): string {
  return (s.blobEndpoint ?? `https://${s.storageAccount}.blob.core.windows.net`).replace(/\/+$/, '');
}

/**
 * The account name storage signs with: the first path segment of a path-style endpoint (Azurite,
 * Azure Stack Hub emulators: https://127.0.0.1:10000/devstoreaccount1), else the host's first label.
 */
export function storageAccountNameOf(s: AzureSettings): string {
  const u = new URL(blobEndpointOf(s));
  const first = u.pathname.split('/').filter(Boolean)[0];
  const pathStyle = /^[\d.]+$|^\[|^localhost$/i.test(u.hostname);
  return pathStyle && first ? first : u.hostname.split('.')[0];
}

/** Blob names are path-like; each segment is kept to characters that need no thought in URLs. */
function segment(s: string): string {
  return s.replace(/[^A-Za-z0-9._-]/g, '_');
}

/** `packaging/<layer id>/<version>/`: the packaging disk and its deploy template side by side. */
export function packagingPrefix(layer: Pick<LayerRef, 'id' | 'version'>): string {
  return `packaging/${segment(layer.id)}/${segment(layer.version)}/`;
}

export function packagingDiskBlobName(layer: Pick<LayerRef, 'id' | 'version'>, diskFile: string): string {
  return `${packagingPrefix(layer)}${segment(diskFile)}`;
}

/** The packaging disk's blob name for a Packaging Disk file name (always a .vhd). */
export function packagingBlobName(req: { layer: Pick<LayerRef, 'id' | 'version'>; diskName: string }): string {
  return packagingDiskBlobName(req.layer, diskFileName(req.diskName, 'vhd'));
}

/** A blob's URL without any SAS (our names need no escaping beyond what segment() allows). */
export function blobUrl(s: AzureSettings, blobName: string): string {
  return `${blobEndpointOf(s)}/${encodeURIComponent(s.container)}/${blobName.split('/').map(encodeURIComponent).join('/')}`;
}

export function templateBlobName(layer: Pick<LayerRef, 'id' | 'version'>): string {
  return `${packagingPrefix(layer)}packaging-machine.template.json`;
}

/** The layer repository in the container: `layers/<layer id>/<version>/<disk>.vhd`. */
export function layerBlobName(layer: Pick<LayerRef, 'id' | 'version'>, diskFile: string): string {
  return `layers/${segment(layer.id)}/${segment(layer.version)}/${segment(diskFile)}`;
}

/** Container and blob name of a URL under our endpoint, or null for a blob elsewhere. */
export function blobPathOf(s: AzureSettings, url: string): { container: string; blobName: string } | null {
  const base = `${blobEndpointOf(s)}/`;
  const bare = url.split('?')[0];
  if (!bare.toLowerCase().startsWith(base.toLowerCase())) return null;
  const [container, ...rest] = bare.slice(base.length).split('/');
  if (!container || rest.length === 0) return null;
  return { container: decodeURIComponent(container), blobName: rest.map(decodeURIComponent).join('/') };
}

export const TAG_LAYER = 'elm-layer';
export const TAG_LAYER_ID = 'elm-layer-id';
export const TAG_VERSION = 'elm-version';
export const TAG_TASK = 'elm-task';

/** Tags on every resource of a packaging machine: the layer (name and id), the version, the task. */
export function machineTags(layer: LayerRef, taskId: string): Record<string, string> {
  return {
    [TAG_LAYER]: layer.name.slice(0, 256),
    [TAG_LAYER_ID]: layer.id,
    [TAG_VERSION]: layer.version.slice(0, 256),
    [TAG_TASK]: taskId,
  };
}

/** Names the template derives from the machine name (kept in step with template.ts). */
export function resourceNames(vmName: string): { vm: string; nic: string; disk: string; publicIp: string; nsg: string } {
  return { vm: vmName, nic: `${vmName}-nic`, disk: `${vmName}-osdisk`, publicIp: `${vmName}-pip`, nsg: `${vmName}-nsg` };
}

/** Deployment names: 1-64 of letters, digits, `-._()`. */
export function deploymentName(layer: Pick<LayerRef, 'id' | 'version'>, vmName: string): string {
  return `elm-${layer.id}-${layer.version}-${vmName}`.replace(/[^A-Za-z0-9._()-]/g, '-').slice(0, 64);
}

export function resourceGroupId(s: AzureSettings, resourceGroup = s.resourceGroup): string {
  return `/subscriptions/${s.subscription}/resourceGroups/${resourceGroup}`;
}

export function resourceId(s: AzureSettings, type: string, name: string, resourceGroup = s.resourceGroup): string {
  return `${resourceGroupId(s, resourceGroup)}/providers/${type}/${name}`;
}

export const VM_TYPE = 'Microsoft.Compute/virtualMachines';
export const DISK_TYPE = 'Microsoft.Compute/disks';
export const NIC_TYPE = 'Microsoft.Network/networkInterfaces';
export const STORAGE_TYPE = 'Microsoft.Storage/storageAccounts';
export const PUBLIC_IP_TYPE = 'Microsoft.Network/publicIPAddresses';
export const NSG_TYPE = 'Microsoft.Network/networkSecurityGroups';
export const VNET_TYPE = 'Microsoft.Network/virtualNetworks';
/** API versions of elm's template and by-id calls: under 700 days old (test/azure-connector/apiVersionAge.test.ts). */
export const NETWORK_API_VERSION = '2025-05-01';
export const STORAGE_API_VERSION = '2025-06-01';

/** The portal of the connector's cloud (--cloud, else the one its ARM endpoint belongs to): the deploy link opens there. */
export function portalOrigin(s: AzureSettings): string {
  const named = s.cloud ? (Object.keys(CLOUDS) as CloudName[]).find((n) => n === s.cloud) : undefined;
  return CLOUDS[named ?? cloudOfArmEndpoint(s.armEndpoint)].portal;
}
