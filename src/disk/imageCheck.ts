/**
 * Is the file really a disk image of the format it claims? The probe tells the format from the
 * first bytes; this reads a few more header fields to refuse what would only fail later (in
 * qemu-img, on the platform, or at boot): cut-off files, damaged footers, fake headers, a VMDK
 * descriptor without its data, a file that is no disk at all. Reads headers only, never the data.
 * The layouts are those of the format specifications: Microsoft VHD (2006), QEMU docs/interop/
 * qcow2.txt, VMware Virtual Disk Format 5.0.
 */
import { promises as fs } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from '../domain/errors';
import type { DiskFormat } from '../domain/vocabulary';
import type { DiskProbe } from './probe';
import { parseVhdFooter, VHD_DISK_TYPE, VHD_FOOTER_SIZE } from './vhd';

const SECTOR = 512;

/** The format a file name claims; undefined when the name says nothing (e.g. .img, no extension). */
export function claimedFormat(file: string): DiskFormat | undefined {
  const ext = path.extname(file).toLowerCase();
  const byExt: Record<string, DiskFormat> = { '.vhd': 'vhd', '.vhdx': 'vhdx', '.vmdk': 'vmdk', '.qcow2': 'qcow2', '.qcow': 'qcow2', '.raw': 'raw' };
  return byExt[ext];
}

/** Throws UsageError naming the file and what is wrong with it. */
export async function checkDiskImage(file: string, probe: DiskProbe): Promise<void> {
  const bad = (why: string) => new UsageError(`${file} is not a usable disk image: ${why}.`);
  const claimed = claimedFormat(file);
  const fh = await open(file, 'r');
  try {
    const size = probe.fileSizeBytes;
    const tail = await readAt(fh, Math.max(0, size - VHD_FOOTER_SIZE), VHD_FOOTER_SIZE);
    const tailIsFooter = tail.length === VHD_FOOTER_SIZE && tail.toString('latin1', 0, 8) === 'conectix';
    if (probe.format === 'raw' && tailIsFooter) throw bad('its VHD footer is damaged (bad checksum)');
    if (claimed && claimed !== probe.format) {
      const hint = claimed === 'vhd' ? ' (a VHD ends with a 512-byte footer: is the file cut off?)' : '';
      throw bad(`its name says ${claimed} but its content is ${probe.format === 'raw' ? 'no known disk format' : probe.format}${hint}`);
    }
    switch (probe.format) {
      case 'vhd':
        return await checkVhd(fh, probe, tail, bad);
      case 'qcow2':
        return await checkQcow2(fh, size, bad);
      case 'vmdk':
        return await checkVmdk(fh, file, probe, bad);
      case 'vhdx':
        if (probe.virtualSizeBytes <= 0) throw bad('its VHDX metadata gives no disk size');
        return;
      case 'raw':
        return await checkRaw(fh, size, bad);
    }
  } finally {
    await fh.close();
  }
}

type Bad = (why: string) => UsageError;

async function checkVhd(fh: FileHandle, probe: DiskProbe, tail: Buffer, bad: Bad): Promise<void> {
  if (probe.fileSizeBytes <= VHD_FOOTER_SIZE) throw bad('it is a bare VHD footer with no disk data');
  const footer = parseVhdFooter(tail);
  if (!probe.dynamic) {
    // A fixed VHD is the disk's bytes then the footer: fewer bytes than the footer's size means cut off.
    if (!footer) throw bad('its VHD footer is missing or damaged (is the file cut off?)');
    if (probe.dataLength < footer.currentSize) throw bad(`it holds ${probe.dataLength} bytes of data but its footer says ${footer.currentSize} (the file is cut off)`);
    return;
  }
  // Dynamic and differencing VHDs carry the footer at both ends: a missing end copy means cut off.
  if (!footer) throw bad('the VHD footer at its end is missing or damaged (the file is cut off)');
  if (footer.diskType === VHD_DISK_TYPE.differencing) throw bad('it is a differencing VHD, which needs its parent disk; merge it into a standalone disk first');
  const headerAt = Number(footer.dataOffset);
  const header = await readAt(fh, headerAt, 1024);
  if (header.length < 1024 || header.toString('latin1', 0, 8) !== 'cxsparse') throw bad('its dynamic disk header is missing (the file is cut off or damaged)');
  const batOffset = Number(header.readBigUInt64BE(16));
  const entries = header.readUInt32BE(28);
  if (batOffset + entries * 4 > probe.fileSizeBytes - VHD_FOOTER_SIZE) throw bad('its block allocation table runs past the end of the file (the file is cut off)');
}

