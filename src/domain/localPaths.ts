import path from 'node:path';
import type { State } from './state';

/** A path recorded in the state that names this machine's disk (not a URL). */
export interface LocalPath {
  /** What it is, for the operator: `connector "share" folder`, `OS layer win 1 disk`… */
  what: string;
  path: string;
}

/**
 * Every local path in the state. With a state shared by several machines (a remote state), one
 * machine's local disk images, icons and default share mean nothing on another: `elm state show`
 * lists those this machine cannot reach.
 */
export function localPaths(state: State): LocalPath[] {
  const out: LocalPath[] = [];
  const add = (what: string, p: unknown) => {
    if (typeof p === 'string' && path.isAbsolute(p) && !/^[a-z][a-z0-9+.-]*:\/\//i.test(p)) out.push({ what, path: p });
  };
  for (const c of state.connectors) if (c.type === 'fileshare') add(`connector "${c.name}" folder`, c.settings.path);
  for (const o of state.osLayers) for (const v of o.versions) add(`OS layer ${o.name} ${v.name} disk`, v.disk.location);
  for (const i of state.icons) add(`icon "${i.name}"`, i.file);
  for (const l of state.layers)
    for (const v of l.versions) {
      if (v.state !== 'Deployable') add(`layer "${l.name}" ${v.name} packaging disk`, v.packagingDisk.location);
      add(`layer "${l.name}" ${v.name} layer disk`, v.artifact?.location);
    }
  return out;
}
