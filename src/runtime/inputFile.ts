import { constants, promises as fs } from 'node:fs';
import { UsageError } from '../domain/errors';
import { userPath } from '../domain/home';
import { osPathProblem } from '../domain/osPathProblem';

/**
 * Reads a file the operator named (a spec, an icon, a report). It is opened non-blocking and
 * checked to be a regular file before anything is read: a FIFO or a device would otherwise
 * block the read forever. Every refusal is one line naming the file and the fix, exit 2.
 */
export async function readInputFile(file: string, label: string, fix: string, maxBytes = 64 * 1024 * 1024): Promise<{ abs: string; bytes: Buffer }> {
  if (file.trim() === '') throw new UsageError(`${label} is empty; ${fix}.`);
  const abs = userPath(file);
  let fh: fs.FileHandle;
  try {
    fh = await fs.open(abs, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    throw new UsageError(`${label} ${abs} ${osPathProblem(e) ?? `cannot be read (${(e as Error).message})`}; ${fix}.`);
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new UsageError(`${label} ${abs} ${kindOf(st)}, not a regular file; ${fix}.`);
    if (st.size > maxBytes) throw new UsageError(`${label} ${abs} is ${Math.round(st.size / 1024)} KiB, more than the ${Math.round(maxBytes / 1024)} KiB allowed; ${fix}.`);
    try {
      return { abs, bytes: await fh.readFile() };
    } catch (e) {
      throw new UsageError(`${label} ${abs} ${osPathProblem(e) ?? `cannot be read (${(e as Error).message})`}; ${fix}.`);
    }
  } finally {
    await fh.close();
  }
}

/**
 * Checks that a file the operator named is a readable regular file, without reading it (an
 * installer a build copies may be far bigger than a spec). Returns its absolute path and size.
 */
export async function checkInputFile(file: string, label: string, fix: string): Promise<{ abs: string; sizeBytes: number }> {
  if (file.trim() === '') throw new UsageError(`${label} is empty; ${fix}.`);
  const abs = userPath(file);
  let fh: fs.FileHandle;
  try {
    fh = await fs.open(abs, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    throw new UsageError(`${label} ${abs} ${osPathProblem(e) ?? `cannot be read (${(e as Error).message})`}; ${fix}.`);
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new UsageError(`${label} ${abs} ${kindOf(st)}, not a regular file; ${fix}.`);
    return { abs, sizeBytes: st.size };
  } finally {
    await fh.close();
  }
}

/** What a non-regular file is, as a phrase: "is a FIFO". */
export function kindOf(st: import('node:fs').Stats): string {
  if (st.isDirectory()) return 'is a folder';
  if (st.isFIFO()) return 'is a FIFO (named pipe)';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'is a device';
  if (st.isSocket()) return 'is a socket';
  return 'is not a file';
}
