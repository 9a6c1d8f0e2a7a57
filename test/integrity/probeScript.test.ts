import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BLOCKERS, PROBE_BLOCKER_IDS } from '../../src/integrity/blockers';
import { probeScriptCandidates, probeScriptPath, readProbeScript } from '../../src/integrity/probeScript';
import { parseIntegrityReport } from '../../src/integrity/report';

const SEED_MESSAGES = [
  'A reboot is pending to update drivers on the boot disk - please check and reboot the Packaging Machine.',
  'A post-installation reboot is pending - please check and reboot the Packaging Machine.',
  'An MSI install operation is in progress - please check the Packaging Machine.',
  'A Microsoft NGen operation is in progress in the background.',
];

/** The script without comment lines / block comments, so checks see code, not documentation. */
function codeOf(ps1: string): string {
  return ps1
    .replace(/<#[\s\S]*?#>/g, '')
    .split(/\r?\n/)
    .filter((l) => !/^\s*#/.test(l))
    .join('\n');
}

describe('probeScript', () => {
  it('finds the shipped script from src (ts-jest) and lists the dist layout first', () => {
    const p = probeScriptPath();
    expect(path.isAbsolute(p)).toBe(true);
    expect(p.endsWith(path.join('src', 'integrity', 'ShutdownForFinalize.ps1'))).toBe(true);
    expect(existsSync(p)).toBe(true);
    const fromDist = probeScriptCandidates(path.join('/pkg', 'dist', 'integrity'));
    expect(fromDist[0]).toBe(path.join('/pkg', 'src', 'integrity', 'ShutdownForFinalize.ps1'));
  });
});

describe('ShutdownForFinalize.ps1', () => {
  let ps1 = '';
  let code = '';
  beforeAll(async () => {
    ps1 = await readProbeScript();
    code = codeOf(ps1);
  });

  it('declares its parameters', () => {
    const param = /param\s*\(([\s\S]*?)\n\)\s*\n/i.exec(code)?.[1] ?? '';
    expect(param).toMatch(/\[string\]\s*\$ReportPath/);
    expect(param).toMatch(/\[switch\]\s*\$Shutdown\b/);
    expect(param).toMatch(/\[switch\]\s*\$ExpediteNGen\b/);
    // Under Azure Run Command's 90-minute limit, so a report always comes back.
    expect(param).toMatch(/\[int\]\s*\$NGenWaitMinutes\s*=\s*80\b/);
  });

  it('-ExpediteNGen never stops NGen nor reboots', () => {
    const expedite = /function Invoke-ExpediteNGen\(([\s\S]*?)\n\}/.exec(code)?.[1] ?? '';
    expect(expedite).toContain("@(@('update', '/force'), @('executeQueuedItems'))");
    expect(expedite).not.toMatch(/Stop-Process|Restart-Computer|taskkill|ngen\S* (?:uninstall|\/delete)/i);
  });

  it.each([
    ['pending file renames', 'PendingFileRenameOperations'],
    ['CBS reboot pending', "@('RebootPending', 'RebootInProgress', 'PackagesPending')"],
    ['Windows Update reboot required', 'WindowsUpdate\\Auto Update\\RebootRequired'],
    ['update.exe volatile', 'Updates\\UpdateExeVolatile'],
    ['MSI in progress key', 'Installer\\InProgress'],
    ['MSI mutex', "OpenExisting('Global\\_MSIExecute')"],
    ['MSI mutex taken, not just present', '$mutex.WaitOne(0)'],
    ['NGen worker', "'mscorsvw.exe', 'ngentask.exe'"],
    ['NGen queue status', "@('queue', 'status')"],
    ['NGen expedite', "@('update', '/force')"],
    ['NGen queued items', "@('executeQueuedItems')"],
    ['NGen stopped message', "'The .NET Runtime Optimization Service is stopped'"],
    ['NGen framework folders', "'\\Microsoft.NET\\'"],
    ['boot-disk devices', 'ConfigManagerErrorCode = 14'],
    ['last boot', 'LastBootUpTime'],
    ['RunOnce', 'CurrentVersion\\RunOnce'],
    ['RunOnce WOW64', 'WOW6432Node\\Microsoft\\Windows\\CurrentVersion\\RunOnce'],
    ['SMSCFG.INI', "'SMSCFG.INI'"],
    ['IPv6 DisabledComponents', 'Tcpip6\\Parameters'],
    ['PVS target device', 'Citrix Provisioning*Target Device*'],
    ['KMS', 'SoftwareProtectionPlatform'],
  ])('reads %s (%s)', (_what, needle) => {
    expect(code).toContain(needle);
  });

  it('looks for ngen.exe in Framework and Framework64, v4 and v2.0', () => {
    expect(code).toContain("@('Framework', 'Framework64')");
    expect(code).toContain("@('v4.0.30319', 'v2.0.50727')");
    expect(code).toContain("'\\ngen.exe'");
  });

  it('prints the exact four seed messages and every probe blocker message of blockers.ts', () => {
    for (const m of SEED_MESSAGES) expect(ps1).toContain(`'${m}'`);
    for (const id of PROBE_BLOCKER_IDS) {
      expect(code).toContain(`${id} `);
      expect(ps1).toContain(`'${BLOCKERS[id].message}'`);
    }
  });

  it('raises each blocker id it reports', () => {
    for (const id of PROBE_BLOCKER_IDS) expect(code).toContain(`Add-Reason $F '${id}'`);
  });

  it('never reboots', () => {
    expect(code).not.toMatch(/Restart-Computer/i);
    expect(code).not.toMatch(/\/r\b/);
  });

  it('keeps the output stream for the JSON report: one Write-Output, human messages to stderr', () => {
    expect(code).not.toMatch(/Write-Host|Out-Host|\[Console\]::Out/);
    expect((code.match(/Write-Output/g) ?? []).length).toBe(1);
    expect(code).toContain('[Console]::Error.WriteLine');
  });

  it('runs its checks only when invoked as a script, not when dot-sourced', () => {
    expect(code).toMatch(/\nif \(\$MyInvocation\.InvocationName -ne '\.'\) \{/);
  });

  it('writes the report as UTF-8 without BOM and a schema 1 document', () => {
    expect(code).toContain('New-Object System.Text.UTF8Encoding($false)');
    expect(code).toMatch(/schema\s+= 1/);
    for (const key of ['machine', 'at', 'blockers', 'shutdownRequested', 'details']) expect(code).toMatch(new RegExp(`\\b${key}\\s+=`));
    for (const key of ['ipv6Enabled', 'pvsTargetDeviceVersion', 'kmsRearmed', 'runOnce', 'pendingFileRenames']) {
      expect(code).toContain(`$F.Details['${key}']`);
    }
  });
});

/**
 * The script must run on Windows PowerShell 5.1, which Windows ships: no PowerShell 6+ syntax or
 * parameters. Strings and comments are blanked first so only code is checked (the Pester suite
 * checks the same with pwsh's parser, test/probe).
 */
describe('ShutdownForFinalize.ps1 stays Windows PowerShell 5.1 code', () => {
  let bare = '';
  beforeAll(async () => {
    bare = codeOf(await readProbeScript())
      .replace(/'(?:[^']|'')*'/g, "''")
      .replace(/"(?:[^"`]|`.)*"/g, '""')
      .replace(/#.*$/gm, '');
  });
  it.each([
    ['the ternary operator', /\s\?\s[^\n]*\s:\s/],
    ['?? and ??=', /\?\?/],
    ['?. and ?[]', /\?\.|\?\[/],
    ['&& and || pipeline chains', /&&|\|\|/],
    ['ForEach-Object -Parallel', /-Parallel\b/i],
    ['ConvertFrom-Json -AsHashtable', /-AsHashtable\b/i],
    ['Test-Json', /\bTest-Json\b/i],
    ['clean {} blocks', /\bclean\s*\{/i],
    ['the utf8NoBOM encoding name', /utf8NoBOM/i],
    ['$IsWindows / $IsLinux (undefined in 5.1 under strict mode)', /\$Is(?:Windows|Linux|MacOS|CoreCLR)\b/i],
    ['Join-Path -AdditionalChildPath', /-AdditionalChildPath\b/i],
    ['ConvertTo-Json -AsArray / -EnumsAsStrings', /-AsArray\b|-EnumsAsStrings\b/i],
    ['Get-Error', /\bGet-Error\b/i],
  ])('has no %s', (_what, pattern) => {
    expect(bare).not.toMatch(pattern);
  });
});

/** pwsh on PATH or where `dotnet tool install --global PowerShell` puts it. */
const pwsh = [...(process.env.PATH ?? '').split(path.delimiter), path.join(os.homedir(), '.dotnet', 'tools')]
  .map((d) => path.join(d, 'pwsh'))
  .find((p) => existsSync(p));
if (!pwsh) console.warn('ShutdownForFinalize.ps1 -File test skipped: pwsh not found on PATH or in ~/.dotnet/tools.');

(pwsh ? describe : describe.skip)('ShutdownForFinalize.ps1 -File under pwsh', () => {
  it('prints one schema 1 report on stdout, writes it to -ReportPath and does not shut down off Windows', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'elm-probe-'));
    try {
      const reportPath = path.join(dir, 'sub', 'report.json');
      const r = spawnSync(pwsh!, ['-NoProfile', '-ExecutionPolicy', 'Bypass', '-File', probeScriptPath(), '-ReportPath', reportPath, '-Shutdown'], {
        encoding: 'utf8',
        timeout: 180_000,
      });
      expect(r.status).toBe(0);
      expect(r.stdout.trim().split('\n')).toHaveLength(1);
      expect(Buffer.byteLength(r.stdout)).toBeLessThan(3072);
      const report = parseIntegrityReport(r.stdout, 'stdout');
      expect(report.schema).toBe(1);
      if (process.platform !== 'win32') expect(report.shutdownRequested).toBe(false);
      const written = readFileSync(reportPath);
      expect(written[0]).toBe('{'.charCodeAt(0));
      const full = parseIntegrityReport(written.toString('utf8'), reportPath);
      expect([full.at, full.machine, full.blockers]).toEqual([report.at, report.machine, report.blockers]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 200_000);
});
