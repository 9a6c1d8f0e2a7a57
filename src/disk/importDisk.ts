/**
 * Finalize's copy of the packaging disk into the layer repository: one read pass that both
 * hashes every byte (the layer's identity) and writes a sparse copy, with bounded memory.
 */
import { createHash } from 'node:crypto';
import { open, rename, rm, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { CancelledError, ElmError, UsageError } from '../cli/errors';
import { isAllZero, readChunks, writeFully } from './chunks';
import { ParallelSha256 } from './parallelHash';

/** Below this, a hashing thread costs more to start than it saves. */
const PARALLEL_HASH_MIN_BYTES = 64 * 1024 * 1024;

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
    const input = await open(src, 'r').catch((e: NodeJS.ErrnoException) => {
      throw e.code === 'ENOENT' ? new ElmError(`Disk to import not found: ${src}`) : e;
    });
    try {
      const sizeBytes = (await input.stat()).size;
      // Large disks hash on a worker thread, in parallel with the copy; small ones inline.
      const parallel = sizeBytes >= PARALLEL_HASH_MIN_BYTES ? new ParallelSha256() : null;
      const hash = parallel ? null : createHash('sha256');
      const output = await open(partial, 'w');
      let sha256: string;
      try {
        let lastReport = -1;
        for await (const { position, data } of readChunks(input, 0, sizeBytes, signal)) {
          if (parallel) await parallel.update(data);
          else hash!.update(data);
          if (!isAllZero(data)) await writeFully(output, data, position);
          // Per-mille steps: a 127 GiB disk is 130,000 chunks; callers need not throttle.
          const step = Math.floor(((position + data.length) / sizeBytes) * 1000);
          if (step !== lastReport) {
            lastReport = step;
            opts.onProgress?.(step / 1000);
          }
        }
        await output.truncate(sizeBytes); // trailing holes
        const [, digest] = await Promise.all([
          output.sync(), // the data is on disk before the name says it is finished
          parallel ? parallel.digest() : Promise.resolve(hash!.digest('hex')),
        ]);
        sha256 = digest;
      } finally {
        await output.close();
        await parallel?.dispose();
      }
      if (signal?.aborted) throw new CancelledError();
      // The source must not have changed while it was read (finalize waits for it to be quiescent).
      if ((await stat(src)).size !== sizeBytes) throw new ElmError(`The disk changed while it was imported: ${src}`);
      await rename(partial, dest);
      await syncDir(dirname(dest));
      opts.onProgress?.(1);
      return { sha256, sizeBytes };
    } finally {
      await input.close();
    }
  } catch (e) {
    await rm(partial, { force: true }).catch(() => undefined);
    if (signal?.aborted && !(e instanceof CancelledError)) throw new CancelledError();
    throw e;
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
