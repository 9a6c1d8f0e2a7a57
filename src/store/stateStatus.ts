/**
 * What `elm state show` and `elm state unlock` need to know of a state, wherever it is: whether it
 * exists, its size, and whether a writer holds it (a lock file beside state.json, or a blob lease)
 * and who.
 */
import { promises as fs } from 'node:fs';
import type { BlobStateStore } from './blobStateStore';
import type { StateBackend } from './stateBackend';

export interface StateStatus {
  kind: 'file' | 'blob';
  location: string;
  exists: boolean;
  sizeBytes: number | null;
  modifiedAt: string | null;
  /** 'available' when no writer holds it; otherwise the lease or lock state and its holder. */
  lock: { state: 'available' | 'leased' | 'locked' | 'breaking' | 'expired' | 'broken'; holder: string | null };
}

export async function stateStatus(backend: StateBackend): Promise<StateStatus> {
  if (backend.location.kind === 'file') {
    const file = backend.store.location;
    const st = await fs.stat(file).catch(() => null);
    const lock = await fs.readFile(`${file}.lock`, 'utf8').catch(() => null);
    let holder: string | null = null;
    if (lock !== null) {
      try {
        const o = JSON.parse(lock) as { pid: number; host: string; at: string };
        holder = `process ${o.pid} on ${o.host} since ${o.at}`;
      } catch {
        holder = 'a process that died while taking the lock';
      }
    }
    return {
      kind: 'file',
      location: file,
      exists: Boolean(st),
      sizeBytes: st?.size ?? null,
      modifiedAt: st?.mtime.toISOString() ?? null,
      lock: { state: lock === null ? 'available' : 'locked', holder },
    };
  }
  const { HOLDER_KEY } = await import('./blobStateStore.js');
  const store = backend.store as BlobStateStore;
  const { storageError } = await import('./blobContainer.js');
  try {
    const p = await store.call((abortSignal) => store.container.getBlockBlobClient(store.where.name).getProperties({ abortSignal }));
    const leased = p.leaseState === 'leased' || p.leaseState === 'breaking';
    return {
      kind: 'blob',
      location: store.location,
      exists: true,
      sizeBytes: p.contentLength ?? null,
      modifiedAt: p.lastModified?.toISOString() ?? null,
      lock: { state: (p.leaseState ?? 'available') as StateStatus['lock']['state'], holder: leased ? (p.metadata?.[HOLDER_KEY] ?? 'unknown (no holder recorded)') : null },
    };
  } catch (e) {
    if (storageError(e).status === 404 && storageError(e).code !== 'ContainerNotFound')
      return { kind: 'blob', location: store.location, exists: false, sizeBytes: null, modifiedAt: null, lock: { state: 'available', holder: null } };
    throw store.explain(e);
  }
}

/** Frees a state a writer holds: breaks the blob lease at once, or removes the lock file. */
export async function breakStateLock(backend: StateBackend): Promise<void> {
  if (backend.location.kind === 'file') {
    await fs.rm(`${backend.store.location}.lock`, { force: true });
    return;
  }
  const store = backend.store as BlobStateStore;
  try {
    await store.call((abortSignal) => store.container.getBlockBlobClient(store.where.name).getBlobLeaseClient().breakLease(0, { abortSignal }));
  } catch (e) {
    throw store.explain(e);
  }
}
