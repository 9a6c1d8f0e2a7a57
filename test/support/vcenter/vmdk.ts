/**
 * Just enough VMDK reading for the vCenter fake: the disk type (`createType`), the capacity and the
 * extent files of a sparse/stream-optimized file (KDMV header + embedded descriptor) or of a text
 * descriptor (`# Disk DescriptorFile`, with `-flat.vmdk` style extents).
 *
 * ESXi runs only its own disk types; hosted ones (what Workstation and `qemu-img` write by
 * default: monolithicSparse, streamOptimized, ...) fail at power-on with "Unsupported or invalid
 * disk type ... Ensure that the disk has been imported" until converted (vmkfstools -i,
 * VirtualDiskManager, or an OVF import). The fake reproduces that refusal.
 */
import * as fs from 'node:fs';

export interface VmdkInfo {
  createType: string;
  capacityBytes: number;
  /** Extent file names, relative to the descriptor's folder (empty for a single-file sparse disk). */
  extents: string[];
}

export const ESXI_DISK_TYPES = new Set([
  'vmfs', 'vmfsThin', 'vmfsSparse', 'seSparse', 'vsanSparse', 'vmfsRaw', 'vmfsRawDeviceMap', 'vmfsPassthroughRawDeviceMap',
]);

export function inspectVmdk(localPath: string): VmdkInfo | { error: string } {
  let fd: number;
  try {
    fd = fs.openSync(localPath, 'r');
  } catch {
    return { error: 'file not found' };
  }
  try {
    const head = Buffer.alloc(64 * 1024);
    const n = fs.readSync(fd, head, 0, head.length, 0);
    const buf = head.subarray(0, n);
    if (n >= 512 && buf.toString('latin1', 0, 4) === 'KDMV') {
      const flags = buf.readUInt32LE(8);
      const capacityBytes = Number(buf.readBigUInt64LE(12)) * 512;
      const descOffset = Number(buf.readBigUInt64LE(28)) * 512;
      const descSize = Number(buf.readBigUInt64LE(36)) * 512;
      let createType = (flags & 0x10000) !== 0 ? 'streamOptimized' : 'monolithicSparse';
      if (descOffset > 0 && descSize > 0 && descSize <= 1024 * 1024) {
        const desc = Buffer.alloc(descSize);
        fs.readSync(fd, desc, 0, descSize, descOffset);
        const parsed = parseDescriptor(desc.toString('latin1').replace(/\0+$/, ''));
        if (parsed.createType) createType = parsed.createType;
      }
      return { createType, capacityBytes, extents: [] };
    }
    const textHead = buf.toString('latin1');
    if (/^\s*#\s*Disk DescriptorFile/i.test(textHead) || /^\s*createType\s*=/m.test(textHead)) {
      const parsed = parseDescriptor(textHead);
      return { createType: parsed.createType ?? 'unknown', capacityBytes: parsed.sectors * 512, extents: parsed.extents };
    }
    return { error: 'not a virtual disk (no VMDK header or descriptor)' };
  } finally {
    fs.closeSync(fd);
  }
}

function parseDescriptor(text: string): { createType?: string; sectors: number; extents: string[] } {
  const createType = /^\s*createType\s*=\s*"([^"]*)"/m.exec(text)?.[1];
  let sectors = 0;
  const extents: string[] = [];
  for (const m of text.matchAll(/^\s*(RW|RDONLY|NOACCESS)\s+(\d+)\s+(\w+)(?:\s+"([^"]*)")?/gm)) {
    sectors += Number(m[2]);
    if (m[4] && m[3] !== 'ZERO') extents.push(m[4]);
  }
  return { createType, sectors, extents };
}

/** A minimal ESXi `vmfs` descriptor for a flat extent (what a new_vmdk gets in the fake). */
export function vmfsDescriptor(capacityBytes: number, extentName: string): string {
  const sectors = Math.ceil(capacityBytes / 512);
  return [
    '# Disk DescriptorFile', 'version=1', 'CID=fffffffe', 'parentCID=ffffffff', 'createType="vmfs"', '',
    '# Extent description', `RW ${sectors} VMFS "${extentName}"`, '',
    '# The Disk Data Base', '#DDB', 'ddb.adapterType = "lsilogic"', 'ddb.virtualHWVersion = "14"', '',
  ].join('\n');
}
