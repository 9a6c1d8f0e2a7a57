/**
 * Microsoft.Storage/storageAccounts, backed by an Azurite account (primaryEndpoints.blob is the
 * Azurite endpoint, listKeys returns its key):
 *   GET  /…/resourceGroups/{rg}/providers/Microsoft.Storage/storageAccounts/{name}
 *   POST /…/storageAccounts/{name}/listKeys
 *   GET  /…/resourceGroups/{rg}/providers/Microsoft.Storage/storageAccounts, /subscriptions/{s}/providers/Microsoft.Storage/storageAccounts
 */
import type { FakeCloud } from '../cloud';
import type { Router } from '../http';
import type { FakeResource } from '../inventory';
import { normalizeLocation, requireResource, requireResourceGroup, resourceBody } from './common';

export const STORAGE_TYPE = 'Microsoft.Storage/storageAccounts';

export interface StorageAccountOptions {
  resourceGroup: string;
  location: string;
  /** Azurite blob endpoint this account serves from (default: the fake's Azurite). */
  blobEndpoint?: string;
  accountKey?: string;
  kind?: string;
  skuName?: string;
  tags?: Record<string, string>;
  /** allowSharedKeyAccess (default true). */
  allowSharedKeyAccess?: boolean;
  /** networkAcls.defaultAction: 'Deny' is a storage firewall (selected networks only). Default 'Allow'. */
  networkDefaultAction?: 'Allow' | 'Deny';
}

export function storageRoutes(cloud: FakeCloud, router: Router): void {
  const body = (a: FakeResource) => resourceBody(a);
  router.add('GET', '/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Storage/storageAccounts/{name}', (req) => ({
    status: 200,
    body: body(requireResource(cloud, req.params.rg, STORAGE_TYPE, req.params.name)),
  }));
  router.add('POST', '/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Storage/storageAccounts/{name}/listKeys', (req) => {
    const account = requireResource(cloud, req.params.rg, STORAGE_TYPE, req.params.name);
    const creationTime = account.createdAt;
    return {
      status: 200,
      body: {
        keys: [
          { creationTime, keyName: 'key1', value: account.storage?.accountKey ?? '', permissions: 'FULL' },
          { creationTime, keyName: 'key2', value: Buffer.from(`${account.name}-key2`).toString('base64'), permissions: 'FULL' },
        ],
      },
    };
  });
  router.add('GET', '/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Storage/storageAccounts', (req) => {
    requireResourceGroup(cloud, req.params.rg);
    return { status: 200, body: { value: cloud.inventory.list({ resourceGroup: req.params.rg, type: STORAGE_TYPE }).map(body) } };
  });
  router.add('GET', '/subscriptions/{sub}/providers/Microsoft.Storage/storageAccounts', () => ({
    status: 200,
    body: { value: cloud.inventory.list({ type: STORAGE_TYPE }).map(body) },
  }));
}

export function makeStorageAccount(cloud: FakeCloud, name: string, opts: StorageAccountOptions): FakeResource {
  const blobEndpoint = opts.blobEndpoint ?? cloud.azurite?.blobEndpoint;
  const accountKey = opts.accountKey ?? cloud.azurite?.accountKey;
  if (!blobEndpoint || !accountKey) {
    throw new Error(`addStorageAccount(${name}): the ARM fake has no Azurite; pass blobEndpoint and accountKey`);
  }
  const location = normalizeLocation(opts.location);
  const skuName = opts.skuName ?? 'Standard_LRS';
  const now = new Date().toISOString();
  const endpoint = blobEndpoint.endsWith('/') ? blobEndpoint : `${blobEndpoint}/`;
  return {
    id: cloud.inventory.resourceId(opts.resourceGroup, STORAGE_TYPE, name),
    name,
    type: STORAGE_TYPE,
    resourceGroup: opts.resourceGroup,
    location,
    tags: opts.tags ?? {},
    sku: { name: skuName, tier: skuName.startsWith('Premium') ? 'Premium' : 'Standard' },
    kind: opts.kind ?? 'StorageV2',
    createdAt: now,
    storage: { blobEndpoint: endpoint, accountKey },
    properties: {
      keyCreationTime: { key1: now, key2: now },
      allowCrossTenantReplication: false,
      defaultToOAuthAuthentication: false,
      publicNetworkAccess: 'Enabled',
      minimumTlsVersion: 'TLS1_2',
      allowBlobPublicAccess: false,
      allowSharedKeyAccess: opts.allowSharedKeyAccess ?? true,
      networkAcls: { bypass: 'AzureServices', virtualNetworkRules: [], ipRules: [], defaultAction: opts.networkDefaultAction ?? 'Allow' },
      supportsHttpsTrafficOnly: true,
      encryption: {
        services: { file: { keyType: 'Account', enabled: true }, blob: { keyType: 'Account', enabled: true } },
        keySource: 'Microsoft.Storage',
      },
      accessTier: 'Hot',
      provisioningState: 'Succeeded',
      creationTime: now,
      primaryEndpoints: { blob: endpoint },
      primaryLocation: location,
      statusOfPrimary: 'available',
    },
  };
}
