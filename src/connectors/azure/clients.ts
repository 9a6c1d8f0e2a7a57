/**
 * The SDK clients one connector instance uses, made on first use (the SDKs load lazily: `elm
 * --help` and fileshare users never pay for them), with the endpoint overrides of the connector
 * (sovereign clouds, Azure Stack) and retry settings. Storage uses Microsoft Entra by default, an
 * account key read from the named environment variable as the alternative.
 */
import type { TokenCredential } from '@azure/core-auth' with { 'resolution-mode': 'import' };
import type { ResourceManagementClient } from '@azure/arm-resources' with { 'resolution-mode': 'import' };
import type { ComputeManagementClient } from '@azure/arm-compute' with { 'resolution-mode': 'import' };
import type { BlobServiceClient, ContainerClient, StorageSharedKeyCredential } from '@azure/storage-blob' with { 'resolution-mode': 'import' };
import { UsageError } from '../../domain/errors';
import { armScope, azureCredential } from './credential';
import { blobEndpointOf, storageAccountNameOf, type AzureSettings } from './layout';
import { retryBaseMs } from './retry';

const USER_AGENT = 'elm-platform-layers';

export interface AzureClients {
  readonly settings: AzureSettings;
  readonly env: NodeJS.ProcessEnv;
  /** 'entra' (bearer tokens, user-delegation SAS) or 'key' (shared key, account SAS). */
  readonly storageAuth: 'entra' | 'key';
  /** The account name storage signs with (a path-style endpoint's first segment). */
  readonly accountName: string;
  credential(): Promise<TokenCredential>;
  resources(): Promise<ResourceManagementClient>;
  compute(): Promise<ComputeManagementClient>;
  blobService(): Promise<BlobServiceClient>;
  container(): Promise<ContainerClient>;
  /** Only with account-key auth. */
  sharedKey(): Promise<StorageSharedKeyCredential | null>;
}

function memo<T>(make: () => Promise<T>): () => Promise<T> {
  let p: Promise<T> | undefined;
  return () => {
    p ??= make();
    p.catch(() => {
      p = undefined; // a failure (missing env var) is not cached
    });
    return p;
  };
}

export function createAzureClients(settings: AzureSettings, env: NodeJS.ProcessEnv): AzureClients {
  const base = retryBaseMs(env);
  const credential = memo(() => azureCredential(settings, env));
  const sharedKey = memo(async () => {
    if (!settings.accountKeyEnv) return null;
    const key = env[settings.accountKeyEnv];
    if (!key)
      throw new UsageError(
        `The environment variable ${settings.accountKeyEnv} (--account-key-env) is not set: export the storage account key of ${settings.storageAccount} in it; elm never stores it.`,
      );
    const { StorageSharedKeyCredential } = await import('@azure/storage-blob');
    return new StorageSharedKeyCredential(storageAccountNameOf(settings), key);
  });
  const armRetry = { maxRetries: 4, retryDelayInMs: base, maxRetryDelayInMs: Math.max(base, 30_000) };
  const resources = memo(async () => {
    const { ResourceManagementClient } = await import('@azure/arm-resources');
    return new ResourceManagementClient(await credential(), settings.subscription, {
      ...(settings.armEndpoint ? { endpoint: settings.armEndpoint, credentialScopes: [armScope(settings)] } : {}),
      retryOptions: armRetry,
      userAgentOptions: { userAgentPrefix: USER_AGENT },
    });
  });
  const compute = memo(async () => {
    const { ComputeManagementClient } = await import('@azure/arm-compute');
    return new ComputeManagementClient(await credential(), settings.subscription, {
      ...(settings.armEndpoint ? { endpoint: settings.armEndpoint, credentials: { scopes: [armScope(settings)] } } : {}),
      retryOptions: armRetry,
      userAgentOptions: { userAgentPrefix: USER_AGENT },
    });
  });
  const blobService = memo(async () => {
    const { BlobServiceClient } = await import('@azure/storage-blob');
    const key = await sharedKey();
    return new BlobServiceClient(blobEndpointOf(settings), key ?? (await credential()), {
      retryOptions: { maxTries: 5, retryDelayInMs: base, maxRetryDelayInMs: Math.max(base, 30_000) },
      userAgentOptions: { userAgentPrefix: USER_AGENT },
    });
  });
  const container = memo(async () => (await blobService()).getContainerClient(settings.container));
  return {
    settings,
    env,
    storageAuth: settings.accountKeyEnv ? 'key' : 'entra',
    accountName: storageAccountNameOf(settings),
    credential,
    resources,
    compute,
    blobService,
    container,
    sharedKey,
  };
}
