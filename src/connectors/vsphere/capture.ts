/**
 * Finalize on vSphere: the capture is refused while the machine runs or its disk has moved (a
 * snapshot, a Storage vMotion), then the flat extent is copied into the layer repository with a
 * hosted descriptor beside it; cleanup deletes the recorded VM and the packaging disk's files.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ElmError, NotReadyError } from '../../domain/errors';
import type { DiskLocation, FinalizeRequest, LayerArtifact, MachineRef, ProgressSink } from '../connector';
import { downloadFile, dsPath, fileSize } from './datastore';
import { formatSize } from './deployInstructions';
import { diskBackingProblem } from './diskBacking';
import { removeDiskFiles } from './packagingDisk';
import { describePower, machineId, type VsphereScope } from './scope';
import { deleteVm, powerOff, powerState } from './vm';
import { monolithicFlatDescriptor } from './vmdkDescriptor';

export async function captureBlockers(scope: VsphereScope, ref: MachineRef | null, disk: DiskLocation): Promise<string[]> {
  return scope.session(async (s) => {
    const id = await machineId(scope, s, ref, disk);
    const problem = id && (await powerState(s, id)) !== null ? await diskBackingProblem(s, id, ref?.name ?? id, scope.layoutFor(disk.location)) : null;
    return problem ? [problem] : [];
  });
}

export async function finalize(scope: VsphereScope, req: FinalizeRequest, progress: ProgressSink): Promise<LayerArtifact> {
  const l = scope.layoutFor(req.disk.location);
  return scope.session(async (s) => {
    const id = await machineId(scope, s, req.machine, req.disk);
    const state = id ? await powerState(s, id) : null;
    if (state !== null && state !== 'POWERED_OFF')
      throw new ElmError(`The packaging machine ${req.machine?.name ?? id} is ${describePower(state)}: shut it down (elm verify --shutdown) before finalize copies its disk.`);
    // Checked again here (a snapshot may be taken after the command's check): refused, nothing is deleted.
    const moved = id && state !== null ? await diskBackingProblem(s, id, req.machine?.name ?? id, l) : null;
    if (moved) throw new NotReadyError(`${moved[0].toUpperCase()}${moved.slice(1)}.`);
    const size = await fileSize(s, l.flat, req.signal);
    if (size === null) throw new ElmError(`The packaging disk ${dsPath(l.flat)} is not found on the datastore (datacenter ${scope.settings.datacenter}).`);
    await fs.mkdir(req.repositoryDir, { recursive: true, mode: 0o700 });
    const flat = path.join(req.repositoryDir, `${l.name}-flat.vmdk`);
    progress(0, `Copying ${dsPath(l.flat)} (${formatSize(size)}) into the layer repository`);
    const got = await downloadFile(s, l.flat, flat, {
      signal: req.signal,
      progress: (done, total) => progress(0.99 * (total ? done / total : 1)),
      onRetry: (message) => progress(0, message),
    });
    if (got.sizeBytes !== size) throw new ElmError(`The packaging disk ${dsPath(l.flat)} changed size while it was copied (${size} → ${got.sizeBytes} bytes).`);
    // The hosted descriptor beside the extent, so the repository copy opens in qemu-img or Workstation.
    const descriptor = path.join(req.repositoryDir, `${l.name}.vmdk`);
    await fs.writeFile(`${descriptor}.partial`, monolithicFlatDescriptor(size, path.basename(flat)), { mode: 0o600 });
    await fs.rename(`${descriptor}.partial`, descriptor);
    progress(1);
    // sha256 and sizeBytes are those of the disk's bytes: the flat extent the descriptor names.
    return { location: descriptor, format: 'vmdk', sizeBytes: got.sizeBytes, sha256: got.sha256 };
  });
}

export async function cleanup(scope: VsphereScope, req: FinalizeRequest, progress: ProgressSink): Promise<void> {
  const l = scope.layoutFor(req.disk.location);
  await scope.session(async (s) => {
    const id = await machineId(scope, s, req.machine, req.disk);
    if (id && !req.keepMachine) {
      // Still running: a failed build discards it (vCenter deletes only a powered-off VM).
      const state = await powerState(s, id);
      if (state === 'POWERED_ON' || state === 'SUSPENDED') {
        progress(0.05, `Powering off the packaging machine ${req.machine?.name ?? id} to delete it`);
        await powerOff(s, id);
      }
      progress(0.1, `Deleting the packaging machine ${req.machine?.name ?? id}`);
      await deleteVm(s, id); // vCenter deletes its attached disks with it
    }
    // A kept machine still boots from the disk: it stays with it.
    if (!id || !req.keepMachine) {
      progress(0.6, `Removing ${l.location} from the datastore`);
      await removeDiskFiles(s, l);
    }
  });
  await fs.rm(l.workDir, { recursive: true, force: true });
}
