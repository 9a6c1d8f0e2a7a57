/**
 * Where things go: the packaging disk on the datastore (`[ds] elm-<stem>.vmdk` and its
 * `elm-<stem>-flat.vmdk`), the local work folder under ELM_HOME where it is written before the
 * upload, and the packaging machine's name.
 *
 * The disk goes in the datastore's root folder, which always exists: an HTTP PUT to /folder does
 * not reliably create a missing folder (404/405 until it exists), and creating one takes the SOAP
 * FileManager.MakeDirectory behind a SOAP login, which elm does not open. Disks recorded by earlier versions in
 * `elm/<stem>/` keep their folder (layoutOf), which is removed with them when the datastore lets it.
 */
import path from 'node:path';
import { UsageError } from '../../domain/errors';
import { diskFileName } from '../../domain/rules';
import type { LayerRef } from '../connector';
import { dsPath, parseDsPath, type DsFile } from './datastore';
import type { VsphereSettings } from './settings';

export interface DiskLayout {
  /** The files' name on the datastore without extension (`elm-<disk name>`). */
  stem: string;
  /** The disk's own name (no `elm-` prefix): the file names in the layer repository. */
  name: string;
  /** `[ds] elm-<stem>.vmdk`: the disk as VMs and the task description name it. */
  location: string;
  descriptor: DsFile;
  flat: DsFile;
  /** The folder of a disk recorded in one (earlier elm versions); null in the datastore's root. */
  folder: DsFile | null;
  /** Local folder under ELM_HOME where the flat extent is written before the upload. */
  workDir: string;
  localFlat: string;
}

/** The name prefix that marks elm's files in a datastore's root. */
export const DATASTORE_PREFIX = 'elm-';

function layout(settings: VsphereSettings, configId: string, home: string, datastore: string, dir: string, stem: string): DiskLayout {
  const at = (p: string): DsFile => ({ datacenter: settings.datacenter, datastore, path: dir ? `${dir}/${p}` : p });
  const descriptor = at(`${stem}.vmdk`);
  const workDir = path.join(home, 'work', `vsphere-${configId}`, stem);
  return {
    stem,
    name: !dir && stem.startsWith(DATASTORE_PREFIX) ? stem.slice(DATASTORE_PREFIX.length) : stem,
    location: dsPath(descriptor),
    descriptor,
    flat: at(`${stem}-flat.vmdk`),
    folder: dir ? { datacenter: settings.datacenter, datastore, path: dir } : null,
    workDir,
    localFlat: path.join(workDir, `${stem}-flat.vmdk`),
  };
}

export function diskLayout(settings: VsphereSettings, configId: string, home: string, diskName: string): DiskLayout {
  const stem = DATASTORE_PREFIX + diskFileName(diskName, 'vmdk').replace(/\.vmdk$/i, '');
  return layout(settings, configId, home, settings.datastore, '', stem);
}

/** The layout of a recorded location (`[ds] elm-<stem>.vmdk`, or `[ds] elm/<stem>/<stem>.vmdk` from earlier versions). */
export function layoutOf(settings: VsphereSettings, configId: string, home: string, location: string): DiskLayout {
  const parsed = parseDsPath(location);
  if (!parsed || !parsed.path.toLowerCase().endsWith('.vmdk')) throw new Error(`internal: "${location}" is not a datastore path of a VMDK`);
  const stem = path.posix.basename(parsed.path).replace(/\.vmdk$/i, '');
  const dir = path.posix.dirname(parsed.path);
  return layout(settings, configId, home, parsed.datastore, dir === '.' ? '' : dir, stem);
}

/** `--machine-name`, or `<layer>-<version>-pkg`; vSphere names hold up to 80 characters. */
export function machineName(layer: LayerRef, requested?: string): string {
  if (requested !== undefined) {
    const n = requested.trim();
    if (n === '' || n.length > 80 || /[%/\\]/.test(n))
      throw new UsageError(`--machine-name "${requested}": a vSphere VM name has 1 to 80 characters, without %, / or \\.`);
    return n;
  }
  return `${layer.name}-${layer.version}-pkg`.replace(/[^A-Za-z0-9._-]+/g, '-').slice(0, 80);
}
