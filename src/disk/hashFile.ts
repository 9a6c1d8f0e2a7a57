/**
 * SHA-256 of a whole file. Large files are hashed on a worker thread that reads the file itself,
 * so the hash runs on one core while the copy (GNU cp, in the kernel) runs on the other: an import
 * then takes about as long as the slower of the two, not their sum.
 */
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import { CancelledError } from '../cli/errors';
import { readChunks } from './chunks';

/** Below this, a hashing thread costs more to start than it saves. */
const THREAD_MIN_BYTES = 64 * 1024 * 1024;

// Inline source: runs the same from dist/ and under ts-jest, with no file to locate.
const HASHER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const hash = require('node:crypto').createHash('sha256');
const fd = fs.openSync(workerData.path, 'r');
const buf = Buffer.allocUnsafe(4 * 1024 * 1024);
let done = 0, lastPost = 0;
for (;;) {
  const n = fs.readSync(fd, buf, 0, buf.length, done);
  if (n === 0 || done >= workerData.size) break;
  const take = Math.min(n, workerData.size - done);
  hash.update(take === buf.length ? buf : buf.subarray(0, take));
  done += take;
  if (done - lastPost >= 16 * 1024 * 1024) { parentPort.postMessage({ done }); lastPost = done; }
}
fs.closeSync(fd);
parentPort.postMessage({ done, digest: hash.digest('hex') });
`;

export interface HashFileOptions {
  /** Bytes to hash from the start (the file's size when the import began). */
  size: number;
  signal?: AbortSignal;
  onProgress?: (bytesDone: number) => void;
}

export async function sha256File(path: string, opts: HashFileOptions): Promise<string> {
  if (opts.size < THREAD_MIN_BYTES) return hashInline(path, opts);
  if (opts.signal?.aborted) throw new CancelledError();
  const worker = new Worker(HASHER_SOURCE, { eval: true, workerData: { path, size: opts.size } });
  const onAbort = () => void worker.terminate();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    return await new Promise<string>((resolve, reject) => {
      worker.on('message', (m: { done: number; digest?: string }) => {
        opts.onProgress?.(m.done);
        if (m.digest) resolve(m.digest);
      });
      worker.on('error', reject);
      worker.on('exit', () => reject(opts.signal?.aborted ? new CancelledError() : new Error(`hashing ${path} stopped`)));
    });
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    await worker.terminate();
  }
}

async function hashInline(path: string, opts: HashFileOptions): Promise<string> {
  const hash = createHash('sha256');
  const fh = await open(path, 'r');
  try {
    for await (const { position, data } of readChunks(fh, 0, opts.size, opts.signal)) {
      hash.update(data);
      opts.onProgress?.(position + data.length);
    }
  } finally {
    await fh.close();
  }
  return hash.digest('hex');
}
