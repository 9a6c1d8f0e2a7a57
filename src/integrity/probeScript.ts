/**
 * Where the shipped probe lives. The compiled JS runs from dist/integrity/ while the script stays
 * in src/integrity/ (package.json "files" ships it there); under ts-jest this module runs from
 * src/integrity/ itself. Both layouts are checked.
 */
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { ElmError } from '../domain/errors';

export const PROBE_SCRIPT_NAME = 'ShutdownForFinalize.ps1';

export function probeScriptCandidates(dir: string = __dirname): string[] {
  return [path.join(dir, '..', '..', 'src', 'integrity', PROBE_SCRIPT_NAME), path.join(dir, PROBE_SCRIPT_NAME)];
}

export function probeScriptPath(): string {
  const candidates = probeScriptCandidates();
  const found = candidates.find((c) => existsSync(c));
  if (!found) throw new ElmError(`The layer integrity probe ${PROBE_SCRIPT_NAME} is missing from this elm installation (looked in ${candidates.join(', ')}).`);
  return path.resolve(found);
}

export async function readProbeScript(): Promise<string> {
  return fs.readFile(probeScriptPath(), 'utf8');
}
