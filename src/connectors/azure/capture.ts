/**
 * Finalize's capture on Azure: the packaging machine's OS disk becomes the layer's disk in the
 * repository container (`layers/<layer id>/<version>/<disk>.vhd`). The VM is deallocated (disk
 * export needs it), read access is granted, the disk is copied server-side through that read-only
 * SAS (never stored nor logged), and access is revoked whatever happened. Safe to run again: a
 * finished copy of the same disk is kept, one still pending is waited for.
 */
import path from 'node:path';
import { ElmError } from '../../domain/errors';
import type { FinalizeRequest, LayerArtifact, ProgressSink } from '../connector';
import type { AzureClients } from './clients';
import { isNotFound, platformError } from './errors';
import { layerBlobName } from './layout';
import { deallocate, findMachine, nameOfId } from './machine';
import { withRetry } from './retry';
import { serverSideCopy } from './serverCopy';

/** How long the export SAS is valid: long enough for a large copy, revoked as soon as it is done. */
const ACCESS_SECONDS = 6 * 3600;

export async function captureDisk(clients: AzureClients, req: FinalizeRequest, progress: ProgressSink): Promise<LayerArtifact> {
  const layer = { id: req.layer.id, version: req.layer.version };
  const m = await findMachine(clients, req.machine, layer);
  if (!m) throw new ElmError(`No packaging machine was found for this layer version in resource group ${clients.settings.resourceGroup}: nothing to capture (not found).`);
  const onRetry = (msg: string) => progress(0, `Capture: ${msg}`);
  progress(0, `Deallocating packaging machine ${m.vmName}`);
  await deallocate(clients, m, req.signal, onRetry);

  const compute = await clients.compute();
  let diskId = m.diskId;
  try {
    const vm = await withRetry(() => compute.virtualMachines.get(m.resourceGroup, m.vmName), { signal: req.signal, onRetry });
    diskId = vm.storageProfile?.osDisk?.managedDisk?.id ?? diskId;
  } catch (e) {
    if (!isNotFound(e)) throw platformError(`Reading packaging machine ${m.vmName}`, e);
  }
  if (!diskId) throw new ElmError(`The OS disk of packaging machine ${m.vmName} was not found.`);
  const diskName = nameOfId(diskId);
  const diskRg = diskId.split('/')[4] ?? m.resourceGroup;
  let disk;
  try {
    disk = await withRetry(() => compute.disks.get(diskRg, diskName), { signal: req.signal, onRetry });
  } catch (e) {
    if (isNotFound(e)) throw new ElmError(`The OS disk ${diskName} of packaging machine ${m.vmName} was not found in ${diskRg}.`);
    throw platformError(`Reading disk ${diskName}`, e);
  }

  const container = await clients.container();
  await container.createIfNotExists().catch((e) => {
    throw platformError(`Creating the container ${container.url}`, e);
  });
  const target = container.getPageBlobClient(layerBlobName(layer, path.posix.basename(new URL(req.disk.location).pathname)));
  const identity = `${disk.uniqueId ?? diskId}:${req.taskId}`;

  progress(0.05, `Granting read access to disk ${diskName}`);
  let accessSas: string | undefined;
  try {
    const access = await withRetry(() => compute.disks.beginGrantAccessAndWait(diskRg, diskName, { access: 'Read', durationInSeconds: ACCESS_SECONDS }), {
      signal: req.signal,
      onRetry,
    });
    accessSas = access.accessSAS;
    if (!accessSas) throw new ElmError(`Azure granted access to disk ${diskName} without a SAS URL.`);
    progress(0.1, `Copying disk ${diskName} into ${target.url} (server-side)`);
    const size = await serverSideCopy(target, accessSas, {
      identity,
      signal: req.signal,
      onProgress: (done, total) => progress(0.1 + (total ? (done / total) * 0.85 : 0), undefined, total ? { done, total } : undefined),
    });
    const expected = typeof disk.diskSizeBytes === 'number' ? disk.diskSizeBytes + 512 : undefined;
    if (expected !== undefined && size !== expected)
      throw new ElmError(`The copy of disk ${diskName} is ${size} bytes; the disk is ${disk.diskSizeBytes} bytes plus the 512-byte VHD footer.`);
    progress(0.97, `Revoking read access to disk ${diskName}`);
    return { location: target.url, format: 'vhd', sizeBytes: size, sha256: null };
  } catch (e) {
    throw platformError(`Capturing disk ${diskName}`, e);
  } finally {
    // Always, even when the grant's answer was lost: access may exist server-side. Not aborted by
    // a cancel. A failure here is said, not thrown: cleanup revokes again before deleting the disk.
    await withRetry(() => compute.disks.beginRevokeAccessAndWait(diskRg, diskName), { onRetry }).catch((e) => {
      progress(0.97, `Revoking access to disk ${diskName} failed (cleanup retries it): ${platformError('revoke', e).message}`);
    });
  }
}