async function checkQcow2(fh: FileHandle, size: number, bad: Bad): Promise<void> {
  const h = await readAt(fh, 0, 112);
  if (h.length < 72) throw bad('its qcow2 header is cut off');
  const version = h.readUInt32BE(4);
  if (version !== 2 && version !== 3) throw bad(`its qcow2 header says version ${version} (only 2 and 3 exist)`);
  const clusterBits = h.readUInt32BE(20);
  if (clusterBits < 9 || clusterBits > 21) throw bad(`its qcow2 cluster size 2^${clusterBits} is impossible (2^9 to 2^21)`);
  const virtualSize = Number(h.readBigUInt64BE(24));
  if (virtualSize <= 0) throw bad('its qcow2 header gives a disk size of 0');
  const l1Size = h.readUInt32BE(36);
  const l1Offset = Number(h.readBigUInt64BE(40));
  const refcountOffset = Number(h.readBigUInt64BE(48));
  const cluster = 2 ** clusterBits;
  const tables = [l1Offset, refcountOffset];
  if (tables.some((o) => o === 0 || o % cluster !== 0) || l1Offset + l1Size * 8 > size || refcountOffset >= size)
    throw bad('its qcow2 tables lie outside the file (a fake or cut-off header)');
  if (version === 3 && (h.length < 104 || h.readUInt32BE(100) < 104)) throw bad('its qcow2 version 3 header is too short');
}

async function checkVmdk(fh: FileHandle, file: string, probe: DiskProbe, bad: Bad): Promise<void> {
  const head = await readAt(fh, 0, 4096);
  let descriptor: string;
  if (head.toString('latin1', 0, 4) === 'KDMV') {
    const version = head.readUInt32LE(4);
    if (version < 1 || version > 3) throw bad(`its VMDK sparse header says version ${version}`);
    const grain = Number(head.readBigUInt64LE(20));
    if (grain < 1 || (grain & (grain - 1)) !== 0) throw bad('its VMDK grain size is not a power of two (a fake header)');
    const descOffset = Number(head.readBigUInt64LE(28)) * SECTOR;
    const descSize = Number(head.readBigUInt64LE(36)) * SECTOR;
    descriptor = descSize > 0 ? (await readAt(fh, descOffset, Math.min(descSize, 64 * 1024))).toString('latin1') : '';
  } else {
    descriptor = (await readAt(fh, 0, 64 * 1024)).toString('latin1');
  }
  if (probe.virtualSizeBytes <= 0) throw bad('its VMDK descriptor lists no extents (no disk data)');
  // Each extent file a descriptor names must be there, beside it (ZERO extents have no file).
  for (const m of descriptor.matchAll(/^\s*(?:RW|RDONLY|NOACCESS)\s+\d+\s+(\w+)(?:\s+"([^"]*)")?/gm)) {
    const [, type, name] = m;
    if (type === 'ZERO' || !name) continue;
    const extent = path.resolve(path.dirname(file), name);
    if (extent === path.resolve(file)) continue;
    const st = await fs.stat(extent).catch(() => null);
    if (!st?.isFile()) throw bad(`its descriptor names the extent ${name}, which is not beside it`);
  }
}

/** Magic numbers of common files that are not disks: refused instead of imported as a raw disk. */
const NOT_DISKS: [string, number, Buffer][] = [
  ['a PNG image', 0, Buffer.from('89504e470d0a1a0a', 'hex')],
  ['a JPEG image', 0, Buffer.from('ffd8ff', 'hex')],
  ['a PDF document', 0, Buffer.from('%PDF-')],
  ['a ZIP archive', 0, Buffer.from('504b0304', 'hex')],
  ['a gzip archive', 0, Buffer.from('1f8b', 'hex')],
  ['an xz archive', 0, Buffer.from('fd377a585a00', 'hex')],
  ['a 7-Zip archive', 0, Buffer.from('377abcaf271c', 'hex')],
  ['a bzip2 archive', 0, Buffer.from('BZh')],
  ['an ELF program', 0, Buffer.from('7f454c46', 'hex')],
  ['a Windows program', 0, Buffer.from('MZ')],
  ['a tar archive', 257, Buffer.from('ustar')],
];

async function checkRaw(fh: FileHandle, size: number, bad: Bad): Promise<void> {
  if (size % SECTOR !== 0) throw bad(`a raw disk is whole 512-byte sectors, and ${size} bytes is not`);
  const head = await readAt(fh, 0, 4096);
  for (const [what, at, magic] of NOT_DISKS) {
    if (head.length >= at + magic.length && head.subarray(at, at + magic.length).equals(magic)) throw bad(`it is ${what}`);
  }
  // A disk's first sectors are boot code, partition tables or zeros; text has no NUL byte at all.
  if (head.length > 0 && !head.includes(0)) throw bad('it is a text file');
}

async function readAt(fh: FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  const { bytesRead } = await fh.read(buf, 0, length, position);
  return buf.subarray(0, bytesRead);
}
