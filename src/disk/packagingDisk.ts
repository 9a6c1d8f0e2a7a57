/**
 * The packaging disk: the OS layer's disk written in the format the platform boots, the layer's
 * bytes at the same offsets. VHD and raw are written natively (sparse copy, no qemu-img); VHDX,
 * VMDK and QCOW2 go through qemu-img, as does reading any source that is not raw or fixed VHD.
 */
import { open, rename, rm, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { DiskFormat } from '../domain/vocabulary';
import { CancelledError, UsageError } from '../domain/errors';
import { writeFully } from './chunks';
import { probeDiskImage } from './probe';
import { convertImage, qemuImgInfo } from './qemuImg';
import { sparseCopy } from './sparseCopy';
import { buildFixedVhdFooter, roundUpToMiB, VHD_FOOTER_SIZE, VHD_MAX_SIZE_BYTES } from './vhd';

export interface PackagingDiskRequest {
  /** The OS layer disk: raw, VHD (fixed or dynamic), VHDX, VMDK or QCOW2. */
  source: string;
  /** Replaced if it exists: re-running an interrupted task must be able to finish. */
  dest: string;
  format: DiskFormat;
  /**
   * The Max Layer Size in bytes: the disk's virtual size grows to it (a hole, no space used), so
   * the packaging machine has that room once its partition is extended. Never shrinks the OS disk.
   */
  minSizeBytes?: number;
  signal?: AbortSignal;
  /** fraction in 0..1, and the disk bytes written so far of the disk's size. */
  onProgress?: (fraction: number, bytes?: { done: number; total: number }) => void;
  /**
   * Called with the temporary files the write makes, before any of them exists: the caller
   * records them, so an undo after a killed write deletes exactly these (never a guessed name).
   */
  onPartialFiles?: (paths: string[]) => Promise<void>;
}

export interface PackagingDisk {
  location: string;
  /** The file's logical size (for VHD: the disk plus the 512-byte footer). */
  sizeBytes: number;
  /** The disk the machine sees: the OS disk's size, or the Max Layer Size when that is larger. */
  virtualSizeBytes: number;
  format: DiskFormat;
}

/** Where the source's disk bytes lie in order: a raw file, or the data part of a fixed VHD. */
interface RawView {
  path: string;
  offset: number;
  length: number;
  /** How qemu-img must open `path` to see exactly these bytes. */
  qemuFormat: 'raw' | 'vhd';
}

export async function writePackagingDisk(req: PackagingDiskRequest): Promise<PackagingDisk> {
  const { source, dest, format, signal } = req;
  if (resolve(source) === resolve(dest)) throw new UsageError(`The packaging disk cannot overwrite its source: ${dest}`);
  let diskBytes = 0;
  const progress = (f: number) => req.onProgress?.(f, diskBytes ? { done: Math.round(f * diskBytes), total: diskBytes } : undefined);
  // Written under another name and renamed at the end, so a killed process never leaves a file
  // that looks finished; the intermediate raw copy (when one is needed) also lives beside dest,
  // on the same file system, which has room for the result anyway.
  const partial = `${dest}.partial`;
  const scratch = `${dest}.partial.tmp`;
  await req.onPartialFiles?.([partial, scratch]);
  await removeQuietly(partial, scratch); // leftovers of a killed earlier run

  try {
    const probe = await probeDiskImage(source);
    throwIfAborted(signal);
    const view: RawView | undefined = probe.rawData
      ? { path: source, offset: probe.dataOffset, length: probe.dataLength, qemuFormat: probe.format === 'vhd' ? 'vhd' : 'raw' }
      : undefined;
    // For converted formats trust qemu's idea of the size: it is what the conversion produces.
    const sourceSize = view ? view.length : (await qemuImgInfo(source, probe.format, { signal })).virtualSizeBytes;
    // Whole MiB: Azure requires it for VHDs and every hypervisor accepts it.
    const sourceDiskSize = roundUpToMiB(sourceSize);
    const diskSize = Math.max(sourceDiskSize, roundUpToMiB(req.minSizeBytes ?? 0));
    diskBytes = diskSize;
    if (format === 'vhd' && diskSize > VHD_MAX_SIZE_BYTES) {
      const what = diskSize > sourceDiskSize ? 'The Max Layer Size is' : 'The OS layer disk is';
      throw new UsageError(`${what} ${(diskSize / 2 ** 30).toFixed(1)} GiB; a VHD holds at most 2040 GiB. Choose vhdx, vmdk, qcow2 or raw.`);
    }

    if (format === 'vhd' || format === 'raw') {
      await writeRawData(source, probe.format, view, partial, signal, progress, 0.98);
      await finishNative(partial, diskSize, format === 'vhd');
    } else {
      // qemu-img can read the source as it is when it already sees a whole-MiB disk of the final
      // size. For a fixed VHD ask qemu: it takes the CHS size, not the footer's, from some creators.
      const direct =
        diskSize === sourceDiskSize &&
        (view
          ? view.length === diskSize &&
            (view.qemuFormat === 'raw' || (await qemuImgInfo(source, 'vhd', { signal })).virtualSizeBytes === diskSize)
          : sourceSize === diskSize);
      if (direct) {
        await convertImage(source, view ? view.qemuFormat : probe.format, partial, format, { signal, onProgress: progress });
      } else {
        // The size is not a whole MiB, or grows to the Max Layer Size: a raw copy of the right length, then convert it.
        await writeRawData(source, probe.format, view, scratch, signal, (f) => progress(f * 0.4), 1);
        await finishNative(scratch, diskSize, false);
        await convertImage(scratch, 'raw', partial, format, { signal, onProgress: (f) => progress(0.4 + f * 0.6) });
        await rm(scratch, { force: true });
      }
    }

    throwIfAborted(signal);
    await rename(partial, dest);
    progress(1);
    return { location: dest, sizeBytes: (await stat(dest)).size, virtualSizeBytes: diskSize, format };
  } catch (e) {
    await removeQuietly(partial, scratch);
    if (signal?.aborted && !(e instanceof CancelledError)) throw new CancelledError();
    throw e;
  }
}

/** The source's disk bytes into `target` as a raw file, holes kept: natively, or via qemu-img. */
async function writeRawData(
  source: string,
  sourceFormat: DiskFormat,
  view: RawView | undefined,
  target: string,
  signal: AbortSignal | undefined,
  progress: (fraction: number) => void,
  share: number,
): Promise<void> {
  if (view) {
    await sparseCopy({
      src: view.path,
      dest: target,
      srcOffset: view.offset,
      length: view.length,
      signal,
      onProgress: (done, total) => progress(total ? (done / total) * share : 0),
    });
  } else {
    await convertImage(source, sourceFormat, target, 'raw', { signal, onProgress: (f) => progress(f * share) });
  }
}

/** Extends the raw data to the whole-MiB disk size (a hole, no space used), then the VHD footer. */
async function finishNative(path: string, diskSize: number, vhdFooter: boolean): Promise<void> {
  const fh = await open(path, 'r+');
  try {
    await fh.truncate(diskSize);
    if (vhdFooter) await writeFully(fh, buildFixedVhdFooter({ sizeBytes: diskSize }), diskSize);
    // No fsync: the rename already guards against a killed process, and this disk can be made
    // again from the OS layer; flushing hundreds of MiB would double the time cp takes. The
    // layer repository copy (importDisk), which cannot be remade, is fsynced.
  } finally {
    await fh.close();
  }
  if (vhdFooter && (await stat(path)).size !== diskSize + VHD_FOOTER_SIZE) {
    throw new Error(`internal: VHD ${path} has the wrong length`);
  }
}

function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw new CancelledError();
}

async function removeQuietly(...paths: string[]): Promise<void> {
  await Promise.all(paths.map((p) => rm(p, { force: true }).catch(() => undefined)));
}
