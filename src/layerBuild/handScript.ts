/**
 * A build whose connector cannot reach the machine (the file share) stops at ActionRequired with
 * its steps written as one PowerShell script beside the packaging disk, for the operator to run
 * on the machine. It is Windows PowerShell 5.1 compatible (each .ps1 UTF-8 with a BOM, which 5.1 needs to read non-ASCII text), resumes after a restart with -From N,
 * and ends with ShutdownForFinalize.ps1 -Shutdown writing the report elm finalize reads.
 * Secrets are never written: the script reads them from $env: and refuses to start without them.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { BuildStep } from './buildSpec';
import { checkSourceUnchanged } from './fileSource';
import { ps1Bytes } from './powershellFile';

/** 'it''s' — a PowerShell single-quoted literal, where nothing is expanded. */
export function psQuote(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/** A path under the script's folder, built with Join-Path alone (5.1 has no -AdditionalChildPath). */
function besideScript(...parts: string[]): string {
  return parts.reduce((acc, part) => `(Join-Path ${acc} ${psQuote(part)})`, '$PSScriptRoot');
}

export interface HandScript {
  scriptPath: string;
  /** Local files the script copies, placed in a folder beside it. */
  filesDir: string;
}

/** Where the script and its files go: `<share>/<stem>.build.ps1` and `<share>/<stem>.build-files/`. */
export function handScriptPaths(diskLocation: string): HandScript {
  const dir = path.dirname(diskLocation);
  const stem = path.basename(diskLocation).replace(/\.[^.]+$/, '');
  return { scriptPath: path.join(dir, `${stem}.build.ps1`), filesDir: path.join(dir, `${stem}.build-files`) };
}

export interface HandScriptInput {
  layer: string;
  steps: BuildStep[];
  secretNames: string[];
  probeScript: string;
  /** The probe's -PvsVersion/-KmsRearm/-ExpectIPv6 for this version, as deploy-link prints them. */
  probeArgs: string[];
}

/** The line a failed step ends with, whether it exited non-zero or threw. */
function failedLine(n: number, name: string): string {
  return psQuote(`Step ${n} (${name}) failed; fix it, then run this script with -From ${n}.`);
}

export async function writeHandScript(diskLocation: string, input: HandScriptInput): Promise<HandScript> {
  const { layer, steps, secretNames, probeScript, probeArgs } = input;
  const where = handScriptPaths(diskLocation);
  const stem = path.basename(diskLocation).replace(/\.[^.]+$/, '');
  const files = `${stem}.build-files`;
  await fs.mkdir(where.filesDir, { recursive: true });
  // In the build's own folder: finalize removes it with the build's files, and no other build shares it.
  await fs.writeFile(path.join(where.filesDir, 'ShutdownForFinalize.ps1'), ps1Bytes(probeScript));
  const lines: string[] = [
    `# elm build of "${layer.replace(/[\r\n]/g, ' ')}": run elevated on the packaging machine, from the share.`,
    '# After a restart, run it again with -From N (it says which N).',
    'param([int]$From = 1)',
    "$ErrorActionPreference = 'Stop'",
    `$secretNames = @(${secretNames.map(psQuote).join(', ')})`,
    'foreach ($name in $secretNames) {',
    "  if (-not (Test-Path \"env:$name\")) { $host.UI.WriteErrorLine(\"Set the secret first: `$env:$name = '...' (it is never written to the share).\"); exit 2 }",
    '}',
  ];
  for (const [i, step] of steps.entries()) {
    const n = i + 1;
    lines.push('', `if ($From -le ${n}) {`, `  Write-Host ${psQuote(`== step ${n}/${steps.length}: ${step.name}`)}`);
    // A step that throws (a cmdlet under -ErrorAction Stop) says the same as one that exits non-zero.
    lines.push('  try {');
    lines.push(...(await stepLines(step, n, files, where.filesDir)).map((l) => `  ${l}`));
    lines.push(`  } catch { $host.UI.WriteErrorLine(${failedLine(n, step.name)}); $host.UI.WriteErrorLine([string]$_); exit 1 }`);
    lines.push('}');
  }
  const probe = `& ${besideScript(files, 'ShutdownForFinalize.ps1')}`;
  const extra = probeArgs.map((a) => (a.startsWith('-') ? a : psQuote(a))).join(' ');
  lines.push('', "Write-Host '== layer integrity check, and shut down when nothing blocks finalize'");
  lines.push(`${probe} -ReportPath ${besideScript(`${stem}.integrity.json`)} -Shutdown${extra ? ` ${extra}` : ''}`);
  await fs.writeFile(where.scriptPath, ps1Bytes(`${lines.join('\r\n')}\r\n`));
  return where;
}

/** One step's PowerShell, its local files copied into the build's folder. */
async function stepLines(step: BuildStep, n: number, files: string, filesDir: string): Promise<string[]> {
  if (step.kind === 'script') {
    // Its own file, called with &: an `exit N` in it returns N here instead of ending this script.
    const file = `${n}-step.ps1`;
    await fs.writeFile(path.join(filesDir, file), ps1Bytes(step.script));
    return [
      '$global:LASTEXITCODE = 0',
      `& ${besideScript(files, file)}`,
      'if ($LASTEXITCODE -eq 3010 -or $LASTEXITCODE -eq 1641) {',
      `  Write-Host 'The installer asks for a restart: restart the machine, then run this script with -From ${n + 1}.'; exit 3010`,
      '}',
      `if ($LASTEXITCODE -ne 0) { $host.UI.WriteErrorLine(${failedLine(n, step.name)}); exit $LASTEXITCODE }`,
    ];
  }
  if (step.kind === 'file') {
    if (step.source.startsWith('https://')) return [`Invoke-WebRequest -UseBasicParsing -Uri ${psQuote(step.source)} -OutFile ${psQuote(step.destination)}`];
    const copy = `${n}-${path.basename(step.source)}`;
    // The file the build started with, checked on both sides of the copy (it may be edited meanwhile).
    await checkSourceUnchanged(step);
    await fs.copyFile(step.source, path.join(filesDir, copy));
    await checkSourceUnchanged(step);
    return [
      `New-Item -ItemType Directory -Force -Path (Split-Path -Parent ${psQuote(step.destination)}) | Out-Null`,
      `Copy-Item -Force -Path ${besideScript(files, copy)} -Destination ${psQuote(step.destination)}`,
    ];
  }
  if (step.kind === 'restart') {
    const wait = step.waitFor ? `; after it, wait until ${step.waitFor} exists` : '';
    return [`Write-Host ${psQuote(`Restarting. When the machine is back${wait}, run this script with -From ${n + 1}.`)}`, 'Restart-Computer -Force; exit 0'];
  }
  return [`& ${besideScript(files, 'ShutdownForFinalize.ps1')} -ExpediteNGen`];
}
