import { promises as fs } from 'node:fs';
import path from 'node:path';

/**
 * mkdir -p that reports the real reason: Node's recursive mkdir says ENOENT when the folder
 * cannot be made on a read-only file system (EROFS) or without permission, which would send
 * the operator looking for a missing folder. Retrying the last level alone gives the true error.
 */
export async function makeDir(dir: string, mode = 0o700): Promise<void> {
  try {
    await fs.mkdir(dir, { recursive: true, mode });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    const parent = path.dirname(dir);
    if (parent !== dir) await makeDir(parent, mode);
    await fs.mkdir(dir, { mode }).catch((again: NodeJS.ErrnoException) => {
      if (again.code !== 'EEXIST') throw again;
    });
  }
}
