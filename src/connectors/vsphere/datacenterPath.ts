/**
 * The configured datacenter's inventory path (`Region/DC1`), which datastore file access needs
 * (`/folder/...?dcPath=`: the path, folders above the datacenter included; a bare name finds only
 * a datacenter directly under the root folder). The REST API gives no path, so it is walked up
 * the DATACENTER folders with the list filters that name a direct parent (Datacenter.FilterSpec
 * `folders`, Folder.FilterSpec `parent_folders`). Resolved once per session.
 */
import { ElmError } from '../../domain/errors';
import { findDatacenter, type Named } from './inventory';
import type { VsphereSession } from './session';

const resolved = new WeakMap<VsphereSession, Promise<string>>();

/** The inventory path of `settings.datacenter`, looked up on the first call of a session. */
export function datacenterPath(s: VsphereSession): Promise<string> {
  let path = resolved.get(s);
  if (!path) {
    path = resolve(s);
    resolved.set(s, path);
    path.catch(() => resolved.delete(s)); // a failed lookup is tried again, not remembered
  }
  return path;
}

/** vCenter's root folder ("Datacenters"; ServiceContent.rootFolder): never part of a path. */
const ROOT_FOLDER = 'group-d1';

/** Filter values per request: keeps query strings short on an inventory with many folders. */
const CHUNK = 40;

/**
 * The one candidate `holds` is true for, or null: asked per chunk, then halved within the chunk
 * that answers yes (a handful of requests, whatever the number of folders).
 */
async function findHolder(candidates: Named[], holds: (ids: string[]) => Promise<boolean>): Promise<Named | null> {
  for (let i = 0; i < candidates.length; i += CHUNK) {
    let group = candidates.slice(i, i + CHUNK);
    if (!(await holds(group.map((f) => f.id)))) continue;
    while (group.length > 1) {
      const half = group.slice(0, Math.ceil(group.length / 2));
      group = (await holds(half.map((f) => f.id))) ? half : group.slice(half.length);
    }
    return group[0];
  }
  return null;
}

async function resolve(s: VsphereSession): Promise<string> {
  const name = s.settings.datacenter;
  const dc = await findDatacenter(s, name);
  if (!dc.ok) throw new ElmError(`vSphere --datacenter: ${dc.why}. Fix the connector configuration (elm connector test shows every check).`);
  const folders = (await s.get<{ folder: string; name: string }[]>('/api/vcenter/folder', { type: 'DATACENTER' })).map((f) => ({ id: f.folder, name: f.name }));
  let current = await findHolder(folders, async (ids) => (await s.get<unknown[]>('/api/vcenter/datacenter', { datacenters: dc.item.id, folders: ids })).length > 0);
  const parts = [name];
  for (let depth = 0; current && depth < 64; depth++) {
    const here: Named = current;
    const parent = await findHolder(
      folders.filter((f) => f.id !== here.id),
      async (ids) => (await s.get<unknown[]>('/api/vcenter/folder', { folders: here.id, parent_folders: ids })).length > 0,
    );
    if (!parent) {
      // The root folder, or a folder whose parent this account may not see (then the path is what it sees).
      if (here.id !== ROOT_FOLDER) parts.unshift(here.name);
      break;
    }
    parts.unshift(here.name);
    current = parent;
  }
  return parts.join('/');
}
