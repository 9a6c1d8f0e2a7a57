import { promises as fs } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../../domain/errors';
import type { DiskRef } from '../../domain/state';
import type { Ipv6State } from '../../domain/vocabulary';

/** Checks --disk: a readable disk image file (format probed from its content) or an https blob URL. */
export async function diskRefFromFlag(disk: string): Promise<DiskRef> {
  if (/^https?:\/\//i.test(disk)) {
    const u = new URL(disk);
    if (u.search) throw new UsageError('--disk URL must not carry a query (a SAS token is a secret and is never stored); give the plain blob URL.');
    if (!u.pathname.toLowerCase().endsWith('.vhd')) throw new UsageError(`--disk ${disk}: a blob OS disk must be a .vhd page blob.`);
    return { location: disk, format: 'vhd', sizeBytes: 0 };
  }
  const abs = path.resolve(disk);
  let st;
  try {
    st = await fs.stat(abs);
  } catch {
    throw new UsageError(`--disk ${abs} does not exist; give the path of the OS disk image (vhd, vhdx, vmdk, qcow2 or raw).`);
  }
  if (!st.isFile()) throw new UsageError(`--disk ${abs} is not a file; give the path of the OS disk image.`);
  if (st.size === 0) throw new UsageError(`--disk ${abs} is empty; give the path of the OS disk image.`);
  const { probeDiskImage } = await import('../../disk/probe.js');
  const probe = await probeDiskImage(abs);
  return { location: abs, format: probe.format, sizeBytes: probe.virtualSizeBytes };
}

export function ipv6FromFlag(value: unknown): Ipv6State {
  const v = String(value ?? 'enabled');
  if (v !== 'enabled' && v !== 'disabled') throw new UsageError(`--ipv6 "${v}" must be enabled or disabled.`);
  return v;
}
