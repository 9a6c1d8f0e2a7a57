/**
 * The partition style of a disk image, read from its first sector (the MBR): a protective MBR
 * (a partition of type 0xEE, UEFI spec §5.2.3) means GPT, so the disk boots only on UEFI firmware
 * (Hyper-V generation 2, a vSphere VM with EFI firmware); any other valid MBR means BIOS boot.
 * A blank disk (no 0x55AA signature) is `unknown`.
 */
import { open } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promises as fs } from 'node:fs';
import type { DiskFormat } from '../domain/vocabulary';
import type { DiskProbe } from './probe';

export type PartitionStyle = 'gpt' | 'mbr' | 'unknown';

const SECTOR = 512;
const PARTITION_TABLE = 446;
const GPT_PROTECTIVE = 0xee;

/** Classifies a first sector: GPT (protective MBR), MBR, or unknown (no boot signature). */
export function partitionStyleOfSector(sector: Buffer): PartitionStyle {
  if (sector.length < SECTOR || sector[510] !== 0x55 || sector[511] !== 0xaa) return 'unknown';
  for (let i = 0; i < 4; i++) {
    if (sector[PARTITION_TABLE + i * 16 + 4] === GPT_PROTECTIVE) return 'gpt';
  }
  return 'mbr';
}

/**
 * Reads the first sector of the disk the guest sees. Raw and fixed VHD hold it in place; other
 * formats map it through their tables, so qemu-img reads it (`dd` of one sector).
 */
export async function detectPartitionStyle(file: string, probe: Pick<DiskProbe, 'format' | 'rawData' | 'dataOffset'>, signal?: AbortSignal): Promise<PartitionStyle> {
  if (probe.rawData) {
    const fh = await open(file, 'r');
    try {
      const sector = Buffer.alloc(SECTOR);
      const { bytesRead } = await fh.read(sector, 0, SECTOR, probe.dataOffset);
      return partitionStyleOfSector(sector.subarray(0, bytesRead));
    } finally {
      await fh.close();
    }
  }
  return partitionStyleOfSector(await firstSectorThroughQemu(file, probe.format, signal));
}

async function firstSectorThroughQemu(file: string, format: DiskFormat, signal?: AbortSignal): Promise<Buffer> {
  const { runQemuImg, qemuFormatName } = await import('./qemuImg.js');
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'elm-sector-'));
  try {
    const out = path.join(dir, 'sector0');
    await runQemuImg(['dd', '-f', qemuFormatName(format), '-O', 'raw', `bs=${SECTOR}`, 'count=1', `if=${file}`, `of=${out}`], { neededFor: format, signal });
    return await fs.readFile(out);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}
