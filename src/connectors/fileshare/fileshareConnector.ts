import { constants, promises as fs } from 'node:fs';
import path from 'node:path';
import type { ConnectorConfig } from '../../domain/state';
import { diskFileName } from '../../domain/rules';
import type {
  CheckResult,
  Connector,
  ConnectorEnvironment,
  DeployLink,
  DeployLinkRequest,
  DiskLocation,
  FinalizeRequest,
  LayerArtifact,
  MachineRef,
  MachineStatus,
  PackagingDiskRequest,
  ProgressSink,
} from '../connector';
import { DISK_FORMATS_BY_TYPE } from '../../domain/vocabulary';
import { deployInstructions } from './deployInstructions';
import { grownDiskNote } from '../grownDiskNote';
import { cleanupShare, finalizeFromShare } from './finalizeFromShare';
import { shellQuote } from '../../domain/shellQuote';
import { formatBytes } from '../../domain/units';

export interface FileshareSettings {
  path: string;
  /** The share as packaging machines see it (a UNC path), for the probe command. */
  machinePath?: string | null;
}

/**
 * The built-in connector: the packaging disk is a file in a share folder; the operator boots a VM
 * from it on any hypervisor; the probe writes its report beside the disk.
 */
export function createFileshareConnector(config: ConnectorConfig, _envt: ConnectorEnvironment): Connector {
  const settings = config.settings as unknown as FileshareSettings;
  const share = settings.path;

  return {
    type: 'fileshare',
    diskFormats: DISK_FORMATS_BY_TYPE.fileshare,

    async test(): Promise<CheckResult[]> {
      const checks: CheckResult[] = [];
      try {
        await fs.mkdir(share, { recursive: true });
        const st = await fs.stat(share);
        checks.push({ name: 'share folder', ok: st.isDirectory(), detail: st.isDirectory() ? share : `${share} is not a folder` });
        await fs.access(share, constants.W_OK | constants.R_OK);
        const probe = path.join(share, `.elm-write-test-${process.pid}`);
        await fs.writeFile(probe, 'ok');
        await fs.rm(probe);
        checks.push({ name: 'writable', ok: true, detail: 'elm can write packaging disks here' });
        const space = await fs.statfs(share);
        const freeGiB = Math.floor((Number(space.bavail) * Number(space.bsize)) / 2 ** 30);
        checks.push({ name: 'free space', ok: freeGiB >= 1, detail: `${freeGiB} GiB free (sparse disks use only the space of their data)` });
      } catch (e) {
        checks.push({ name: 'share folder', ok: false, detail: `${share}: ${(e as Error).message}` });
      }
      const { qemuImgAvailable } = await import('../../disk/qemuImg.js');
      const qemu = await qemuImgAvailable();
      checks.push({
        name: 'qemu-img',
        ok: qemu ? true : null,
        detail: qemu ? 'found: vhdx, vmdk and qcow2 disks available' : 'not installed: only vhd and raw disks (sudo apt-get install qemu-utils for the others)',
      });
      return checks;
    },

    packagingDiskLocation(req) {
      return path.join(share, diskFileName(req.diskName, req.format));
    },

    async createPackagingDisk(req: PackagingDiskRequest, progress: ProgressSink): Promise<DiskLocation> {
      await fs.mkdir(share, { recursive: true });
      const dest = this.packagingDiskLocation(req);
      const { writePackagingDisk } = await import('../../disk/packagingDisk.js');
      progress(0, `Writing the packaging disk ${dest}`);
      const disk = await writePackagingDisk({
        source: req.osDisk.location,
        dest,
        format: req.format,
        minSizeBytes: req.minSizeBytes,
        signal: req.signal,
        onProgress: (f, bytes) => progress(f, undefined, bytes),
        onPartialFiles: req.recordPartialFiles,
      });
      const located: DiskLocation = { location: disk.location, format: disk.format, sizeBytes: disk.sizeBytes, description: '' };
      located.description = readyDescription(req.layer.name, located, grownDiskNote(disk.virtualSizeBytes, req.osDisk.sizeBytes));
      return located;
    },

    async discardPackagingDisk(location: string, partialFiles: string[] = []): Promise<void> {
      // Only what the write recorded making: another write's temporary file may sit beside it.
      await Promise.all([location, ...partialFiles].map((f) => fs.rm(f, { force: true })));
    },

    async deployLink(req: DeployLinkRequest): Promise<DeployLink> {
      return deployInstructions(share, req, settings.machinePath);
    },

    async machineStatus(_ref: MachineRef | null, disk: DiskLocation): Promise<MachineStatus> {
      // A file share cannot see the VM; the report beside the disk tells whether it shut down.
      const { readShareReport } = await import('./shareReport.js');
      const report = await readShareReport(disk.location).catch(() => null);
      if (report?.report.shutdownRequested) return 'stopped';
      return 'unknown';
    },

    async finalize(req: FinalizeRequest, progress: ProgressSink): Promise<LayerArtifact> {
      return finalizeFromShare(req, progress);
    },

    async cleanup(req: FinalizeRequest): Promise<void> {
      await cleanupShare(req);
    },
  };
}

function readyDescription(layerName: string, disk: DiskLocation, grown: string): string {
  return [
    `The packaging disk is ready: ${disk.location} (${disk.format}, ${formatBytes(disk.sizeBytes)}).${grown}`,
    `Next: boot a packaging machine from this disk on your hypervisor (elm machine deploy-link ${shellQuote(layerName)} shows how),`,
    'install the platform software, run ShutdownForFinalize.ps1 on the machine,',
    `then finalize: elm finalize ${shellQuote(layerName)} --wait`,
  ].join(' ');
}
