/**
 * One pass over a disk that both copies it (holes stay holes) and takes its SHA-256: each chunk
 * is read once, hashed here, and written by libuv's thread pool while the next chunks are already
 * being read. Reading the disk twice (a copy beside a separate hash) costs a second pass over
 * every byte and fights the hash for the CPU; this costs about as much as the hash alone.
 *
 * The copy is written with O_DSYNC: each write reaches the disk while the following chunks are
 * hashed, so no long flush is left for the end and dirty memory stays bounded whatever the disk's
 * size. (Measured here over interleaved runs, per GiB from tmpfs: about 1.1 s, against 1.6-3.4 s
 * for buffered writes with one fsync at the end or periodic fdatasync calls, and 1.2-1.5 s for
 * GNU cp beside a separate hash.)
 */
import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { CancelledError } from '../cli/errors';
import { CHUNK_SIZE, isAllZero, writeFully } from './chunks';

/** Read and hash unit: large enough that per-call costs vanish. */
const PIPE_CHUNK = 4 * 1024 * 1024;
/** Chunks in flight: one being hashed, the others being read or written. */
const RING = 4;
/** Writes that are on disk when they return; plain buffered writes where the flag is missing (Windows). */
const WRITE_THROUGH = constants.O_DSYNC === undefined ? 'w' : constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_DSYNC;

export interface CopyAndHashOptions {
  signal?: AbortSignal;
  onProgress?: (bytesDone: number) => void;
}

/**
 * Copies the first `length` bytes of `src` to a new file `dest` (left in place on failure: the
 * caller owns the name) and returns the lower-case hex SHA-256 of those bytes. A stretch of
 * zeros is not written (a hole, read back as the same zeros), at CHUNK_SIZE granularity.
 */
export async function copyAndHash(src: string, dest: string, length: number, opts: CopyAndHashOptions = {}): Promise<string> {
  const hash = createHash('sha256');
  const input = await open(src, 'r');
  let output: FileHandle | undefined;
  const inFlight = new Set<Promise<unknown>>();
  const track = <T>(p: Promise<T>): Promise<T> => {
    inFlight.add(p);
    const forget = () => inFlight.delete(p);
    p.then(forget, forget);
    return p;
  };
  try {
    output = await open(dest, WRITE_THROUGH);
    const out = output;
    const slots = Array.from({ length: RING }, () => ({ buffer: Buffer.allocUnsafe(PIPE_CHUNK), read: null as Promise<Buffer> | null, written: Promise.resolve() }));
    const readInto = (slot: (typeof slots)[number], position: number) => {
      // The slot's buffer is free once the writes of its previous chunk are done.
      slot.read = track(slot.written.then(() => fill(input, slot.buffer, position, Math.min(PIPE_CHUNK, length - position))));
    };
    for (let k = 0; k < RING - 1 && k * PIPE_CHUNK < length; k++) readInto(slots[k], k * PIPE_CHUNK);

    for (let n = 0, position = 0; position < length; n++, position += PIPE_CHUNK) {
      if (opts.signal?.aborted) throw new CancelledError();
      const slot = slots[n % RING];
      const data = await slot.read!;
      hash.update(data);
      slot.written = track(writeData(out, data, position));
      const ahead = position + (RING - 1) * PIPE_CHUNK;
      if (ahead < length) readInto(slots[(n + RING - 1) % RING], ahead);
      opts.onProgress?.(position + data.length);
    }
    await Promise.all(slots.map((s) => s.written));
    // Trailing zeros were never written: the length makes them a hole.
    await out.truncate(length);
    await out.sync();
    return hash.digest('hex');
  } finally {
    // Let every read and write settle before the handles close (no write through a closed fd).
    await Promise.allSettled([...inFlight]);
    await output?.close();
    await input.close();
  }
}

/** Reads `want` bytes at `position`; past the end of the file the disk reads as zeros. */
async function fill(fh: FileHandle, buffer: Buffer, position: number, want: number): Promise<Buffer> {
  let got = 0;
  while (got < want) {
    const { bytesRead } = await fh.read(buffer, got, want - got, position + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  buffer.fill(0, got, want);
  return buffer.subarray(0, want);
}

/** Writes the runs of the chunk that hold data; all-zero blocks become (or stay) holes. */
async function writeData(fh: FileHandle, data: Buffer, position: number): Promise<void> {
  const writes: Promise<void>[] = [];
  let runStart = -1;
  for (let off = 0; off < data.length; off += CHUNK_SIZE) {
    const zero = isAllZero(data.subarray(off, Math.min(data.length, off + CHUNK_SIZE)));
    if (!zero && runStart < 0) runStart = off;
    if (zero && runStart >= 0) {
      writes.push(writeFully(fh, data.subarray(runStart, off), position + runStart));
      runStart = -1;
    }
  }
  if (runStart >= 0) writes.push(writeFully(fh, data.subarray(runStart), position + runStart));
  // Every write settles before the buffer is reused or the file closed, even when one fails.
  const failed = (await Promise.allSettled(writes)).find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
}
