/**
 * Tells which disk format a file holds and how big the disk is, reading only headers (a few
 * KiB at known offsets), never the whole file: OS layer disks are tens of GiB.
 */
import { open, type FileHandle } from 'node:fs/promises';
import type { DiskFormat } from '../domain/vocabulary';
import { ElmError } from '../domain/errors';
import { parseVhdFooter, VHD_DISK_TYPE, VHD_FOOTER_SIZE } from './vhd';

export interface DiskProbe {
  format: DiskFormat;
  /** The size of the disk the guest sees. */
  virtualSizeBytes: number;
  /**
   * Where the disk's bytes lie in order inside the file: raw and fixed VHD only (`rawData`).
   * For other formats the bytes are scattered by the format's tables, so both are 0.
   */
  dataOffset: number;
  dataLength: number;
  fileSizeBytes: number;
  /** True when dataOffset/dataLength hold the disk's bytes, so elm can copy them without qemu-img. */
  rawData: boolean;
  /** VHD only: a dynamic or differencing VHD (block tables), which must be converted first. */
  dynamic?: boolean;
}

// VHDX (MS-VHDX): GUIDs of the metadata region and of its Virtual Disk Size item.
const VHDX_METADATA_REGION = guidBytes('8B7CA206-4790-4B9A-B8FE-575F050F886E');
const VHDX_VIRTUAL_DISK_SIZE = guidBytes('2FA54224-CD1B-4876-B211-5DBED83BF4B8');
const VHDX_REGION_TABLE_OFFSETS = [192 * 1024, 256 * 1024]; // primary, then backup copy
const VHDX_METADATA_TABLE_SIZE = 64 * 1024;

export async function probeDiskImage(path: string): Promise<DiskProbe> {
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ElmError(`Disk image not found: ${path}`);
    throw e;
  }
  try {
    const st = await fh.stat();
    if (!st.isFile() && !st.isBlockDevice()) throw new ElmError(`Not a disk image file: ${path}`);
    const fileSizeBytes = st.size;
    const head = await readAt(fh, 0, 4096);
    const notRaw = { dataOffset: 0, dataLength: 0, fileSizeBytes, rawData: false };

    // Dynamic and differencing VHDs start with a copy of the footer; fixed ones only end with it.
    if (head.toString('latin1', 0, 8) === 'conectix') {
      const footer = parseVhdFooter(head) ?? parseVhdFooter(await readAt(fh, fileSizeBytes - VHD_FOOTER_SIZE, VHD_FOOTER_SIZE));
      if (!footer) throw new ElmError(`Corrupt VHD (bad footer checksum): ${path}`);
      if (footer.diskType === VHD_DISK_TYPE.fixed && fileSizeBytes === VHD_FOOTER_SIZE) {
        return { format: 'vhd', virtualSizeBytes: 0, dataOffset: 0, dataLength: 0, fileSizeBytes, rawData: true };
      }
      return { format: 'vhd', virtualSizeBytes: footer.currentSize, ...notRaw, dynamic: true };
    }
    if (head.toString('latin1', 0, 8) === 'vhdxfile') {
      return { format: 'vhdx', virtualSizeBytes: await vhdxVirtualSize(fh, path), ...notRaw };
    }
    if (head.toString('latin1', 0, 4) === 'QFI\xfb') {
      return { format: 'qcow2', virtualSizeBytes: Number(head.readBigUInt64BE(24)), ...notRaw };
    }
    if (head.toString('latin1', 0, 4) === 'KDMV') {
      // Hosted sparse extent header, little-endian: capacity in sectors at offset 12.
      return { format: 'vmdk', virtualSizeBytes: Number(head.readBigUInt64LE(12)) * 512, ...notRaw };
    }
    if (head.toString('latin1', 0, 21) === '# Disk DescriptorFile') {
      return { format: 'vmdk', virtualSizeBytes: vmdkDescriptorSize(head.toString('latin1')), ...notRaw };
    }
    if (fileSizeBytes >= VHD_FOOTER_SIZE) {
      const footer = parseVhdFooter(await readAt(fh, fileSizeBytes - VHD_FOOTER_SIZE, VHD_FOOTER_SIZE));
      if (footer && footer.diskType === VHD_DISK_TYPE.fixed) {
        const dataLength = fileSizeBytes - VHD_FOOTER_SIZE;
        return { format: 'vhd', virtualSizeBytes: footer.currentSize, dataOffset: 0, dataLength, fileSizeBytes, rawData: true };
      }
    }
    return { format: 'raw', virtualSizeBytes: fileSizeBytes, dataOffset: 0, dataLength: fileSizeBytes, fileSizeBytes, rawData: true };
  } finally {
    await fh.close();
  }
}

async function readAt(fh: FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  if (position < 0) return buf;
  const { bytesRead } = await fh.read(buf, 0, length, position);
  return buf.subarray(0, bytesRead);
}

/** Region table → metadata region → metadata table → Virtual Disk Size item (all little-endian). */
async function vhdxVirtualSize(fh: FileHandle, path: string): Promise<number> {
  for (const tableOffset of VHDX_REGION_TABLE_OFFSETS) {
    const table = await readAt(fh, tableOffset, 4096);
    if (table.length < 16 || table.toString('latin1', 0, 4) !== 'regi') continue;
    const entries = Math.min(table.readUInt32LE(8), Math.floor((table.length - 16) / 32));
    for (let i = 0; i < entries; i++) {
      const e = 16 + i * 32;
      if (!table.subarray(e, e + 16).equals(VHDX_METADATA_REGION)) continue;
      const regionOffset = Number(table.readBigUInt64LE(e + 16));
      const meta = await readAt(fh, regionOffset, VHDX_METADATA_TABLE_SIZE);
      if (meta.length < 32 || meta.toString('latin1', 0, 8) !== 'metadata') break;
      const items = Math.min(meta.readUInt16LE(10), Math.floor((meta.length - 32) / 32));
      for (let j = 0; j < items; j++) {
        const m = 32 + j * 32;
        if (!meta.subarray(m, m + 16).equals(VHDX_VIRTUAL_DISK_SIZE)) continue;
        const value = await readAt(fh, regionOffset + meta.readUInt32LE(m + 16), 8);
        if (value.length === 8) return Number(value.readBigUInt64LE(0));
      }
    }
  }
  throw new ElmError(`Corrupt VHDX (no virtual disk size in its metadata): ${path}`);
}

/** Sum of the extent lines' sector counts, e.g. `RW 41943040 SPARSE "disk-s001.vmdk"`. */
function vmdkDescriptorSize(text: string): number {
  let sectors = 0;
  for (const m of text.matchAll(/^\s*(?:RW|RDONLY|NOACCESS)\s+(\d+)\s+/gm)) sectors += Number(m[1]);
  return sectors * 512;
}

/** A GUID as stored on disk: the first three fields little-endian, the last eight bytes as written. */
function guidBytes(guid: string): Buffer {
  const hex = guid.replace(/-/g, '');
  const b = Buffer.from(hex, 'hex');
  b.subarray(0, 4).reverse();
  b.subarray(4, 6).reverse();
  b.subarray(6, 8).reverse();
  return b;
}
