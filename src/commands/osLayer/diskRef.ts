import { constants, promises as fs } from 'node:fs';
import { UsageError } from '../../domain/errors';
import { userPath } from '../../domain/home';
import type { DiskRef } from '../../domain/state';
import type { HyperVGeneration, Ipv6State, PartitionStyle } from '../../domain/vocabulary';

/** What --disk gives an OS layer version: the disk, and how it boots (read from its first sector). */
export interface OsDisk {
  disk: DiskRef;
  partitionStyle: PartitionStyle;
}

/** Checks --disk: a readable disk image file (format probed from its content) or an https blob URL. */
export async function diskRefFromFlag(disk: string): Promise<OsDisk> {
  if (/^https?:\/\//i.test(disk)) {
    let u: URL;
    try {
      u = new URL(disk);
    } catch {
      throw new UsageError(`--disk "${disk}" is not a URL with a host; give https://ACCOUNT.blob.core.windows.net/CONTAINER/DISK.vhd or a local disk image.`);
    }
    // The URL is recorded and later read with the connector's credential: never over plain http.
    if (u.protocol === 'http:') throw new UsageError(`--disk ${disk} is plain http (readable and changeable on the way); give the https:// URL of the blob.`);
    if (u.search) throw new UsageError('--disk URL must not carry a query (a SAS token is a secret and is never stored); give the plain blob URL.');
    if (!u.pathname.toLowerCase().endsWith('.vhd')) throw new UsageError(`--disk ${disk}: a blob OS disk must be a .vhd page blob.`);
    return { disk: { location: disk, format: 'vhd', sizeBytes: 0 }, partitionStyle: 'unknown' };
  }
  const abs = userPath(disk);
  let st;
  try {
    st = await fs.stat(abs);
  } catch {
    throw new UsageError(`--disk ${abs} does not exist; give the path of the OS disk image (vhd, vhdx, vmdk, qcow2 or raw).`);
  }
  if (!st.isFile()) throw new UsageError(`--disk ${abs} is not a file; give the path of the OS disk image.`);
  if (st.size === 0) throw new UsageError(`--disk ${abs} is empty; give the path of the OS disk image.`);
  try {
    await fs.access(abs, constants.R_OK);
  } catch {
    throw new UsageError(`--disk ${abs} cannot be read (permission denied); make it readable for this user.`);
  }
  const { probeDiskImage } = await import('../../disk/probe.js');
  const probe = await probeDiskImage(abs).catch((e: Error) => {
    // The probe's own errors name the damage (e.g. a VHDX without its metadata): bad input here.
    throw e instanceof UsageError ? e : new UsageError(`--disk ${e.message.replace(/\.$/, '')}; give a complete, undamaged disk image.`);
  });
  const { checkDiskImage } = await import('../../disk/imageCheck.js');
  await checkDiskImage(abs, probe).catch((e: Error) => {
    throw new UsageError(`--disk ${e.message.replace(/\.$/, '')}; give a complete, undamaged disk image (vhd, vhdx, vmdk, qcow2 or raw).`);
  });
  const { detectPartitionStyle } = await import('../../disk/partitionStyle.js');
  const partitionStyle = await detectPartitionStyle(abs, probe);
  return { disk: { location: abs, format: probe.format, sizeBytes: probe.virtualSizeBytes }, partitionStyle };
}

/**
 * --generation V1|V2 wins; otherwise a GPT disk (protective MBR) needs a generation 2 VM and
 * anything else boots as generation 1.
 */
export function generationFromFlag(value: unknown, partitionStyle: PartitionStyle): HyperVGeneration {
  if (value === undefined) return partitionStyle === 'gpt' ? 'V2' : 'V1';
  const v = String(value).toUpperCase();
  if (v !== 'V1' && v !== 'V2') throw new UsageError(`--generation "${String(value)}" must be V1 (BIOS, MBR disk) or V2 (UEFI, GPT disk).`);
  // BIOS firmware reads only an MBR partition table: a GPT disk (protective MBR) never boots on V1.
  if (v === 'V1' && partitionStyle === 'gpt')
    throw new UsageError('--generation V1 boots with BIOS, which cannot boot this GPT disk (it has a protective MBR); leave out --generation (a GPT disk is V2), or give an MBR disk.');
  return v;
}

export function ipv6FromFlag(value: unknown): Ipv6State {
  const v = String(value ?? 'enabled');
  if (v !== 'enabled' && v !== 'disabled') throw new UsageError(`--ipv6 "${v}" must be enabled or disabled.`);
  return v;
}
