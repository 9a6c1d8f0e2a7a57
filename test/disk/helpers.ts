/** Shared by the disk tests: temp dirs under os.tmpdir(), qemu-img runs, sparse sources. */
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const MiB = 1024 * 1024;
export const GiB = 1024 * MiB;

export const hasQemuImg = spawnSync('qemu-img', ['--version']).status === 0;
if (!hasQemuImg) {
  // Loud, so a CI image missing qemu-utils is noticed rather than silently passing.
  console.warn('qemu-img not found: the disk tests that need it are skipped (install qemu-utils).');
}
/** `test` when qemu-img is installed, else a visible skip. */
export const withQemu: jest.It = hasQemuImg ? test : test.skip;

export function makeTempDir(prefix = 'elm-disk-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function qemuImg(...args: string[]): string {
  return execFileSync('qemu-img', args, { encoding: 'utf8' });
}

/** Exit status and output, for commands whose failure is the point. */
export function qemuImgStatus(...args: string[]): { status: number | null; output: string } {
  const r = spawnSync('qemu-img', args, { encoding: 'utf8' });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

export function qemuInfo(path: string, format: string): { format: string; 'virtual-size': number } {
  return JSON.parse(qemuImg('info', '--output=json', '-f', format, path));
}

/** A recognisable, non-zero block: byte i of the block at `offset` is (offset/MiB + i) % 251 + 1. */
export function pattern(offset: number, length: number): Buffer {
  const b = Buffer.alloc(length);
  const seed = Math.floor(offset / MiB);
  for (let i = 0; i < length; i++) b[i] = ((seed + i) % 251) + 1;
  return b;
}

/** A sparse file of `size` bytes with pattern blocks at the given offsets, holes elsewhere. */
export function makeSparseSource(path: string, size: number, blocks: { offset: number; length: number }[]): void {
  const fd = openSync(path, 'w');
  try {
    for (const { offset, length } of blocks) writeSync(fd, pattern(offset, length), 0, length, offset);
  } finally {
    closeSync(fd);
  }
  execFileSync('truncate', ['-s', String(size), path]);
}

/** Bytes the file system has allocated (what an operator sees with du). */
export function allocatedBytes(path: string): number {
  return statSync(path).blocks * 512;
}

export function readAt(path: string, offset: number, length: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const b = Buffer.alloc(length);
    readSync(fd, b, 0, length, offset);
    return b;
  } finally {
    closeSync(fd);
  }
}

/** Whether the file holds the pattern block written at `offset` (Buffer.equals: jest's toEqual is slow on MiBs). */
export function holdsPattern(path: string, offset: number, length: number, at = offset): boolean {
  return readAt(path, at, length).equals(pattern(offset, length));
}
