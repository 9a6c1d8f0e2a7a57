import { promises as fs } from 'node:fs';
import os from 'node:os';
import { ConflictError } from '../domain/errors';
import { processAlive } from './processAlive';

/** What a lock file holds: enough to tell a live holder from a dead one. */
interface LockOwner {
  pid: number;
  host: string;
  at: string;
}

export interface LockOptions {
  /** Give up (exit 5) after this long. */
  waitMs: number;
  /** A lock older than this is stale even if its pid looks alive (pid reuse, another host). */
  staleMs: number;
}

function isStale(owner: LockOwner | null, ageMs: number, staleMs: number): boolean {
  if (ageMs > staleMs) return true;
  if (!owner) return ageMs > 2000; // half-written lock file from a process killed mid-write
  return owner.host === os.hostname() && !processAlive(owner.pid);
}

async function readOwner(lockPath: string): Promise<{ owner: LockOwner | null; raw: string; ageMs: number } | null> {
  try {
    const [raw, st] = await Promise.all([fs.readFile(lockPath, 'utf8'), fs.stat(lockPath)]);
    let owner: LockOwner | null = null;
    try {
      owner = JSON.parse(raw) as LockOwner;
    } catch {
      owner = null;
    }
    return { owner, raw, ageMs: Date.now() - st.mtimeMs };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * An exclusive lock file created with O_EXCL beside the state. Held only for the few
 * milliseconds of a read-modify-write; a holder that died is detected and its lock broken.
 */
export async function withFileLock<T>(lockPath: string, opts: LockOptions, fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + opts.waitMs;
  const me: LockOwner = { pid: process.pid, host: os.hostname(), at: new Date().toISOString() };
  let delay = 2;
  for (;;) {
    try {
      const handle = await fs.open(lockPath, 'wx', 0o600);
      try {
        await handle.writeFile(JSON.stringify(me));
      } catch (writeError) {
        // A lock we could not fill (disk full) must not outlive us: others would wait for it.
        await handle.close();
        await fs.rm(lockPath, { force: true });
        throw writeError;
      }
      await handle.close();
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const held = await readOwner(lockPath);
    if (held && isStale(held.owner, held.ageMs, opts.staleMs)) {
      // Re-read right before breaking it so a lock just re-taken by a live process survives.
      const again = await readOwner(lockPath);
      if (again && again.raw === held.raw) await fs.rm(lockPath, { force: true });
      continue;
    }
    if (Date.now() >= deadline) {
      const who = held?.owner ? `process ${held.owner.pid} on ${held.owner.host}` : 'another process';
      throw new ConflictError(
        `The elm state is locked by ${who} (${lockPath}); waited ${Math.round(opts.waitMs / 1000)}s. Retry when it finishes, or remove the lock file if that process is gone.`,
      );
    }
    await sleep(delay + Math.random() * delay);
    delay = Math.min(delay * 2, 50);
  }
  try {
    return await fn();
  } finally {
    await fs.rm(lockPath, { force: true });
  }
}
