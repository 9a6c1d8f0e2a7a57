/**
 * The Azure packaging disk: a fixed VHD page blob (N MiB + 512 bytes) in the connector's
 * container, `packaging/<layer id>/<version>/<disk>.vhd`. A local raw disk or fixed VHD is
 * uploaded straight from the file (zeros padded, footer added where needed); any other local
 * format is first written as a fixed VHD under ELM_HOME/work; an OS disk that is already a blob is
 * copied server-side.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { BlobClient, PageBlobClient } from '@azure/storage-blob' with { 'resolution-mode': 'import' };
import { UsageError } from '../../domain/errors';
import { diskFileName } from '../../domain/rules';
import type { DiskLocation, PackagingDiskRequest, ProgressSink } from '../connector';
import type { AzureClients } from './clients';
import { platformError, statusOf } from './errors';
import { blobPathOf, packagingBlobName } from './layout';
import { sourceIdentity, uploadVhdAsPageBlob, type VhdSource } from './pageBlobUpload';
import { readOnlySasUrl } from './sas';
import { serverSideCopy } from './serverCopy';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

export function workDir(home: string, taskId: string): string {
  return path.join(home, 'work', 'azure', taskId.replace(/[^A-Za-z0-9_-]/g, '_'));
}

export async function createPackagingDisk(clients: AzureClients, home: string, req: PackagingDiskRequest, progress: ProgressSink): Promise<DiskLocation> {
  if (req.format !== 'vhd') throw new UsageError(`Azure packages on fixed VHD disks only; --disk-format ${req.format} is not possible (use vhd).`);
  const container = await clients.container();
  try {
    await container.createIfNotExists({ abortSignal: req.signal });
  } catch (e) {
    throw platformError(`Creating the container ${container.url}`, e);
  }
  const blob = container.getPageBlobClient(packagingBlobName(req));
  let sizeBytes: number;
  if (/^https?:\/\//i.test(req.osDisk.location)) {
    sizeBytes = await copyBlobOsDisk(clients, req, blob, progress);
  } else {
    sizeBytes = await uploadLocalOsDisk(clients, home, req, blob, progress);
  }
  const location = blob.url;
  const disk: DiskLocation = { location, format: 'vhd', sizeBytes, description: '' };
  disk.description = readyDescription(clients, req.layer.name, disk);
  return disk;
}

async function uploadLocalOsDisk(clients: AzureClients, home: string, req: PackagingDiskRequest, blob: PageBlobClient, progress: ProgressSink): Promise<number> {
  const { probeDiskImage } = await import('../../disk/probe.js');
  const { buildFixedVhdFooter, roundUpToMiB, VHD_MAX_SIZE_BYTES } = await import('../../disk/vhd.js');
  const identity = await sourceIdentity(req.osDisk.location, req.taskId);
  const probe = await probeDiskImage(req.osDisk.location);
  let source: VhdSource;
  let work: string | null = null;
  if (probe.rawData) {
    const diskSize = roundUpToMiB(probe.dataLength);
    if (diskSize > VHD_MAX_SIZE_BYTES) throw new UsageError(`The OS layer disk is ${(diskSize / GiB).toFixed(1)} GiB; an Azure VHD holds at most 2040 GiB.`);
    // A fixed VHD of whole MiB goes up byte for byte, its own footer included.
    const keepFooter = probe.format === 'vhd' && probe.dataLength === diskSize && probe.fileSizeBytes === diskSize + 512;
    const footer = keepFooter ? await readTail(req.osDisk.location, probe.fileSizeBytes) : buildFixedVhdFooter({ sizeBytes: diskSize });
    source = { path: req.osDisk.location, dataOffset: probe.dataOffset, dataLength: probe.dataLength, diskSize, footer };
  } else {
    // Dynamic VHD, VHDX, VMDK, QCOW2: written as a fixed VHD first (qemu-img where needed).
    work = workDir(home, req.taskId);
    await fs.mkdir(work, { recursive: true, mode: 0o700 });
    const dest = path.join(work, diskFileName(req.diskName, 'vhd'));
    const { writePackagingDisk } = await import('../../disk/packagingDisk.js');
    progress(0, `Converting the ${probe.format} OS layer disk to a fixed VHD in ${work}`);
    const written = await writePackagingDisk({ source: req.osDisk.location, dest, format: 'vhd', signal: req.signal, onProgress: (f, bytes) => progress(f * 0.3, undefined, bytes) });
    const diskSize = written.sizeBytes - 512;
    source = { path: dest, dataOffset: 0, dataLength: diskSize, diskSize, footer: await readTail(dest, written.sizeBytes) };
  }
  const total = source.diskSize + 512;
  const start = work ? 0.3 : 0;
  progress(start, `Uploading the packaging disk to ${blob.url} (${(total / GiB).toFixed(1)} GiB page blob; ranges of zeros are skipped)`);
  let lastTenth = -1;
  try {
    const result = await uploadVhdAsPageBlob(blob, source, {
      identity,
      signal: req.signal,
      onProgress: (done, all) => {
        const f = all ? done / all : 1;
        const tenth = Math.floor(f * 10);
        const message = tenth !== lastTenth && f < 1 ? `Uploading the packaging disk: ${(done / GiB).toFixed(2)} of ${(all / GiB).toFixed(2)} GiB` : undefined;
        lastTenth = tenth;
        progress(start + f * (1 - start), message, { done, total: all });
      },
    });
    if (result.sizeBytes !== total) throw new Error(`internal: uploaded ${result.sizeBytes} bytes, expected ${total}`);
    progress(
      1,
      `Uploaded ${(result.uploadedBytes / MiB).toFixed(1)} MiB to ${blob.url}` +
        (result.resumedBytes ? `; ${(result.resumedBytes / MiB).toFixed(1)} MiB were already there (resumed upload)` : '') +
        `; ${result.zeroRanges} ranges of zeros skipped`,
    );
  } catch (e) {
    if (req.signal.aborted) throw e;
    throw platformError(`Uploading the packaging disk to ${blob.url}`, e);
  } finally {
    if (work) await fs.rm(work, { recursive: true, force: true });
  }
  return total;
}

async function readTail(file: string, size: number): Promise<Buffer> {
  const fh = await fs.open(file, 'r');
  try {
    const buf = Buffer.alloc(512);
    await fh.read(buf, 0, 512, size - 512);
    return buf;
  } finally {
    await fh.close();
  }
}

/** The OS disk is a blob: checked (fixed VHD, N MiB + 512) and copied server-side. */
async function copyBlobOsDisk(clients: AzureClients, req: PackagingDiskRequest, dest: PageBlobClient, progress: ProgressSink): Promise<number> {
  const url = req.osDisk.location;
  const inAccount = blobPathOf(clients.settings, url);
  let source: BlobClient;
  if (inAccount) {
    source = (await clients.blobService()).getContainerClient(inAccount.container).getBlobClient(inAccount.blobName);
  } else {
    const { AnonymousCredential, BlobClient } = await import('@azure/storage-blob');
    source = new BlobClient(url, new AnonymousCredential());
  }
  let size: number;
  try {
    const props = await source.getProperties({ abortSignal: req.signal });
    size = props.contentLength ?? 0;
    if (props.blobType !== 'PageBlob') throw new UsageError(`The OS layer disk ${url} is a ${props.blobType}; Azure imports disks from page blobs only.`);
    const footer = size >= 512 ? await source.downloadToBuffer(size - 512, 512, { abortSignal: req.signal }) : Buffer.alloc(0);
    if ((size - 512) % MiB !== 0 || size < 512 + MiB) throw new UsageError(`The OS layer disk ${url} is ${size} bytes; Azure needs a fixed VHD of N MiB + 512 bytes.`);
    if (footer.toString('latin1', 0, 8) !== 'conectix' || footer.readUInt32BE(60) !== 2)
      throw new UsageError(`The OS layer disk ${url} is not a fixed VHD (no "conectix" fixed-disk footer); convert it, or import it as a local file.`);
    // The footer checksum of the VHD spec, which elm checks on a local file too (disk/probe.ts).
    if (!(await import('../../disk/vhd.js')).parseVhdFooter(footer))
      throw new UsageError(`The OS layer disk ${url} has a damaged VHD footer (bad checksum); re-create the fixed VHD (e.g. qemu-img convert -O vpc -o subformat=fixed,force_size) and copy it again.`);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    const status = statusOf(e);
    if (!inAccount && (status === 403 || status === 404 || status === 401))
      throw new UsageError(
        `elm cannot read the OS layer disk ${url}: it is outside storage account ${clients.settings.storageAccount} and not public. Copy it into the account (or import it as a local file).`,
      );
    throw platformError(`Reading the OS layer disk ${url}`, e);
  }
  const from = inAccount ? (await readOnlySasUrl(clients, source, 12 * 3600_000)).url : url;
  progress(0, `Copying the OS layer disk ${url} to ${dest.url} (server-side, ${(size / GiB).toFixed(1)} GiB)`);
  try {
    const copied = await serverSideCopy(dest, from, {
      identity: `${req.taskId}:${url}`.slice(0, 200).replace(/[^\x20-\x7e]/g, '_'),
      signal: req.signal,
      onProgress: (done, total) => progress(total ? done / total : 0, undefined, total ? { done, total } : undefined),
    });
    if (copied !== size) throw new Error(`copied ${copied} bytes of ${size}`);
  } catch (e) {
    if (req.signal.aborted) throw e;
    throw platformError(`Copying the OS layer disk to ${dest.url}`, e);
  }
  return size;
}

