/**
 * A build whose connector cannot reach the machine (the file share) stops at ActionRequired with
 * its steps written as one PowerShell script beside the packaging disk, for the operator to run
 * on the machine. It is Windows PowerShell 5.1 compatible, resumes after a restart with -From N,
 * and ends with ShutdownForFinalize.ps1 -Shutdown writing the report elm finalize reads.
 * Secrets are never written: the script reads them from $env: and refuses to start without them.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { BuildStep } from './buildSpec';
import { checkSourceUnchanged } from './fileSource';

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

export async function writeHandScript(diskLocation: string, layer: string, steps: BuildStep[], secretNames: string[], probeScript: string): Promise<HandScript> {
  const where = handScriptPaths(diskLocation);
  const stem = path.basename(diskLocation).replace(/\.[^.]+$/, '');
  await fs.mkdir(where.filesDir, { recursive: true });
  await fs.writeFile(path.join(path.dirname(diskLocation), 'ShutdownForFinalize.ps1'), probeScript);
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
    if (step.kind === 'script') {
      // Its own file, called with &: an `exit N` in it returns N here instead of ending this script.
      const file = `${n}-step.ps1`;
      await fs.writeFile(path.join(where.filesDir, file), step.script);
      lines.push('  $global:LASTEXITCODE = 0', `  & ${besideScript(`${stem}.build-files`, file)}`);
      lines.push('  if ($LASTEXITCODE -eq 3010 -or $LASTEXITCODE -eq 1641) {');
      lines.push(`    Write-Host 'The installer asks for a restart: restart the machine, then run this script with -From ${n + 1}.'; exit 3010`);
      lines.push('  }');
      lines.push(`  if ($LASTEXITCODE -ne 0) { $host.UI.WriteErrorLine(${psQuote(`Step ${n} (${step.name}) failed; fix it, then run this script with -From ${n}.`)}); exit $LASTEXITCODE }`);
    } else if (step.kind === 'file') {
      if (step.source.startsWith('https://')) {
        lines.push(`  Invoke-WebRequest -UseBasicParsing -Uri ${psQuote(step.source)} -OutFile ${psQuote(step.destination)}`);
      } else {
        const copy = `${n}-${path.basename(step.source)}`;
        // The file the build started with, checked on both sides of the copy (it may be edited meanwhile).
        await checkSourceUnchanged(step);
        await fs.copyFile(step.source, path.join(where.filesDir, copy));
        await checkSourceUnchanged(step);
        lines.push(`  New-Item -ItemType Directory -Force -Path (Split-Path -Parent ${psQuote(step.destination)}) | Out-Null`);
        lines.push(`  Copy-Item -Force -Path ${besideScript(`${stem}.build-files`, copy)} -Destination ${psQuote(step.destination)}`);
      }
    } else if (step.kind === 'restart') {
      const wait = step.waitFor ? `; after it, wait until ${step.waitFor} exists` : '';
      lines.push(`  Write-Host ${psQuote(`Restarting. When the machine is back${wait}, run this script with -From ${n + 1}.`)}`);
      lines.push('  Restart-Computer -Force; exit 0');
    } else {
      lines.push(`  & ${besideScript('ShutdownForFinalize.ps1')} -ExpediteNGen`);
    }
    lines.push('}');
  }
  lines.push('', "Write-Host '== layer integrity check, and shut down when nothing blocks finalize'");
  lines.push(`& ${besideScript('ShutdownForFinalize.ps1')} -ReportPath ${besideScript(`${stem}.integrity.json`)} -Shutdown`);
  await fs.writeFile(where.scriptPath, `${lines.join('\r\n')}\r\n`);
  return where;
}
