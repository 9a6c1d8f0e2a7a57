/**
 * The packaging disk on the datastore: written locally as the flat extent (raw, holes kept), uploaded
 * with its `vmfs` descriptor last (its presence says the extent is complete), and removed by the
 * recorded location only.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ElmError, UsageError } from '../../domain/errors';
import { shellQuote } from '../../domain/shellQuote';
import type { DiskLocation, PackagingDiskRequest, ProgressSink } from '../connector';
import { deleteFile, dsPath, uploadBytes, uploadFile } from './datastore';
import { formatSize } from './deployInstructions';
import { findDatacenter, findDatastore } from './inventory';
import { diskLayout, machineName, type DiskLayout } from './layout';
import { need, type VsphereScope } from './scope';
import type { VsphereSession } from './session';
import { vmfsDescriptor } from './vmdkDescriptor';

export async function createPackagingDisk(scope: VsphereScope, req: PackagingDiskRequest, progress: ProgressSink): Promise<DiskLocation> {
  if (req.format !== 'vmdk') throw new UsageError(`The vsphere connector writes vmdk packaging disks, not ${req.format}.`);
  const l = diskLayout(scope.settings, scope.config.id, scope.home, req.diskName);
  await fs.rm(l.workDir, { recursive: true, force: true });
  await fs.mkdir(l.workDir, { recursive: true, mode: 0o700 });
  progress(0, `Writing the packaging disk ${l.stem} locally before the upload (${l.localFlat})`);
  const { writePackagingDisk } = await import('../../disk/packagingDisk.js');
  // Raw bytes, holes kept: this file IS the flat extent (see vmdkDescriptor.ts).
  const disk = await writePackagingDisk({ source: req.osDisk.location, dest: l.localFlat, format: 'raw', signal: req.signal, onProgress: (f, bytes) => progress(f * 0.2, undefined, bytes) });
  const size = disk.sizeBytes;
  await scope.session(async (s) => {
    const dc = need(await findDatacenter(s, scope.settings.datacenter), '--datacenter');
    const ds = need(await findDatastore(s, dc, l.descriptor.datastore), '--datastore');
    if (ds.freeSpace !== undefined && ds.freeSpace < size)
      throw new ElmError(`Datastore ${ds.name} has ${formatSize(ds.freeSpace)} free; the packaging disk needs ${formatSize(size)} (a flat VMDK takes its whole size). Free space or use another --datastore.`);
    progress(0.2, `Uploading the packaging disk to ${dsPath(l.flat)} (${formatSize(size)})`);
    let lastNote = Date.now();
    await uploadFile(s, l.localFlat, l.flat, {
      signal: req.signal,
      progress: (done, total) => {
        const note = Date.now() - lastNote > 10_000;
        if (note) lastNote = Date.now();
        // The bytes let `--wait` show the upload's rate and time left, as for every byte-moving step.
        progress(0.2 + 0.78 * (total ? done / total : 1), note ? `Uploading ${dsPath(l.flat)}: ${formatSize(done)} of ${formatSize(total)}` : undefined, total ? { done, total } : undefined);
      },
      onRetry: (message) => progress(0.2, message),
    });
    // The descriptor last: its presence says the extent is complete.
    await uploadBytes(s, Buffer.from(vmfsDescriptor(size, path.posix.basename(l.flat.path))), l.descriptor, req.signal);
  });
  await fs.rm(l.workDir, { recursive: true, force: true });
  progress(1);
  const located: DiskLocation = { location: l.location, format: 'vmdk', sizeBytes: size, description: '' };
  located.description = [
    `The packaging disk is ready: ${l.location} (vmdk, ${formatSize(size)}) on datastore ${l.descriptor.datastore}, datacenter ${scope.settings.datacenter}, vCenter ${scope.server}.`,
    `Next: elm machine deploy ${shellQuote(req.layer.name)} creates the packaging machine ${machineName(req.layer)} in folder ${scope.settings.folder} with this disk and powers it on`,
    `(elm machine deploy-link ${shellQuote(req.layer.name)} shows where it is and the steps); install the platform software,`,
    `then elm verify ${shellQuote(req.layer.name)} --shutdown and elm finalize ${shellQuote(req.layer.name)} --wait`,
  ].join(' ');
  return located;
}

export async function discardPackagingDisk(scope: VsphereScope, location: string): Promise<void> {
  const l = scope.layoutFor(location);
  await fs.rm(l.workDir, { recursive: true, force: true });
  // Without the password this fails and says so: a silent skip would orphan the datastore files.
  await scope.session((s) => removeDiskFiles(s, l));
}

/** The flat extent, then the descriptor (and an old-style folder, when the datastore lets it go). */
export async function removeDiskFiles(s: VsphereSession, l: DiskLayout): Promise<void> {
  await deleteFile(s, l.flat);
  await deleteFile(s, l.descriptor);
  // A disk recorded in a folder (earlier versions): the folder goes too when the datastore lets it.
  if (l.folder) await deleteFile(s, l.folder).catch(() => false);
}
