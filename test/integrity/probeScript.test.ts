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

  it('-ExpediteNGen stops waiting at its limit and never stops NGen itself', () => {
    const expedite = /function Invoke-ExpediteNGen \{([\s\S]*?)\n\}/.exec(code)?.[1] ?? '';
    expect(expedite).toMatch(/\$deadline = \(Get-Date\)\.AddMinutes\(\$NGenWaitMinutes\)/);
    expect(expedite).toMatch(/if \(\(Get-Date\) -ge \$deadline\) \{[\s\S]*?return/);
    expect(expedite).not.toMatch(/Stop-Process|Restart-Computer|taskkill|ngen\S* (?:uninstall|\/delete)/i);
  });

  it.each([
    ['pending file renames', 'PendingFileRenameOperations'],
    ['CBS reboot pending', 'Component Based Servicing\\RebootPending'],
    ['Windows Update reboot required', 'WindowsUpdate\\Auto Update\\RebootRequired'],
    ['update.exe volatile', 'Updates\\UpdateExeVolatile'],
    ['MSI in progress key', 'Installer\\InProgress'],
    ['MSI mutex', "OpenExisting('Global\\_MSIExecute')"],
    ['NGen worker', "'mscorsvw'"],
    ['NGen queue status', "@('queue', 'status')"],
    ['NGen expedite', "@('update', '/force')"],
    ['NGen stopped message', "'The .NET Runtime Optimization Service is stopped'"],
    ['NGen framework folders', "'Microsoft.NET'"],
    ['RunOnce', 'CurrentVersion\\RunOnce'],
    ['RunOnce WOW64', 'WOW6432Node\\Microsoft\\Windows\\CurrentVersion\\RunOnce'],
    ['SMSCFG.INI', "'SMSCFG.INI'"],
    ['IPv6 DisabledComponents', 'Tcpip6\\Parameters'],
    ['PVS target device', 'Citrix Provisioning*Target Device*'],
    ['KMS', 'SoftwareProtectionPlatform'],
  ])('reads %s (%s)', (_what, needle) => {
    expect(code).toContain(needle);
  });

  it('looks for ngen.exe in each Framework*\\v4* folder', () => {
    expect(code).toMatch(/-like 'Framework\*'/);
    expect(code).toMatch(/-like 'v4\*'/);
    expect(code).toContain("'ngen.exe'");
  });

  it('prints the exact four seed messages and every probe blocker message of blockers.ts', () => {
    for (const m of SEED_MESSAGES) expect(ps1).toContain(`'${m}'`);
    for (const id of PROBE_BLOCKER_IDS) {
      expect(code).toContain(`${id} `);
      expect(ps1).toContain(`'${BLOCKERS[id].message}'`);
    }
  });

  it('adds each blocker id it reports', () => {
    for (const id of PROBE_BLOCKER_IDS) expect(code).toContain(`$blockers.Add('${id}')`);
  });

  it('shuts down only when there are no blockers, after writing and printing the report', () => {
    expect(code).toMatch(/if \(\$Shutdown\) \{\s*\n\s*if \(\$blockers\.Count -ne 0\)/);
    expect(code).toContain('$shutdownRequested = $true');
    expect((code.match(/\$shutdownRequested = \$true/g) ?? []).length).toBe(1);
    const stop = code.indexOf('Stop-Computer -Force');
    expect(stop).toBeGreaterThan(0);
    expect(code.indexOf('WriteAllText(')).toBeLessThan(stop);
    expect(code.indexOf('[Console]::Out.WriteLine($json)')).toBeLessThan(stop);
    expect(code).toContain("'shutdown.exe'");
    expect(code.slice(code.lastIndexOf('if ($shutdownRequested)'))).toContain('Stop-Computer');
  });

  it('never reboots', () => {
    expect(code).not.toMatch(/Restart-Computer/i);
    expect(code).not.toMatch(/\/r\b/);
  });

  it('keeps stdout for the JSON report: human messages go to stderr', () => {
    expect(code).not.toMatch(/Write-Host|Write-Output|Out-Host/);
    expect((code.match(/\[Console\]::Out\.Write/g) ?? []).length).toBe(1);
    expect(code).toContain('[Console]::Error.WriteLine');
  });

  it('writes the report as UTF-8 without BOM and a schema 1 document', () => {
    expect(code).toContain('New-Object System.Text.UTF8Encoding($false)');
    expect(code).toMatch(/schema\s+= 1/);
    for (const key of ['machine', 'at', 'blockers', 'shutdownRequested', 'details']) expect(code).toMatch(new RegExp(`\\b${key}\\s+=`));
    for (const key of ['ipv6Enabled', 'pvsTargetDeviceVersion', 'kmsRearmed', 'runOnce', 'pendingFileRenames']) {
      expect(code).toContain(`$details['${key}']`);
    }
  });
});

const pwsh = (() => {
  const r = spawnSync('pwsh', ['-NoProfile', '-Command', '$PSVersionTable.PSVersion.Major'], { encoding: 'utf8' });
  return r.status === 0;
})();

(pwsh ? describe : describe.skip)('ShutdownForFinalize.ps1 under pwsh', () => {
  it('prints one schema 1 report, writes the same to -ReportPath and does not shut down', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'elm-probe-'));
    try {
      const reportPath = path.join(dir, 'sub', 'report.json');
      const r = spawnSync('pwsh', ['-NoProfile', '-ExecutionPolicy', 'Bypass', '-File', probeScriptPath(), '-ReportPath', reportPath, '-Shutdown'], {
        encoding: 'utf8',
        timeout: 120_000,
      });
      expect(r.status).toBe(0);
      const report = parseIntegrityReport(r.stdout, 'stdout');
      expect(report.schema).toBe(1);
      if (process.platform !== 'win32') expect(report.shutdownRequested).toBe(false);
      const written = readFileSync(reportPath);
      expect(written[0]).toBe('{'.charCodeAt(0));
      expect(parseIntegrityReport(written.toString('utf8'), reportPath)).toEqual(report);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
