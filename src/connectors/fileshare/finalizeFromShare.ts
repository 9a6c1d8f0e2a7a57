import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { FinalizeRequest, LayerArtifact, ProgressSink } from '../connector';
import { shareReportPath } from './shareReport';

/**
 * Imports the packaging disk into the layer repository (sparse copy, SHA-256), leaving the share
 * as it was. The cleanup step deletes the share's disk, so on the same filesystem the import is a
 * hard link rather than a copy.
 */
export async function finalizeFromShare(req: FinalizeRequest, progress: ProgressSink): Promise<LayerArtifact> {
  const { importDisk } = await import('../../disk/importDisk.js');
  await fs.mkdir(req.repositoryDir, { recursive: true, mode: 0o700 });
  const dest = path.join(req.repositoryDir, path.basename(req.disk.location));
  progress(0, `Importing ${req.disk.location} into the layer repository`);
  const imported = await importDisk(req.disk.location, dest, { signal: req.signal, onProgress: (f) => progress(f), sourceIsDisposable: true });
  return { location: dest, format: req.disk.format, sizeBytes: imported.sizeBytes, sha256: imported.sha256 };
}

/** After the import: the packaging disk and its report leave the share. */
export async function cleanupShare(req: FinalizeRequest): Promise<void> {
  await fs.rm(req.disk.location, { force: true });
  await fs.rm(shareReportPath(req.disk.location), { force: true });
}
