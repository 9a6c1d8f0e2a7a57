import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { IntegrityReport } from '../../integrity/report';

/** `azplat.vhd` → `<share>/azplat.integrity.json` (the README's How it is built): where the probe writes its report. */
export function shareReportPath(diskLocation: string): string {
  const dir = path.dirname(diskLocation);
  const stem = path.basename(diskLocation).replace(/\.[^.]+$/, '');
  return path.join(dir, `${stem}.integrity.json`);
}

/** Reads and validates the report beside the disk; null when there is none yet. Malformed → UsageError. */
export async function readShareReport(diskLocation: string): Promise<{ path: string; report: IntegrityReport } | null> {
  const file = shareReportPath(diskLocation);
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  const { decodeReportBytes, parseIntegrityReport } = await import('../../integrity/report.js');
  return { path: file, report: parseIntegrityReport(decodeReportBytes(bytes), file) };
}