export function readyDescription(clients: AzureClients, layerName: string, disk: DiskLocation): string {
  const gib = Math.round((disk.sizeBytes / GiB) * 10) / 10;
  const q = JSON.stringify(layerName);
  return [
    `The packaging disk is ready: ${disk.location} (fixed VHD page blob, ${gib} GiB) in storage account ${clients.settings.storageAccount}.`,
    `Next: deploy the packaging machine in resource group ${clients.settings.resourceGroup} —`,
    `elm machine deploy-link ${q} --size SIZE --vnet VNET --subnet SUBNET prints the Azure portal Custom deployment link,`,
    `or elm machine deploy ${q} with the same flags deploys it —`,
    `install the platform software, elm verify ${q} --shutdown, then finalize: elm finalize ${q} --wait`,
  ].join(' ');
}

/** Removes the packaging disk blob (and a conversion's work folder); gone is done. */
export async function discardPackagingDisk(clients: AzureClients, home: string, location: string, taskId?: string): Promise<void> {
  const where = blobPathOf(clients.settings, location);
  if (where) {
    const blob = (await clients.blobService()).getContainerClient(where.container).getBlobClient(where.blobName);
    try {
      await blob.deleteIfExists({ deleteSnapshots: 'include' });
    } catch (e) {
      throw platformError(`Deleting the packaging disk ${location}`, e);
    }
  }
  if (taskId) await fs.rm(workDir(home, taskId), { recursive: true, force: true });
}
