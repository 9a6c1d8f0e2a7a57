/**
 * Finalize's copy of the packaging disk into the layer repository: a sparse copy (holes stay
 * holes) and the SHA-256 of every byte (the layer's identity), run side by side, with bounded
 * memory, written under a `.partial` name until it is complete and on disk.
 */
import { open, rename, rm, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { CancelledError, ElmError, UsageError } from '../cli/errors';
import { sha256File } from './hashFile';
import { sparseCopy } from './sparseCopy';

export interface ImportDiskOptions {
  signal?: AbortSignal;
  onProgress?: (fraction: number) => void;
}

export interface ImportedDisk {
  /** Lower-case hex SHA-256 of the whole file, holes hashed as the zeros they read as. */
  sha256: string;
  sizeBytes: number;
}

export async function importDisk(src: string, dest: string, opts: ImportDiskOptions = {}): Promise<ImportedDisk> {
  const { signal } = opts;
  if (resolve(src) === resolve(dest)) throw new UsageError(`Cannot import a disk onto itself: ${dest}`);
  const partial = `${dest}.partial`;
  try {
    const before = await stat(src).catch((e: NodeJS.ErrnoException) => {
      throw e.code === 'ENOENT' ? new ElmError(`Disk to import not found: ${src}`) : e;
    });
    const sizeBytes = before.size;
    // Progress follows the hash: it reads every byte, holes included, so it is the longer road.
    let lastReport = -1;
    const onHashed = (done: number) => {
      const step = sizeBytes === 0 ? 1000 : Math.floor((done / sizeBytes) * 1000);
      if (step !== lastReport) {
        lastReport = step;
        opts.onProgress?.(step / 1000);
      }
    };
    const [, sha256] = await Promise.all([
      // The packaging disk is already sparse: keeping its holes is enough, and much faster.
      sparseCopy({ src, dest: partial, length: sizeBytes, signal, punchZeros: false }),
      sha256File(src, { size: sizeBytes, signal, onProgress: onHashed }),
    ]);
    await syncFile(partial); // the data is on disk before the name says it is finished
    if (signal?.aborted) throw new CancelledError();
    // The copy and the hash read the source separately: it must not have changed meanwhile
    // (finalize waits for the disk to be quiescent; this catches a machine started again).
    const after = await stat(src);
    if (after.size !== sizeBytes || after.mtimeMs !== before.mtimeMs) throw new ElmError(`The disk changed while it was imported: ${src}`);
    await rename(partial, dest);
    await syncDir(dirname(dest));
    opts.onProgress?.(1);
    return { sha256, sizeBytes };
  } catch (e) {
    await rm(partial, { force: true }).catch(() => undefined);
    if (signal?.aborted && !(e instanceof CancelledError)) throw new CancelledError();
    throw e;
  }
}

async function syncFile(path: string): Promise<void> {
  const fh = await open(path, 'r+');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Makes the rename itself durable (POSIX); directories cannot be opened for sync on Windows. */
async function syncDir(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
