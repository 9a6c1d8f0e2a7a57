/**
 * A remote elm state on Azurite (the real Azure Storage emulator): one container per suite, a blob
 * per test, and the environment that points elm at it with the account key read from a named
 * variable (as an operator would: nothing secret on the command line or in the state).
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { startAzurite, type Azurite } from '../support/azure/azurite';
import { elm, ROOT } from '../support/cli';
import type { Doc } from '../support/e2e';

export interface Remote {
  azurite: Azurite;
  container: ContainerClient;
  /** A fresh state blob URL (nothing there yet). */
  newUrl(): string;
  /** A fresh state blob with an empty state in it, made as a team would (`elm state init`): a change never creates one. */
  newState(): Promise<string>;
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
  const newUrl = () => `${azurite.blobEndpoint}/elm-state/team-${randomUUID().slice(0, 8)}/state.json`;
  const env = (url: string, extra: NodeJS.ProcessEnv = {}) => ({ ELM_STATE: url, ELM_STATE_ACCOUNT_KEY_ENV: KEY_VAR, [KEY_VAR]: azurite.accountKey, ...extra });
  const blobName = (url: string) => decodeURIComponent(url.slice(`${azurite.blobEndpoint}/elm-state/`.length));
  return {
    azurite,
    container,
    newUrl,
    newState: async () => {
      const url = newUrl();
      const r = await elm(['state', 'init'], { home: path.join(os.tmpdir(), 'elm-state-init-unused'), env: env(url) });
      if (r.code !== 0) throw new Error(`elm state init ${url}: exit ${r.code}: ${r.stderr}`);
      return url;
    },
    env,
    read: async (url) => JSON.parse((await container.getBlockBlobClient(blobName(url)).downloadToBuffer()).toString('utf8')),
    blobName,
    stop: () => azurite.stop(),
  };
}

/** A process of elm's own store code that takes the lease and never lets go, until killed. */
export function holdLease(home: string, env: NodeJS.ProcessEnv) {
  const script = `
    const { openBackend } = require(${JSON.stringify(path.join(ROOT, 'dist', 'store', 'stateBackend.js'))});
    openBackend({ home: process.env.ELM_HOME, env: process.env }).then((b) =>
      b.store.mutate(() => { process.stdout.write('holding\\n'); return new Promise(() => setInterval(() => undefined, 1000)); }));`;
  const child = spawn(process.execPath, ['-e', script], { env: { ...process.env, ...env, ELM_HOME: home, NODE_OPTIONS: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
  const holding = new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d) => String(d).includes('holding') && resolve());
    child.on('exit', (code) => reject(new Error(`the lease holder exited ${code}`)));
  });
  return { child, holding };
}
