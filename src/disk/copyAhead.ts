/**
 * A disk's copy into the layer repository started ahead of the import that needs it. From a share
 * on another filesystem the copy and its flush are the longest part of a finalize, so a waiting
 * `finalize` starts them as soon as its checks pass, while it records the task and starts it.
 *
 * The copy goes beside the import's own `.partial` name, under one of this process's own (two
 * finalizes of one version at once: the second is refused, and removes only what it wrote), and
 * is renamed to it when the import takes it; the undo of an interrupted import removes both kinds.
 * The import takes the copy over only when the source is the same unchanged file (identity as in
 * digestAhead) when the copy began and when the import began; the import's own check that nothing
 * changed up to its end covers the rest.
 */
import { rename, rm, stat } from 'node:fs/promises';
import { fileIdentity } from './digestAhead';
import { syncFile } from './durable';
import { sparseCopy } from './sparseCopy';

interface Ahead {
  src: string;
  /** This process's copy, beside the `.partial` the import uses. */
  path: string;
  identity: string;
  /** Settles when the copy is complete and flushed to disk. */
  copied: Promise<void>;
  abort: AbortController;
}

/** By destination (`.partial`) path. */
const running = new Map<string, Ahead>();

/** Starts copying `src` to `partial` now unless the same unchanged file is already being copied there. */
export async function startCopyAhead(src: string, partial: string): Promise<void> {
  const st = await stat(src, { bigint: true });
  const identity = fileIdentity(st);
  const earlier = running.get(partial);
  if (earlier?.src === src && earlier.identity === identity) return;
  if (earlier) await stopAndRemove(earlier);
  const abort = new AbortController();
  const path = `${partial}.ahead-${process.pid}`;
  // Holes are kept (the packaging disk is already sparse), as the import itself copies.
  const copied = sparseCopy({ src, dest: path, length: Number(st.size), signal: abort.signal, punchZeros: false }).then(() => syncFile(path));
  copied.catch(() => undefined); // observed by whoever takes it; dropped otherwise
  running.set(partial, { src, path, identity, copied, abort });
}

/**
 * The copy started ahead from this very file to `partial`, or null (then `partial` is left for the
 * import to replace). The import's signal stops it.
 */
export async function takeCopyAhead(src: string, partial: string, identity: string, signal?: AbortSignal): Promise<{ done: Promise<void> } | null> {
  const ahead = running.get(partial);
  if (!ahead) return null;
  running.delete(partial);
  if (ahead.src !== src || ahead.identity !== identity) {
    await stopAndRemove(ahead);
    return null;
  }
  const stop = () => ahead.abort.abort();
  if (signal?.aborted) stop();
  else signal?.addEventListener('abort', stop, { once: true });
  // Wrapped: an async function returning the promise itself would wait for the whole copy.
  const done = ahead.copied
    .then(() => rename(ahead.path, partial)) // the same directory: the flushed data keeps its blocks
    .catch(async (e: unknown) => {
      await rm(ahead.path, { force: true });
      throw e;
    })
    .finally(() => signal?.removeEventListener('abort', stop));
  return { done };
}

/** Stops copies nobody took and removes what they wrote (the task failed first, or ran elsewhere). */
export async function dropCopiesAhead(): Promise<void> {
  const left = [...running.entries()];
  running.clear();
  await Promise.all(left.map(([, ahead]) => stopAndRemove(ahead)));
}

async function stopAndRemove(ahead: Ahead): Promise<void> {
  ahead.abort.abort();
  await ahead.copied.catch(() => undefined);
  await rm(ahead.path, { force: true });
}
