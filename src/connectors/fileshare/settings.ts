import { promises as fs } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../../domain/errors';
import { homePaths, userPath } from '../../domain/home';

/** A file share is a folder: the default one lives under ELM_HOME so the quickstart needs nothing. */
export async function fromFlags(flags: Record<string, unknown>, home: string): Promise<Record<string, unknown>> {
  const dir = typeof flags.path === 'string' && flags.path !== '' ? userPath(flags.path) : homePaths(home).defaultShare;
  const machinePath = typeof flags.machinePath === 'string' && flags.machinePath.trim() !== '' ? flags.machinePath.trim().replace(/[\\/]+$/, '') : null;
  try {
    const st = await fs.stat(dir);
    if (!st.isDirectory()) throw new UsageError(`--path ${dir} is a file, not a folder; give the share's folder.`);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    const parent = path.dirname(dir);
    // The default share is created on first use; --machine-path still counts (the probe's -ReportPath).
    if (dir === homePaths(home).defaultShare) return { path: dir, machinePath };
    try {
      await fs.access(parent);
    } catch {
      throw new UsageError(`--path ${dir}: its parent folder ${parent} does not exist; create it or mount the share first.`);
    }
  }
  return { path: dir, machinePath };
}
