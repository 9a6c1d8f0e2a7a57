/**
 * The container client of a remote state, with its credential: an account key or a SAS read at
 * run time from the environment variable the operator names (--state-key-env, --state-sas-env),
 * otherwise DefaultAzureCredential, as for the Azure connector. Nothing secret is stored.
 * The Azure SDK loads here, only when a remote state is used.
 */
import type { ContainerClient } from '@azure/storage-blob' with { 'resolution-mode': 'import' };
import { UsageError } from '../domain/errors';
import { isLoopbackHost } from '../domain/loopback';
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
  // A bearer token is sent only over TLS: an emulator on this machine takes a key or a SAS.
  if (blob.url.startsWith('http:'))
    throw new UsageError(
      `The elm state ${blob.url} is plain http (an emulator on this machine): give its account key with --state-key-env VAR or a SAS with --state-sas-env VAR; an Azure login is used only over https.`,
    );
  const host = env.AZURE_AUTHORITY_HOST;
  if (host && !plainEndpointOk(host))
    throw new UsageError(`AZURE_AUTHORITY_HOST=${host} is not an https:// URL: the sign-in would travel in clear; use https:// (http only for 127.0.0.1, ::1, localhost).`);
  const identity = await import('@azure/identity');
  const custom = host !== undefined && host !== '' && !/^https:\/\/login\.microsoftonline\.com\/?$/i.test(host);
  const credential = new identity.DefaultAzureCredential(custom ? { authorityHost: host, disableInstanceDiscovery: true } : {});
  return new sdk.ContainerClient(blob.containerUrl, sdk.newPipeline(credential, options));
}

/** The HTTP status and service error code of an SDK failure. */
export function storageError(e: unknown): { status?: number; code?: string } {
  const err = e as { statusCode?: number; code?: string; details?: { errorCode?: string } };
  return { status: err?.statusCode, code: err?.details?.errorCode ?? err?.code };
}

/** An https URL, or an http one on this machine. */
function plainEndpointOk(raw: string): boolean {
  try {
    const u = new URL(raw);
    return u.protocol === 'https:' || (u.protocol === 'http:' && isLoopbackHost(u));
  } catch {
    return false;
  }
}
