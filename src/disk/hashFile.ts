/**
 * SHA-256 of a whole file. The next chunk is read (on libuv's thread pool) while the current one
 * is hashed here, so reading costs almost nothing on top of the hash itself; a copy running
 * beside it (GNU cp, its own process) takes the other core.
 */
import { createHash } from 'node:crypto';
import { type FileHandle, open } from 'node:fs/promises';
import { readChunks } from './chunks';

/** Big enough that per-read overhead vanishes, small enough to stay in the CPU caches' reach. */
const HASH_CHUNK_SIZE = 4 * 1024 * 1024;

export interface HashFileOptions {
  /** Bytes to hash from the start (the file's size when the import began). */
  size: number;
  signal?: AbortSignal;
  onProgress?: (bytesDone: number) => void;
}

export async function sha256File(path: string, opts: HashFileOptions): Promise<string> {
  const fh = await open(path, 'r');
  try {
    return await sha256OfOpenFile(fh, opts);
  } finally {
    await fh.close();
  }
}

/** The same, of a file already open (the caller closes it). */
export async function sha256OfOpenFile(fh: FileHandle, opts: HashFileOptions): Promise<string> {
  const hash = createHash('sha256');
  for await (const { position, data } of readChunks(fh, 0, opts.size, opts.signal, HASH_CHUNK_SIZE)) {
    hash.update(data);
    opts.onProgress?.(position + data.length);
  }
  return hash.digest('hex');
}
