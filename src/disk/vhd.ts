/**
 * The fixed VHD footer of the Microsoft "Virtual Hard Disk Image Format Specification" (v1.0).
 * A fixed VHD is the raw disk followed by this 512-byte footer, which is why elm can write it
 * natively without qemu-img. All fields are big-endian.
 */
import { randomBytes } from 'node:crypto';

export const VHD_FOOTER_SIZE = 512;
export const MiB = 1024 * 1024;
/** Largest fixed VHD Hyper-V, Azure and qemu accept (2040 GiB). */
export const VHD_MAX_SIZE_BYTES = 2040 * 1024 * MiB;

export const VHD_DISK_TYPE = { fixed: 2, dynamic: 3, differencing: 4 } as const;

const COOKIE = 'conectix';
const FEATURES_RESERVED = 0x00000002; // the spec says this bit must always be set
const FORMAT_VERSION = 0x00010000;
const FIXED_DATA_OFFSET = 0xffffffffffffffffn; // fixed disks have no dynamic header
const VHD_EPOCH_MS = Date.UTC(2000, 0, 1); // timestamps count seconds from 2000-01-01 UTC
/*
 * Creator "win " / "Wi2k" (Hyper-V, version 10.0). Readers such as qemu and Azure take the exact
 * current size only from creators they know use it (Hyper-V, disk2vhd, XenServer); for others,
 * e.g. "vpc " or "qemu", they fall back to the CHS geometry, which rounds the size down and
 * would cut the end of the disk.
 */
const CREATOR_APP = 'win ';
const CREATOR_VERSION = 0x000a0000;
const CREATOR_HOST_OS = 'Wi2k';

const OFF = {
  cookie: 0,
  features: 8,
  version: 12,
  dataOffset: 16,
  timestamp: 24,
  creatorApp: 28,
  creatorVersion: 32,
  creatorHostOs: 36,
  originalSize: 40,
  currentSize: 48,
  cylinders: 56,
  heads: 58,
  sectorsPerTrack: 59,
  diskType: 60,
  checksum: 64,
  uniqueId: 68,
  savedState: 84,
} as const;

export interface ChsGeometry {
  cylinders: number;
  heads: number;
  sectorsPerTrack: number;
}

export interface VhdFooter {
  features: number;
  version: number;
  dataOffset: bigint;
  timestamp: Date;
  creatorApp: string;
  creatorVersion: number;
  creatorHostOs: string;
  originalSize: number;
  currentSize: number;
  geometry: ChsGeometry;
  diskType: number;
  checksum: number;
  uniqueId: Buffer;
  savedState: number;
}

/** Rounds up to a whole MiB: Azure only accepts fixed VHDs whose virtual size is N MiB (file N MiB + 512). */
export function roundUpToMiB(bytes: number): number {
  return Math.ceil(bytes / MiB) * MiB;
}

/** CHS geometry by the spec's algorithm (appendix "CHS Calculation"), integer division throughout. */
export function chsGeometry(sizeBytes: number): ChsGeometry {
  let totalSectors = Math.floor(sizeBytes / 512);
  if (totalSectors > 65535 * 16 * 255) totalSectors = 65535 * 16 * 255;

  let sectorsPerTrack: number;
  let heads: number;
  let cylinderTimesHeads: number;
  if (totalSectors >= 65535 * 16 * 63) {
    sectorsPerTrack = 255;
    heads = 16;
    cylinderTimesHeads = Math.floor(totalSectors / sectorsPerTrack);
  } else {
    sectorsPerTrack = 17;
    cylinderTimesHeads = Math.floor(totalSectors / sectorsPerTrack);
    heads = Math.floor((cylinderTimesHeads + 1023) / 1024);
    if (heads < 4) heads = 4;
    if (cylinderTimesHeads >= heads * 1024 || heads > 16) {
      sectorsPerTrack = 31;
      heads = 16;
      cylinderTimesHeads = Math.floor(totalSectors / sectorsPerTrack);
    }
    if (cylinderTimesHeads >= heads * 1024) {
      sectorsPerTrack = 63;
      heads = 16;
      cylinderTimesHeads = Math.floor(totalSectors / sectorsPerTrack);
    }
  }
  return { cylinders: Math.floor(cylinderTimesHeads / heads), heads, sectorsPerTrack };
}

