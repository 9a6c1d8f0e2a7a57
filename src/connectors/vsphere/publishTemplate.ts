/**
 * Publishing a layer version to vSphere: the layer disk uploaded to the connector's datastore (a
 * `vmfs` descriptor and its flat extent, as the packaging disk is), then a powered-off VM in the
 * connector's folder that boots from it with the firmware and guest OS the OS layer version
 * recorded. That VM is the template: `connector add vsphere --template` and vSphere's "clone"
 * take a powered-off VM, and the Automation REST API has no "mark as template" (that is the SOAP
 * VirtualMachine.MarkAsTemplate, behind a SOAP login elm does not open).
 *
 * Every step is found again on a rerun: the disk by its datastore path (unique to this publish),
 * the VM by its name in the folder and a disk that is this publish's.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ElmError } from '../../domain/errors';
import type { DiskFormat, Firmware } from '../../domain/vocabulary';
import type { ProgressSink } from '../connector';
import { dsPath, fileSize, uploadBytes, uploadFile } from './datastore';
import { formatSize } from './deployInstructions';
import { guestOsForServer } from './guestOsForServer';
import { resolvePlacement } from './inventory';
import { diskLayout } from './layout';
import { removeDiskFiles } from './packagingDisk';
import type { VsphereScope } from './scope';
import { readServerAbout } from './serverVersion';
import { createVm, DEFAULT_GUEST_OS, deleteVm, findVm, listDisks, powerOff, powerState } from './vm';
import { vmfsDescriptor } from './vmdkDescriptor';

export interface TemplateOs {
  firmware: Firmware;
  guestOs?: string;
}

/** `[ds] elm-<name>.vmdk`: where this publish's copy of the layer disk goes. */
export function templateDiskLocation(scope: VsphereScope, diskName: string): string {
  return diskLayout(scope.settings, scope.config.id, scope.home, diskName).location;
}

/**
 * Uploads the layer disk as a flat extent with its descriptor last (the descriptor's presence says
 * the extent is complete, so a rerun that finds it skips the upload).
 */
export async function uploadTemplateDisk(
  scope: VsphereScope,
  source: { location: string; format: DiskFormat },
  diskName: string,
  progress: ProgressSink,
  signal?: AbortSignal,
): Promise<{ location: string; sizeBytes: number }> {
  const l = diskLayout(scope.settings, scope.config.id, scope.home, diskName);
  return scope.session(async (s) => {
    const flatSize = await fileSize(s, l.flat, signal);
    if (flatSize !== null && (await fileSize(s, l.descriptor, signal)) !== null) return { location: l.location, sizeBytes: flatSize };
    await fs.rm(l.workDir, { recursive: true, force: true });
    await fs.mkdir(l.workDir, { recursive: true, mode: 0o700 });
    progress(0, `Writing the layer disk as a flat extent before the upload (${l.localFlat})`);
    // The repository disk may be any format; the datastore takes raw bytes under a vmfs descriptor.
    const { convertImage } = await import('../../disk/qemuImg.js');
    await convertImage(source.location, source.format, l.localFlat, 'raw', { signal, onProgress: (f) => progress(f * 0.2) });
    const size = (await fs.stat(l.localFlat)).size;
    progress(0.2, `Uploading the layer disk to ${dsPath(l.flat)} (${formatSize(size)})`);
    await uploadFile(s, l.localFlat, l.flat, {
      signal,
      progress: (done, total) => progress(0.2 + 0.8 * (total ? done / total : 1), undefined, total ? { done, total } : undefined),
      onRetry: (message) => progress(0.2, message),
    });
    await uploadBytes(s, Buffer.from(vmfsDescriptor(size, path.posix.basename(l.flat.path))), l.descriptor, signal);
    await fs.rm(l.workDir, { recursive: true, force: true });
    return { location: l.location, sizeBytes: size };
  });
}

/** The VM of that name in the connector's folder (an operator's or elm's), or null. */
export async function templateNamed(scope: VsphereScope, name: string): Promise<{ id: string } | null> {
  return scope.session(async (s) => {
    const p = await resolvePlacement(s, scope.settings, false);
    const vm = await findVm(s, name, p.folder);
    return vm ? { id: vm.id } : null;
  });
}

/**
 * The template VM: created powered off (POST /api/vcenter/vm creates a VM powered off) with the
 * layer disk as its boot disk. A VM of the name whose disk is this publish's is adopted (a run
 * killed after vCenter made it); any other VM of the name is refused, never touched.
 */
export async function createTemplateVm(scope: VsphereScope, spec: { name: string; disk: string; os: TemplateOs | null }, progress: ProgressSink): Promise<{ id: string; guestOs: string }> {
  return scope.session(async (s) => {
    const p = await resolvePlacement(s, scope.settings, false);
    const guest = guestOsForServer(spec.os?.guestOs ?? DEFAULT_GUEST_OS, (await readServerAbout(s.transport)).apiVersion);
    const existing = await findVm(s, spec.name, p.folder);
    if (existing) {
      const disks = await listDisks(s, existing.id);
      if (disks.some((d) => d.vmdkFile === spec.disk)) return { id: existing.id, guestOs: guest.id };
      throw new ElmError(`A VM named "${spec.name}" appeared in folder ${p.folder.name} (${existing.id}) while elm published; elm leaves it alone: publish again under another --template-name.`);
    }
    progress(0.5, `Creating the template ${spec.name} in folder ${p.folder.name}${guest.note ? ` with ${guest.note}` : ''}`);
    const id = await createVm(s, { name: spec.name, disk: spec.disk, placement: p, os: spec.os ? { firmware: spec.os.firmware, guestOs: guest.id } : undefined });
    return { id, guestOs: guest.id };
  });
}

/** The VM of that name in the folder that boots from this publish's disk (one whose id was never recorded), or null. */
export async function templateWithDisk(scope: VsphereScope, name: string, disk: string): Promise<string | null> {
  return scope.session(async (s) => {
    const p = await resolvePlacement(s, scope.settings, false);
    const vm = await findVm(s, name, p.folder);
    return vm && (await listDisks(s, vm.id)).some((d) => d.vmdkFile === disk) ? vm.id : null;
  });
}

/** Deletes a template VM by its recorded id (vCenter deletes its disk with it). Gone already: false. */
export async function deleteTemplateVm(scope: VsphereScope, id: string): Promise<boolean> {
  return scope.session(async (s) => {
    const state = await powerState(s, id);
    if (state === null) return false;
    // A template is powered off; one an operator powered on since is stopped before it goes.
    if (state !== 'POWERED_OFF') await powerOff(s, id);
    return deleteVm(s, id);
  });
}

/** Deletes this publish's disk files by their recorded location (when no VM took them with it). */
export async function deleteTemplateDisk(scope: VsphereScope, location: string): Promise<void> {
  await scope.session(async (s) => {
    const l = scope.layoutFor(location);
    await fs.rm(l.workDir, { recursive: true, force: true });
    await removeDiskFiles(s, l);
  });
}
