/**
 * The Azure clouds `connector add azure --cloud` knows: each sets the ARM endpoint, the Microsoft
 * Entra authority, the blob endpoint suffix and the portal together (Azure CLI's `az cloud list`
 * and the Azure Government / Azure China developer guides give the same endpoints).
 */
import { UsageError } from '../../domain/errors';

export interface CloudEndpoints {
  arm: string;
  authority: string;
  blobSuffix: string;
  portal: string;
}

export const CLOUDS = {
  AzureCloud: {
    arm: 'https://management.azure.com',
    authority: 'https://login.microsoftonline.com',
    blobSuffix: 'blob.core.windows.net',
    portal: 'https://portal.azure.com',
  },
  AzureUSGovernment: {
    arm: 'https://management.usgovcloudapi.net',
    authority: 'https://login.microsoftonline.us',
    blobSuffix: 'blob.core.usgovcloudapi.net',
    portal: 'https://portal.azure.us',
  },
  AzureChinaCloud: {
    arm: 'https://management.chinacloudapi.cn',
    authority: 'https://login.chinacloudapi.cn',
    blobSuffix: 'blob.core.chinacloudapi.cn',
    portal: 'https://portal.azure.cn',
  },
} as const satisfies Record<string, CloudEndpoints>;

export type CloudName = keyof typeof CLOUDS;

/** The --cloud value in its canonical spelling (case-insensitive), or a usage error listing the names. */
export function cloudNamed(value: string): CloudName {
  const found = (Object.keys(CLOUDS) as CloudName[]).find((n) => n.toLowerCase() === value.toLowerCase());
  if (!found) throw new UsageError(`--cloud "${value}" is not an Azure cloud elm knows: use ${Object.keys(CLOUDS).join(', ')} (or give --arm-endpoint, --authority-host and --blob-endpoint).`);
  return found;
}

/** The cloud an ARM endpoint belongs to (connectors added before --cloud, or with explicit endpoints). */
export function cloudOfArmEndpoint(armEndpoint: string | null): CloudName {
  const host = armEndpoint ? new URL(armEndpoint).hostname.toLowerCase() : 'management.azure.com';
  if (host.endsWith('usgovcloudapi.net')) return 'AzureUSGovernment';
  if (host.endsWith('chinacloudapi.cn')) return 'AzureChinaCloud';
  return 'AzureCloud';
}
