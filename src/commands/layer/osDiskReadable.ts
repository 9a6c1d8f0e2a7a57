import { constants, promises as fs } from 'node:fs';
import { UsageError } from '../../domain/errors';
import type { OsLayer, OsLayerVersion } from '../../domain/state';

/**
 * The OS layer version's disk must still be there and readable before anything is recorded: a
 * packaging disk task started from a moved or deleted disk could only fail, and resuming it would
 * not help until the disk is back. Blob URLs are checked by the connector when it copies them.
 */
export async function checkOsDiskReadable(os: { layer: OsLayer; version: OsLayerVersion }): Promise<void> {
  const location = os.version.disk.location;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(location)) return;
  const fix = `put it back, or add a version with elm os-layer version add "${os.layer.name}" --version V --disk PATH`;
  try {
    const st = await fs.stat(location);
    if (!st.isFile()) throw new UsageError(`The disk of OS layer "${os.layer.name}" ${os.version.name} cannot be read: ${location} is not a file; ${fix}.`);
    await fs.access(location, constants.R_OK);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'it does not exist' : (e as Error).message;
    throw new UsageError(`The disk of OS layer "${os.layer.name}" ${os.version.name} cannot be read: ${location} (${why}); ${fix}.`);
  }
}
