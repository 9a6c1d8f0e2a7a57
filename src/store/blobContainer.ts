/**
 * The container client of a remote state, with its credential: an account key or a SAS read at
 * run time from the environment variable the operator names (--state-key-env, --state-sas-env),
 * otherwise DefaultAzureCredential, as for the Azure connector. Nothing secret is stored.
 * The Azure SDK loads here, only when a remote state is used.
 */
import type { ContainerClient } from '@azure/storage-blob' with { 'resolution-mode': 'import' };
import { UsageError } from '../domain/errors';
import type { BlobLocation } from './stateLocation';

export async function openContainer(blob: BlobLocation, env: NodeJS.ProcessEnv): Promise<ContainerClient> {
  const sdk = await import('@azure/storage-blob');
  // A state read is small and a lease is short: fail over quickly rather than retrying for minutes.
  const options = { retryOptions: { maxTries: 4, retryDelayInMs: 200, maxRetryDelayInMs: 2000, tryTimeoutInMs: 60_000 }, userAgentOptions: { userAgentPrefix: 'elm-state' } };
  const sasVar = env.ELM_STATE_SAS_ENV;
  if (sasVar) {
    const sas = env[sasVar];
    if (!sas) throw new UsageError(`The environment variable ${sasVar} (--state-sas-env) is not set: export a SAS of container ${blob.container} in it; elm never stores it.`);
    const pipeline = sdk.newPipeline(new sdk.AnonymousCredential(), options);
    return new sdk.ContainerClient(`${blob.containerUrl}?${sas.replace(/^\?/, '')}`, pipeline);
  }
  const keyVar = env.ELM_STATE_ACCOUNT_KEY_ENV;
  if (keyVar) {
    const key = env[keyVar];
    if (!key) throw new UsageError(`The environment variable ${keyVar} (--state-key-env) is not set: export the key of storage account ${blob.accountName} in it; elm never stores it.`);
    const pipeline = sdk.newPipeline(new sdk.StorageSharedKeyCredential(blob.accountName, key), options);
    return new sdk.ContainerClient(blob.containerUrl, pipeline);
  }
  const identity = await import('@azure/identity');
  const host = env.AZURE_AUTHORITY_HOST;
  const custom = host !== undefined && host !== '' && !/^https:\/\/login\.microsoftonline\.com\/?$/i.test(host);
  const credential = new identity.DefaultAzureCredential(custom ? { authorityHost: host, disableInstanceDiscovery: true } : {});
  return new sdk.ContainerClient(blob.containerUrl, sdk.newPipeline(credential, options));
}

/** The HTTP status and service error code of an SDK failure. */
export function storageError(e: unknown): { status?: number; code?: string } {
  const err = e as { statusCode?: number; code?: string; details?: { errorCode?: string } };
  return { status: err?.statusCode, code: err?.details?.errorCode ?? err?.code };
}
