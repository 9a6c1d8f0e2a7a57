/**
 * In-process trust of the test CA for the Azure SDKs. `NODE_EXTRA_CA_CERTS` is read only when a
 * process starts, so a jest worker cannot use it; instead pass these options to the SDK clients.
 * Every client built on @azure/core-rest-pipeline (identity credentials, arm-resources,
 * arm-compute, storage-blob) turns `tlsOptions` into the `ca` of its HTTPS agent. A spawned CLI
 * uses `NODE_EXTRA_CA_CERTS` instead (see env.ts).
 */
import type { BlobClientOptions, StoragePipelineOptions } from '@azure/storage-blob';
import { testCerts } from './certs';

export interface TlsTrust {
  tlsOptions: { ca: string };
}

/** Options fragment for identity credentials and ARM clients: `{ ...trustTestCa(), ... }`. */
export function trustTestCa(caPem: string = testCerts().caPem): TlsTrust {
  return { tlsOptions: { ca: caPem } };
}

/**
 * The same for @azure/storage-blob clients. Their option types do not declare `tlsOptions`, but
 * the storage pipeline passes unknown options through to core-rest-pipeline, which honours it.
 */
export function storageTrust(caPem: string = testCerts().caPem): StoragePipelineOptions & BlobClientOptions {
  return trustTestCa(caPem) as unknown as StoragePipelineOptions & BlobClientOptions;
}
