/**
 * A disk's SHA-256 started ahead of the import that needs it. Hashing every byte is the longest
 * part of a finalize, so a waiting `finalize` starts it as soon as it knows the disk: while the
 * command checks the report, records the task and starts it, the hash is already reading. (Here,
 * on the main thread: a worker thread's tens of milliseconds of start-up cost more than the
 * little work the hash shares the thread with.)
 *
 * The import takes the running digest over only when the file is provably the one being hashed:
 * same device, inode, size and modification time (to the nanosecond) as read from the open file
 * when the digest began and from the path when the import began; the import's own check that
 * nothing changed up to its end then covers the whole time since the digest began.
 */
import { open, stat } from 'node:fs/promises';
import type { BigIntStats } from 'node:fs';
import { sha256OfOpenFile } from './hashFile';

interface Ahead {
  identity: string;
  digest: Promise<string>;
  abort: AbortController;
  done: number;
  listeners: Set<(bytesDone: number) => void>;
}

const running = new Map<string, Ahead>();

/** What makes two looks at a path the same unchanged file. */
export function fileIdentity(st: BigIntStats): string {
  return `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}`;
}

/** Starts hashing `path` now unless the same unchanged file is already being hashed. */
export async function startDigestAhead(path: string): Promise<void> {
  const earlier = running.get(path);
  if (earlier && earlier.identity === fileIdentity(await stat(path, { bigint: true }))) return;
  // Opened here and its identity read from the open file: the hash reads exactly that file,
  // whatever the name points at later.
  const fh = await open(path, 'r');
  let st: BigIntStats;
  try {
    st = await fh.stat({ bigint: true });
  } catch (e) {
    await fh.close();
    throw e;
  }
  earlier?.abort.abort();
  const ahead: Ahead = { identity: fileIdentity(st), abort: new AbortController(), done: 0, listeners: new Set(), digest: Promise.resolve('') };
  ahead.digest = sha256OfOpenFile(fh, {
    size: Number(st.size),
    signal: ahead.abort.signal,
    onProgress: (bytes) => {
      ahead.done = bytes;
      for (const l of ahead.listeners) l(bytes);
    },
  }).finally(() => fh.close());
  ahead.digest.catch(() => undefined); // observed by whoever takes it; dropped otherwise
  running.set(path, ahead);
}

/**
 * The digest started ahead for this very file (identity as the import found it), or null. The
 * import's signal stops it; progress so far is reported at once, then as it goes.
 */
export function takeDigestAhead(
  path: string,
  identity: string,
  opts: { signal?: AbortSignal; onProgress?: (bytesDone: number) => void },
): Promise<string> | null {
  const ahead = running.get(path);
  if (!ahead) return null;
  running.delete(path);
  if (ahead.identity !== identity) {
    ahead.abort.abort();
    return null;
  }
  if (opts.onProgress) {
    ahead.listeners.add(opts.onProgress);
    opts.onProgress(ahead.done);
  }
  const stop = () => ahead.abort.abort();
  if (opts.signal?.aborted) stop();
  else opts.signal?.addEventListener('abort', stop, { once: true });
  return ahead.digest.finally(() => opts.signal?.removeEventListener('abort', stop));
}

/** Stops digests nobody took (the task failed before its import, or ran elsewhere). */
export function dropDigestsAhead(): void {
  for (const ahead of running.values()) ahead.abort.abort();
  running.clear();
}
