import { constants, promises as fs } from 'node:fs';
import { UsageError } from '../domain/errors';
import { userPath } from '../domain/home';
import { osPathProblem } from '../domain/osPathProblem';

/**
 * Opens a file the operator named and checks it is a regular file before anything is read: it is
 * opened non-blocking, as a FIFO or a device would otherwise block the read forever. Every refusal
 * is one line naming the file and the fix, exit 2. The caller closes the handle.
 */
async function openRegularFile(file: string, label: string, fix: string): Promise<{ abs: string; fh: fs.FileHandle; st: import('node:fs').Stats }> {
  if (file.trim() === '') throw new UsageError(`${label} is empty; ${fix}.`);
  const abs = userPath(file);
  let fh: fs.FileHandle;
  try {
    fh = await fs.open(abs, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    throw new UsageError(`${label} ${abs} ${osPathProblem(e) ?? `cannot be read (${(e as Error).message})`}; ${fix}.`);
  }
  const st = await fh.stat().catch(async (e: unknown) => {
    await fh.close();
    throw e;
  });
  if (!st.isFile()) {
    await fh.close();
    throw new UsageError(`${label} ${abs} ${kindOf(st)}, not a regular file; ${fix}.`);
  }
  return { abs, fh, st };
}

/** Reads a file the operator named (a spec, an icon, a report), up to `maxBytes`. */
export async function readInputFile(file: string, label: string, fix: string, maxBytes = 64 * 1024 * 1024): Promise<{ abs: string; bytes: Buffer }> {
  const { abs, fh, st } = await openRegularFile(file, label, fix);
  try {
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
  const { abs, fh, st } = await openRegularFile(file, label, fix);
  await fh.close();
  return { abs, sizeBytes: st.size };
}

/** What a non-regular file is, as a phrase: "is a FIFO". */
export function kindOf(st: import('node:fs').Stats): string {
  if (st.isDirectory()) return 'is a folder';
  if (st.isFIFO()) return 'is a FIFO (named pipe)';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'is a device';
  if (st.isSocket()) return 'is a socket';
  return 'is not a file';
}
