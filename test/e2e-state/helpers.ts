/**
 * A remote elm state on Azurite (the real Azure Storage emulator): one container per suite, a blob
 * per test, and the environment that points elm at it with the account key read from a named
 * variable (as an operator would: nothing secret on the command line or in the state).
 */
import { randomUUID } from 'node:crypto';
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { startAzurite, type Azurite } from '../support/azure/azurite';
import type { Doc } from '../support/e2e';

export interface Remote {
  azurite: Azurite;
  container: ContainerClient;
  /** A fresh state blob URL (nothing there yet). */
  newUrl(): string;
  /** The environment for elm with this state. */
  env(url: string, extra?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
  /** The state document in the blob, as elm wrote it. */
  read(url: string): Promise<Doc>;
  blobName(url: string): string;
  stop(): Promise<void>;
}

export const KEY_VAR = 'ELM_TEST_STATE_KEY';

export async function startRemote(): Promise<Remote> {
  const azurite = await startAzurite();
  const service = BlobServiceClient.fromConnectionString(azurite.connectionString);
  const container = service.getContainerClient('elm-state');
  await container.create();
  const blobName = (url: string) => decodeURIComponent(url.slice(`${azurite.blobEndpoint}/elm-state/`.length));
  return {
    azurite,
    container,
    newUrl: () => `${azurite.blobEndpoint}/elm-state/team-${randomUUID().slice(0, 8)}/state.json`,
    env: (url, extra = {}) => ({ ELM_STATE: url, ELM_STATE_ACCOUNT_KEY_ENV: KEY_VAR, [KEY_VAR]: azurite.accountKey, ...extra }),
    read: async (url) => JSON.parse((await container.getBlockBlobClient(blobName(url)).downloadToBuffer()).toString('utf8')),
    blobName,
    stop: () => azurite.stop(),
  };
}
