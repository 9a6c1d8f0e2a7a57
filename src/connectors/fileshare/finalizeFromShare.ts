import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { FinalizeRequest, LayerArtifact, ProgressSink } from '../connector';
import { DiskUnusableError } from '../diskUnusableError';
import { shareReportPath } from './shareReport';

/**
 * Imports the packaging disk into the layer repository (sparse copy, SHA-256), leaving the share
 * as it was. The cleanup step deletes the share's disk, so on the same filesystem the import is a
 * hard link rather than a copy.
 */
export async function finalizeFromShare(req: FinalizeRequest, progress: ProgressSink): Promise<LayerArtifact> {
  await checkStillTheDisk(req.disk);
  const { importDisk } = await import('../../disk/importDisk.js');
  await fs.mkdir(req.repositoryDir, { recursive: true, mode: 0o700 });
  const dest = shareImportDestination(req.repositoryDir, req.disk.location);
  progress(0, `Importing ${req.disk.location} into the layer repository`);
  const imported = await importDisk(req.disk.location, dest, { signal: req.signal, onProgress: (f, bytes) => progress(f, undefined, bytes), sourceIsDisposable: true });
  return { location: dest, format: req.disk.format, sizeBytes: imported.sizeBytes, sha256: imported.sha256 };
}

/** Where the disk lands in the layer repository (a waiting finalize copies there ahead, copyAhead). */
export function shareImportDestination(repositoryDir: string, diskLocation: string): string {
  return path.join(repositoryDir, path.basename(diskLocation));
}

/**
 * The file on the share must still be the disk elm made: same format, and for a fixed VHD the
 * same size (its footer is its last 512 bytes, so a damaged or cut file fails here). Importing
 * anything else would record a layer no machine can boot.
 */
async function checkStillTheDisk(disk: FinalizeRequest['disk']): Promise<void> {
  const { probeDiskImage } = await import('../../disk/probe.js');
  const found = await probeDiskImage(disk.location).catch((e: Error) => {
    throw new DiskUnusableError(`The packaging disk cannot be read: ${e.message}`);
  });
  const fixedVhd = disk.format === 'vhd';
  if (found.format !== disk.format || (fixedVhd && (found.dynamic || found.fileSizeBytes !== disk.sizeBytes))) {
    throw new DiskUnusableError(
      `The packaging disk ${disk.location} is no longer the ${disk.format} disk elm made (it reads as ${found.format}, ${found.fileSizeBytes} bytes instead of ${disk.sizeBytes}): it was damaged or replaced; start again with elm layer version add`,
    );
  }
}

/** After the import: the packaging disk and its report leave the share. */
export async function cleanupShare(req: FinalizeRequest): Promise<void> {
  await fs.rm(req.disk.location, { force: true });
  await fs.rm(shareReportPath(req.disk.location), { force: true });
}
