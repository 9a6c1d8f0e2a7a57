/**
 * The state and what lives beside it (worker heartbeats, task logs), chosen once per process
 * from --state / ELM_STATE: files under ELM_HOME by default, blobs beside a remote state otherwise.
 * The Azure SDK loads only for a remote state.
 */
import os from 'node:os';
import { UsageError } from '../domain/errors';
import { hostName } from '../domain/hostName';
import { FileStateStore } from './fileStateStore';
import { FileTaskLogStore } from './fileTaskLogStore';
import { FileWorkerRegistry } from './fileWorkerRegistry';
import { stateLocation, type StateLocation } from './stateLocation';
import type { StateStore } from './stateStore';
import type { TaskLogStore } from './taskLogStore';
import type { WorkerRegistry } from './workerRegistry';

export interface StateBackend {
  location: StateLocation;
  store: StateStore;
  workers: WorkerRegistry;
  logs: TaskLogStore;
}

/** Where elm runs: the home and the environment (which names any remote state). */
export interface Where {
  home: string;
  env: NodeJS.ProcessEnv;
}

const opened = new Map<string, Promise<StateBackend>>();

/**
 * The backend of this home and environment, made once per process (so a wait's repeated reads
 * share one ETag cache). `lockWaitMs` applies when it is first opened.
 */
export function openBackend(where: Where, lockWaitMs?: number): Promise<StateBackend> {
  const key = `${where.home}\0${where.env.ELM_STATE ?? ''}`;
  let backend = opened.get(key);
  if (!backend) {
    backend = make(where, lockWaitMs);
    opened.set(key, backend);
    backend.catch(() => opened.delete(key)); // a missing env var is not cached
  }
  return backend;
}

async function make({ home, env }: Where, lockWaitMs?: number): Promise<StateBackend> {
  const location = stateLocation(home, env);
  if (location.kind === 'file') {
    return {
      location,
      store: new FileStateStore(home, lockWaitMs ?? lockWaitFromEnv(env) ?? 10_000),
      workers: new FileWorkerRegistry(home, env),
      logs: new FileTaskLogStore(home),
    };
  }
  const [{ openContainer }, { BlobStateStore, leaseSecondsOf }, { BlobWorkerRegistry }, { BlobTaskLogStore }, { stateTimeoutMsOf }] = await Promise.all([
    import('./blobContainer.js'),
    import('./blobStateStore.js'),
    import('./blobWorkerRegistry.js'),
    import('./blobTaskLogStore.js'),
    import('./stateDeadline.js'),
  ]);
  const leaseSeconds = leaseSecondsOf(env);
  const deadline = { host: new URL(location.blob.url).host, ms: stateTimeoutMsOf(env) };
  const waitMs = lockWaitMs ?? lockWaitFromEnv(env);
  const container = await openContainer(location.blob, env);
  const holder = `${asciiOnly(env.ELM_USER || userName())}@${asciiOnly(hostName(env))} pid ${process.pid}`;
  return {
    location,
    // By default a writer waits out a lease whose holder died (it expires) with time to spare.
    store: new BlobStateStore(location.blob, container, {
      lockWaitMs: waitMs ?? leaseSeconds * 1000 + 15_000,
      leaseSeconds,
      holder,
      deadline,
      notice: (line) => process.stderr.write(`${line}\n`),
    }),
    workers: new BlobWorkerRegistry(container, location.blob.name, env, deadline),
    logs: new BlobTaskLogStore(container, location.blob.name, deadline),
  };
}

/** ELM_LOCK_WAIT_MS: how long a writer waits for the lock or lease (a whole number of milliseconds), checked like ELM_STATE_LEASE_SECONDS. */
export function lockWaitFromEnv(env: NodeJS.ProcessEnv): number | undefined {
  const raw = env.ELM_LOCK_WAIT_MS;
  if (raw === undefined || raw === '') return undefined;
  const v = Number(raw);
  if (!Number.isInteger(v) || v < 1 || v > 3_600_000) throw new UsageError(`ELM_LOCK_WAIT_MS=${raw} is not a whole number of milliseconds from 1 to 3600000; fix or unset it.`);
  return v;
}

function userName(): string {
  try {
    return os.userInfo().username;
  } catch {
    return process.env.USER || 'unknown';
  }
}

/** Blob metadata values are ASCII. */
function asciiOnly(s: string): string {
  return s.replace(/[^\x20-\x7e]/g, '?');
}
