/**
 * Reading a byte range in fixed chunks, the next read already in flight while the caller handles
 * the current chunk (two buffers, so memory stays bounded whatever the disk size), and the
 * all-zero test that decides what is written and what is left as a hole.
 */
import type { FileHandle } from 'node:fs/promises';
import { CancelledError } from '../domain/errors';

export const CHUNK_SIZE = 1024 * 1024;
const ZERO = Buffer.alloc(CHUNK_SIZE);

/** True when every byte is zero (memcmp against a zero buffer: far faster than a JS loop). */
export function isAllZero(buf: Buffer): boolean {
  for (let off = 0; off < buf.length; off += ZERO.length) {
    const part = buf.subarray(off, Math.min(buf.length, off + ZERO.length));
    if (!part.equals(ZERO.subarray(0, part.length))) return false;
  }
  return true;
}

export interface Chunk {
  /** Offset from the start of the range (not of the file). */
  position: number;
  /** Valid until the next iteration; bytes past the end of the file read as zeros. */
  data: Buffer;
}

/** Yields `length` bytes from `offset` in chunks of `chunkSize`; throws CancelledError when aborted. */
export async function* readChunks(
  fh: FileHandle,
  offset: number,
  length: number,
  signal?: AbortSignal,
  chunkSize = CHUNK_SIZE,
): AsyncGenerator<Chunk> {
  const buffers = [Buffer.alloc(chunkSize), Buffer.alloc(chunkSize)];
  const fill = async (buf: Buffer, position: number): Promise<Chunk> => {
    const want = Math.min(chunkSize, length - position);
    let got = 0;
    while (got < want) {
      const { bytesRead } = await fh.read(buf, got, want - got, offset + position + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    buf.fill(0, got, want); // past end of file: the disk reads as zeros
    return { position, data: buf.subarray(0, want) };
  };
  if (length <= 0) return;
  let next: Promise<Chunk> | undefined = fill(buffers[0], 0);
  try {
    for (let position = 0, i = 0; position < length; position += chunkSize, i ^= 1) {
      if (signal?.aborted) throw new CancelledError();
      const chunk: Chunk = await next!;
      const following = position + chunkSize;
      next = following < length ? fill(buffers[i ^ 1], following) : undefined;
      yield chunk;
    }
  } finally {
    // The caller may stop early (abort, write error) and then close the file: let the read in
    // flight settle first so it neither reads a closed handle nor rejects unobserved.
    await next?.catch(() => undefined);
  }
}

/** fh.write may write less than asked (large buffers, some file systems): loop until all is written. */
export async function writeFully(fh: FileHandle, data: Buffer, position: number): Promise<void> {
  let done = 0;
  while (done < data.length) {
    const { bytesWritten } = await fh.write(data, done, data.length - done, position + done);
    done += bytesWritten;
  }
}
