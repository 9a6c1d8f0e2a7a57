/**
 * Copies a byte range of a file into a new file, keeping holes as holes: a 127 GiB OS layer disk
 * holding a few GiB of data must not become 127 GiB on the share.
 */
import { spawn } from 'node:child_process';
import { open, rm, stat } from 'node:fs/promises';
import { CancelledError, ElmError } from '../domain/errors';
import { CHUNK_SIZE, isAllZero, readChunks, writeFully } from './chunks';

export interface SparseCopyOptions {
  src: string;
  /** Created or replaced; its final length is `length`. The caller removes it on failure. */
  dest: string;
  srcOffset?: number;
  /** Bytes to copy; by default the rest of `src`. Past the end of `src` reads as zeros. */
  length?: number;
  signal?: AbortSignal;
  onProgress?: (bytesDone: number, total: number) => void;
  /** false forces the portable loop (tests compare both paths). */
  allowCp?: boolean;
  /**
   * true (default) also turns runs of zeros inside data into holes, which needs every block
   * inspected; false keeps the source's holes only and lets cp copy in the kernel.
   */
  punchZeros?: boolean;
}

/*
 * cp copies a little past `length` and the file is then cut back, so a fixed VHD (data + 512-byte
 * footer) can still take the fast path; beyond this slack the loop is cheaper.
 */
const CP_TAIL_SLACK = CHUNK_SIZE;
const CP_PROGRESS_POLL_MS = 500;

export async function sparseCopy(opts: SparseCopyOptions): Promise<void> {
  const srcOffset = opts.srcOffset ?? 0;
  const srcSize = (await stat(opts.src)).size;
  const length = opts.length ?? Math.max(0, srcSize - srcOffset);
  if (opts.signal?.aborted) throw new CancelledError();
  opts.onProgress?.(0, length);

  const useCp = opts.allowCp !== false && srcOffset === 0 && srcSize >= length && srcSize - length <= CP_TAIL_SLACK && cpTakesOurFlags !== false;
  const copied = useCp && (await copyWithCp(opts.src, opts.dest, length, opts));
  if (!copied) await copyWithLoop(opts.src, opts.dest, srcOffset, length, opts);

  opts.onProgress?.(length, length);
}

/*
 * Node has no SEEK_DATA/SEEK_HOLE, so the loop must read every byte of the holes too. GNU cp
 * (coreutils >= 8.x on Linux) skips them with SEEK_DATA and punches holes for zero blocks inside
 * data, which is both faster and keeps allocation equal to the source's.
 *
 * cp runs through node:child_process rather than execa: loading execa (ESM, a dozen packages)
 * cost finalize a visible pause before the copy could start, on a busy machine whole seconds.
 */
/**
 * Whether `cp` here takes GNU cp's --sparse and --reflink: unknown (null) until the first copy
 * tries, which saves asking `cp --version` first, in a process of its own, before every import.
 */
let cpTakesOurFlags: boolean | null = process.platform === 'linux' ? null : false;

/** cp that is not there, or is not GNU cp (busybox, BSD), says so in words like these. */
const CP_REFUSED_FLAGS = /unrecognized option|invalid option|illegal option|unknown option/i;

interface CpResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** cp with the C locale, no stdin; rejects only when cp cannot be started at all. */
function runCp(args: string[], signal?: AbortSignal): Promise<CpResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn('cp', args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' }, signal });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', (e) => {
      if ((e as NodeJS.ErrnoException).code !== 'ABORT_ERR') reject(e);
    });
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
  });
}

/** False when cp cannot do it (missing, or not GNU cp): the caller copies with the loop instead. */
async function copyWithCp(src: string, dest: string, length: number, opts: SparseCopyOptions): Promise<boolean> {
  await rm(dest, { force: true }); // cp must create a fresh file, never write through a link
  // cp reports no progress; the destination's size grows as it writes, which is close enough.
  let running = true;
  const timer = opts.onProgress
    ? setInterval(() => {
        stat(dest).then(
          (s) => running && opts.onProgress?.(Math.min(s.size, length), length),
          () => undefined,
        );
      }, CP_PROGRESS_POLL_MS)
    : undefined;
  try {
    const r = await runCp([`--sparse=${opts.punchZeros === false ? 'auto' : 'always'}`, '--reflink=never', '--', src, dest], opts.signal).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return null; // no cp on the PATH
      throw new ElmError(`Copying ${src} failed: ${e.message}`);
    });
    if (opts.signal?.aborted) throw new CancelledError();
    if (r === null || (r.code !== 0 && CP_REFUSED_FLAGS.test(r.stderr))) {
      cpTakesOurFlags = false;
      return false;
    }
    if (r.code !== 0) throw new ElmError(`Copying ${src} failed: ${r.stderr.trim() || `cp exited ${r.code}`}`);
    cpTakesOurFlags = true;
  } finally {
    running = false;
    if (timer) clearInterval(timer);
  }
  const fh = await open(dest, 'r+');
  try {
    await fh.truncate(length);
  } finally {
    await fh.close();
  }
  return true;
}

async function copyWithLoop(src: string, dest: string, srcOffset: number, length: number, opts: SparseCopyOptions): Promise<void> {
  const input = await open(src, 'r');
  try {
    const output = await open(dest, 'w');
    try {
      for await (const { position, data } of readChunks(input, srcOffset, length, opts.signal)) {
        if (!isAllZero(data)) await writeFully(output, data, position);
        opts.onProgress?.(position + data.length, length);
      }
      // Trailing zero chunks were never written: set the length, leaving them as a hole.
      await output.truncate(length);
    } finally {
      await output.close();
    }
  } finally {
    await input.close();
  }
}