/** One's complement of the sum of all footer bytes, the checksum field counted as zero. */
export function vhdChecksum(footer: Buffer): number {
  let sum = 0;
  for (let i = 0; i < VHD_FOOTER_SIZE; i++) {
    if (i >= OFF.checksum && i < OFF.checksum + 4) continue;
    sum += footer[i];
  }
  return ~sum >>> 0;
}

export interface FixedVhdFooterOptions {
  /** Virtual size: the bytes before the footer. */
  sizeBytes: number;
  /** 16 bytes; random by default (Hyper-V refuses two attached disks with the same id). */
  uniqueId?: Buffer;
  timestamp?: Date;
}

export function buildFixedVhdFooter({ sizeBytes, uniqueId, timestamp }: FixedVhdFooterOptions): Buffer {
  if (!Number.isSafeInteger(sizeBytes) || sizeBytes < 0 || sizeBytes % 512 !== 0) {
    throw new RangeError(`VHD size must be a whole number of 512-byte sectors, got ${sizeBytes}`);
  }
  const id = uniqueId ?? randomBytes(16);
  if (id.length !== 16) throw new RangeError('VHD unique id must be 16 bytes');
  const when = timestamp ?? new Date();
  const seconds = Math.max(0, Math.floor((when.getTime() - VHD_EPOCH_MS) / 1000)) >>> 0;
  const geometry = chsGeometry(sizeBytes);

  const b = Buffer.alloc(VHD_FOOTER_SIZE);
  b.write(COOKIE, OFF.cookie, 'latin1');
  b.writeUInt32BE(FEATURES_RESERVED, OFF.features);
  b.writeUInt32BE(FORMAT_VERSION, OFF.version);
  b.writeBigUInt64BE(FIXED_DATA_OFFSET, OFF.dataOffset);
  b.writeUInt32BE(seconds, OFF.timestamp);
  b.write(CREATOR_APP, OFF.creatorApp, 'latin1');
  b.writeUInt32BE(CREATOR_VERSION, OFF.creatorVersion);
  b.write(CREATOR_HOST_OS, OFF.creatorHostOs, 'latin1');
  b.writeBigUInt64BE(BigInt(sizeBytes), OFF.originalSize);
  b.writeBigUInt64BE(BigInt(sizeBytes), OFF.currentSize);
  b.writeUInt16BE(geometry.cylinders, OFF.cylinders);
  b.writeUInt8(geometry.heads, OFF.heads);
  b.writeUInt8(geometry.sectorsPerTrack, OFF.sectorsPerTrack);
  b.writeUInt32BE(VHD_DISK_TYPE.fixed, OFF.diskType);
  id.copy(b, OFF.uniqueId);
  b.writeUInt32BE(vhdChecksum(b), OFF.checksum);
  return b;
}

/** Parses a footer (or the footer copy at the start of a dynamic VHD); null unless cookie and checksum match. */
export function parseVhdFooter(buf: Buffer): VhdFooter | null {
  if (buf.length < VHD_FOOTER_SIZE) return null;
  const b = buf.subarray(0, VHD_FOOTER_SIZE);
  if (b.toString('latin1', OFF.cookie, OFF.cookie + 8) !== COOKIE) return null;
  const checksum = b.readUInt32BE(OFF.checksum);
  if (checksum !== vhdChecksum(b)) return null;
  return {
    features: b.readUInt32BE(OFF.features),
    version: b.readUInt32BE(OFF.version),
    dataOffset: b.readBigUInt64BE(OFF.dataOffset),
    timestamp: new Date(VHD_EPOCH_MS + b.readUInt32BE(OFF.timestamp) * 1000),
    creatorApp: b.toString('latin1', OFF.creatorApp, OFF.creatorApp + 4),
    creatorVersion: b.readUInt32BE(OFF.creatorVersion),
    creatorHostOs: b.toString('latin1', OFF.creatorHostOs, OFF.creatorHostOs + 4),
    originalSize: Number(b.readBigUInt64BE(OFF.originalSize)),
    currentSize: Number(b.readBigUInt64BE(OFF.currentSize)),
    geometry: {
      cylinders: b.readUInt16BE(OFF.cylinders),
      heads: b.readUInt8(OFF.heads),
      sectorsPerTrack: b.readUInt8(OFF.sectorsPerTrack),
    },
    diskType: b.readUInt32BE(OFF.diskType),
    checksum,
    uniqueId: Buffer.from(b.subarray(OFF.uniqueId, OFF.uniqueId + 16)),
    savedState: b.readUInt8(OFF.savedState),
  };
}
