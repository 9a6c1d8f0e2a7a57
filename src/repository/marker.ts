import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';

/** The file that names a layer repository: another machine reads it to tell this folder from its own at the same path. */
export const MARKER_FILE = '.elm-repository.json';

interface Marker {
  id: string;
  host: string;
  path: string;
  createdAt: string;
}

/** The repository's id, or null when the folder has no (readable) marker: not reachable, or never used. */
export async function readRepositoryId(root: string): Promise<string | null> {
  try {
    const doc = JSON.parse(await fs.readFile(path.join(root, MARKER_FILE), 'utf8')) as Partial<Marker>;
    return typeof doc.id === 'string' && doc.id ? doc.id : null;
  } catch {
    return null;
  }
}

/**
 * The repository's id, written the first time it is needed. Written to a temp file and linked
 * into place, so two processes starting at once agree on one id (the link of the second fails
 * and it reads the first's) and a reader never sees half a file.
 */
export async function ensureRepositoryMarker(root: string, host: string, now: Date): Promise<string> {
  const found = await readRepositoryId(root);
  if (found) return found;
  await fs.mkdir(root, { recursive: true, mode: 0o700 });
  const marker: Marker = { id: randomUUID(), host, path: root, createdAt: now.toISOString() };
  const temp = path.join(root, `${MARKER_FILE}.${process.pid}.${randomUUID().slice(0, 8)}`);
  await fs.writeFile(temp, `${JSON.stringify(marker, null, 2)}\n`, { mode: 0o600 });
  try {
    await fs.link(temp, path.join(root, MARKER_FILE));
    return marker.id;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    const other = await readRepositoryId(root);
    if (!other) throw new Error(`the layer repository marker ${path.join(root, MARKER_FILE)} is unreadable; move it away and run again`, { cause: e });
    return other;
  } finally {
    await fs.rm(temp, { force: true });
  }
}
