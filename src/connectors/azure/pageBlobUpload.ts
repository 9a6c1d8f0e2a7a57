/**
 * Uploads a fixed VHD as a page blob, the way Azure imports disks: 4 MiB ranges, ranges holding
 * only zeros skipped (a page blob reads zeros where nothing was written, so a 127 GiB OS disk with
 * a few GiB of data uploads a few GiB), several ranges in flight, and resumable: a blob left by an
 * interrupted upload of the same source keeps the ranges it already has (Get Page Ranges) and only
 * the others are sent.
 *
 * The source is a byte range of a local file (a raw disk, or the data part of a fixed VHD) padded
 * with zeros to `diskSize`, followed by the 512-byte VHD footer: no temporary copy is needed.
 */
import { createHash } from 'node:crypto';
import { open, stat } from 'node:fs/promises';
import type { PageBlobClient } from '@azure/storage-blob' with { 'resolution-mode': 'import' };
import { CancelledError } from '../../domain/errors';
import { isAllZero } from '../../disk/chunks';
import { VHD_FOOTER_SIZE } from '../../disk/vhd';
import { statusOf } from './errors';

export const PAGE_RANGE_SIZE = 4 * 1024 * 1024;
export const DEFAULT_PARALLELISM = 8;

export interface VhdSource {
  path: string;
  /** Where the disk's bytes start in the file. */
  dataOffset: number;
  /** Bytes of the file that belong to the disk; past them, up to diskSize, the disk reads zeros. */
  dataLength: number;
  /** The disk size, a whole number of MiB (the blob is diskSize + 512). */
  diskSize: number;
  footer: Buffer;
}

export interface UploadOptions {
  /** A tag stored on the blob (metadata): a blob of another source or task is never resumed. */
  identity: string;
  parallelism?: number;
  signal?: AbortSignal;
  onProgress?(done: number, total: number): void;
}

export interface UploadResult {
  sizeBytes: number;
  /** Bytes sent now; bytes found already uploaded; ranges skipped as zeros. */
  uploadedBytes: number;
  resumedBytes: number;
  zeroRanges: number;
}

interface Range {
  start: number;
  /** Exclusive. */
  end: number;
}

/** Metadata key (a C# identifier, as blob metadata requires). */
const IDENTITY_KEY = 'elmsource';

/** A stable identity of a local source for resume: path, size and modification time, and the task. */
export async function sourceIdentity(path: string, taskId: string): Promise<string> {
  const st = await stat(path);
  return createHash('sha256').update(JSON.stringify([path, st.size, Math.floor(st.mtimeMs), taskId])).digest('hex').slice(0, 32);
}

export async function uploadVhdAsPageBlob(blob: PageBlobClient, source: VhdSource, opts: UploadOptions): Promise<UploadResult> {
  if (source.diskSize % (1024 * 1024) !== 0) throw new RangeError(`internal: disk size ${source.diskSize} is not a whole number of MiB`);
  if (source.footer.length !== VHD_FOOTER_SIZE) throw new RangeError('internal: the VHD footer must be 512 bytes');
  const total = source.diskSize + VHD_FOOTER_SIZE;
  const present = await prepareBlob(blob, total, opts.identity, opts.signal);
  const resumedBytes = present.reduce((n, r) => n + (r.end - r.start), 0);

  const fh = await open(source.path, 'r');
  const count = Math.ceil(total / PAGE_RANGE_SIZE);
  let next = 0;
  let done = 0;
  let uploadedBytes = 0;
  let zeroRanges = 0;
  let lastReport = 0;
  const report = (force = false) => {
    const now = Date.now();
    if (!force && now - lastReport < 250) return;
    lastReport = now;
    opts.onProgress?.(done, total);
  };
  const inner = new AbortController();
  const onAbort = () => inner.abort();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  let cursor = 0; // index into `present`, advanced as ranges are handed out in order
  const covered = (start: number, end: number): boolean => {
    while (cursor < present.length && present[cursor].end <= start) cursor++;
    return cursor < present.length && present[cursor].start <= start && present[cursor].end >= end;
  };

  const worker = async () => {
    const buf = Buffer.allocUnsafe(PAGE_RANGE_SIZE);
    for (;;) {
      if (inner.signal.aborted) throw new CancelledError();
      const index = next++;
      if (index >= count) return;
      const start = index * PAGE_RANGE_SIZE;
      const end = Math.min(total, start + PAGE_RANGE_SIZE);
      if (!covered(start, end)) {
        const data = await fill(fh, source, buf, start, end);
        if (isAllZero(data)) zeroRanges++;
        else {
          await blob.uploadPages(data, start, data.length, { abortSignal: inner.signal });
          uploadedBytes += data.length;
        }
      }
      done += end - start;
      report();
    }
  };
  let firstError: unknown;
  try {
    await Promise.allSettled(
      Array.from({ length: Math.max(1, opts.parallelism ?? DEFAULT_PARALLELISM) }, () =>
        worker().catch((e) => {
          firstError ??= e; // the failure that stopped the others is the one the caller sees
          inner.abort();
        }),
      ),
    );
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    await fh.close();
  }
  if (opts.signal?.aborted) throw new CancelledError();
  if (firstError !== undefined) throw firstError;
  report(true);
  return { sizeBytes: total, uploadedBytes, resumedBytes, zeroRanges };
}

/**
 * Creates the blob (or keeps the one an interrupted run of the same source left) and returns the
 * ranges it already holds, merged and sorted.
 */
async function prepareBlob(blob: PageBlobClient, total: number, identity: string, signal?: AbortSignal): Promise<Range[]> {
  let existing: { size: number; identity?: string } | null = null;
  try {
    const props = await blob.getProperties({ abortSignal: signal });
    existing = { size: props.contentLength ?? -1, identity: props.metadata?.[IDENTITY_KEY] };
    if (props.blobType !== 'PageBlob') existing.identity = undefined;
  } catch (e) {
    if (statusOf(e) !== 404) throw e;
  }
  if (existing && existing.size === total && existing.identity === identity) {
    const ranges: Range[] = [];
    for await (const r of blob.listPageRanges(0, total, { abortSignal: signal })) {
      ranges.push({ start: r.start, end: r.end + 1 }); // the service's end is inclusive
    }
    return merge(ranges);
  }
  // A new blob replaces anything else under this name (another source, a finished earlier run
  // of a different size): Put Blob of a page blob starts it empty.
  await blob.create(total, { metadata: { [IDENTITY_KEY]: identity }, abortSignal: signal });
  return [];
}

function merge(ranges: Range[]): Range[] {
  const sorted = [...ranges].sort((a, b) => a.start - b.start);
  const out: Range[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r.start <= last.end) last.end = Math.max(last.end, r.end);
    else out.push({ ...r });
  }
  return out;
}

/** The blob's bytes [start, end): file data, zeros past it, the footer at the very end. */
async function fill(fh: import('node:fs/promises').FileHandle, src: VhdSource, buf: Buffer, start: number, end: number): Promise<Buffer> {
  const out = buf.subarray(0, end - start);
  const dataEnd = Math.min(end, src.diskSize, src.dataLength);
  let got = 0;
  if (start < dataEnd) {
    const want = dataEnd - start;
    while (got < want) {
      const { bytesRead } = await fh.read(out, got, want - got, src.dataOffset + start + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
  }
  const footerAt = src.diskSize;
  const zeroEnd = Math.min(end, footerAt) - start;
  if (got < zeroEnd) out.fill(0, got, zeroEnd);
  if (end > footerAt) src.footer.copy(out, footerAt - start, Math.max(0, start - footerAt));
  return out;
}
