/**
 * qemu-img, for the formats elm does not write natively (VHDX, VMDK, QCOW2, dynamic VHD).
 */
import { spawn } from 'node:child_process';
import type { DiskFormat } from '../domain/vocabulary';
import { CancelledError, ElmError } from '../domain/errors';

/** qemu calls VHD "vpc" (Virtual PC). Fixed VHDs must be opened with `-f vpc`: its probe only
 *  recognises the footer copy at offset 0 that dynamic VHDs have, so it would say "raw". */
const QEMU_FORMAT: Record<DiskFormat, string> = { vhd: 'vpc', vhdx: 'vhdx', vmdk: 'vmdk', qcow2: 'qcow2', raw: 'raw' };

export function qemuFormatName(format: DiskFormat): string {
  return QEMU_FORMAT[format];
}

/** The binary: `ELM_QEMU_IMG` overrides it (tests point it at a missing path). */
export function qemuImgBinary(): string {
  return process.env.ELM_QEMU_IMG || 'qemu-img';
}

export function qemuImgMissingError(format: DiskFormat): ElmError {
  return new ElmError(
    `qemu-img is not installed; it is needed for ${format} disks. ` +
      'Install it: sudo apt-get install qemu-utils (Debian/Ubuntu), or choose the vhd format.',
  );
}

export interface RunQemuImgOptions {
  /** The format that needs qemu-img, named in the "not installed" error. */
  neededFor: DiskFormat;
  signal?: AbortSignal;
  /** Called with each chunk qemu-img writes to stdout (progress lines with `-p`). */
  onStdout?: (text: string) => void;
}

export async function runQemuImg(args: string[], opts: RunQemuImgOptions): Promise<string> {
  if (opts.signal?.aborted) throw new CancelledError();
  const r = await spawnQemuImg(args, opts);
  if (r.spawnError?.code === 'ENOENT') throw qemuImgMissingError(opts.neededFor);
  if (opts.signal?.aborted) throw new CancelledError();
  if (r.spawnError || r.code !== 0) {
    const stderr = r.stderr.trim();
    const why = r.spawnError ? r.spawnError.message : r.signal ? `killed by ${r.signal}` : `exit code ${r.code}`;
    const detail = stderr.split('\n').filter(Boolean).pop() ?? why;
    throw new ElmError(`qemu-img ${args[0]} failed: ${detail}`);
  }
  return r.stdout;
}

interface QemuImgRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  spawnError?: NodeJS.ErrnoException;
}

/**
 * One qemu-img process through node:child_process (already loaded: no execa import, ~0.1 s of a
 * publish's start-up). Cancelling sends SIGTERM, as execa's cancelSignal did. The environment is
 * the caller's with LC_ALL=C, so its messages are the English ones parsed here.
 */
function spawnQemuImg(args: string[], opts: RunQemuImgOptions): Promise<QemuImgRun> {
  return new Promise((resolve) => {
    const child = spawn(qemuImgBinary(), args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let spawnError: NodeJS.ErrnoException | undefined;
    const kill = () => child.kill('SIGTERM');
    opts.signal?.addEventListener('abort', kill, { once: true });
    // Progress lines only go to the callback: nothing is kept of them.
    child.stdout.on('data', (d: Buffer) => (opts.onStdout ? opts.onStdout(d.toString('latin1')) : out.push(d)));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', (e) => (spawnError = e));
    child.on('close', (code, signal) => {
      opts.signal?.removeEventListener('abort', kill);
      resolve({ code, signal, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString(), spawnError });
    });
  });
}

export interface ConvertImageOptions {
  signal?: AbortSignal;
  /** Fraction 0..1 from qemu-img's `-p` output. */
  onProgress?: (fraction: number) => void;
  /** Target format options, each passed as `-o <value>` (e.g. `subformat=fixed`). */
  targetOptions?: string[];
}

/** Converts `src` into a new `dest`. qemu-img skips zero runs, so sparse input gives sparse output. */
export async function convertImage(
  src: string,
  srcFormat: DiskFormat,
  dest: string,
  destFormat: DiskFormat,
  opts: ConvertImageOptions = {},
): Promise<void> {
  const args = ['convert', '-p', '-f', qemuFormatName(srcFormat), '-O', qemuFormatName(destFormat)];
  for (const o of opts.targetOptions ?? []) args.push('-o', o);
  args.push(src, dest);
  const neededFor = destFormat === 'raw' || destFormat === 'vhd' ? srcFormat : destFormat;
  let carry = '';
  await runQemuImg(args, {
    neededFor,
    signal: opts.signal,
    onStdout: (text) => {
      // Progress looks like "    (42.17/100%)\r"; the last complete one wins.
      carry = (carry + text).slice(-256);
      const all = [...carry.matchAll(/\((\d+(?:\.\d+)?)\/100%\)/g)];
      if (all.length) opts.onProgress?.(Math.min(1, Number(all[all.length - 1][1]) / 100));
    },
  });
  opts.onProgress?.(1);
}

export interface QemuImgInfo {
  /** qemu's name for the format, e.g. `vpc` for VHD. */
  format: string;
  virtualSizeBytes: number;
  /** Allocated bytes on the host, when qemu-img reports it. */
  actualSizeBytes?: number;
  /** The whole `--output=json` document. */
  json: Record<string, unknown>;
}

export async function qemuImgInfo(path: string, format: DiskFormat, opts: { signal?: AbortSignal } = {}): Promise<QemuImgInfo> {
  const out = await runQemuImg(['info', '--output=json', '-f', qemuFormatName(format), path], {
    neededFor: format,
    signal: opts.signal,
  });
  const json = JSON.parse(out) as Record<string, unknown>;
  return {
    format: String(json['format']),
    virtualSizeBytes: Number(json['virtual-size']),
    actualSizeBytes: typeof json['actual-size'] === 'number' ? json['actual-size'] : undefined,
    json,
  };
}

/** Whether qemu-img can be run (for connector tests and prerequisite checks). */
export async function qemuImgAvailable(): Promise<boolean> {
  try {
    await runQemuImg(['--version'], { neededFor: 'vhdx' });
    return true;
  } catch {
    return false;
  }
}
