/**
 * ShutdownForFinalize.ps1 under real PowerShell: runs the Pester tests (ShutdownForFinalize.Tests.ps1,
 * the real checks against a fake Windows machine) in ONE pwsh process, because pwsh takes seconds to
 * start, and turns each Pester test into a jest test so every blocker shows in the count.
 *
 * pwsh is looked for on PATH and at ~/.dotnet/tools/pwsh (where `dotnet tool install --global
 * PowerShell` puts it), Pester 5+ in the PowerShell module folders (.ci/run installs both). Without
 * them the tests are skipped, saying why; under CI (CI=true) a missing one fails instead.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

interface PesterTest {
  name: string;
  result: string;
  error: string;
}

function findPwsh(): string | null {
  const dirs = (process.env.PATH ?? '').split(path.delimiter).filter((d) => d !== '');
  dirs.push(path.join(os.homedir(), '.dotnet', 'tools'));
  for (const d of dirs) {
    const p = path.join(d, 'pwsh');
    if (existsSync(p)) return p;
  }
  return null;
}

/** Pester 5 or later in one of pwsh's module folders (PSModulePath, the user's and the machine's). */
function findPester(): string | null {
  const dirs = (process.env.PSModulePath ?? '').split(path.delimiter).filter((d) => d !== '');
  dirs.push(path.join(os.homedir(), '.local', 'share', 'powershell', 'Modules'), '/usr/local/share/powershell/Modules');
  for (const d of dirs) {
    const root = path.join(d, 'Pester');
    if (!existsSync(root)) continue;
    for (const v of readdirSync(root)) {
      if (Number(v.split('.')[0]) >= 5 && existsSync(path.join(root, v, 'Pester.psd1'))) return path.join(root, v);
    }
  }
  return null;
}

const pwsh = findPwsh();
const pester = pwsh ? findPester() : null;
const missing = !pwsh
  ? 'pwsh not found on PATH or in ~/.dotnet/tools (dotnet tool install --global PowerShell --version 7.6.9)'
  : !pester
    ? 'Pester 5+ not found in the PowerShell module folders (.ci/run installs it from NuGet)'
    : null;

function runPester(): { tests: PesterTest[]; containerErrors: string[]; stderr: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'elm-pester-'));
  try {
    const out = path.join(dir, 'results.json');
    const r = spawnSync(pwsh!, ['-NoProfile', '-NonInteractive', '-File', path.join(__dirname, 'runPester.ps1'), '-ResultPath', out], {
      encoding: 'utf8',
      timeout: 600_000,
    });
    if (!existsSync(out)) return { tests: [], containerErrors: [`pwsh exited ${r.status}: ${r.stderr || r.error?.message}`], stderr: r.stderr };
    const doc = JSON.parse(readFileSync(out, 'utf8')) as { tests: PesterTest[] | PesterTest; containerErrors: string[] | string };
    return { tests: ([] as PesterTest[]).concat(doc.tests ?? []), containerErrors: ([] as string[]).concat(doc.containerErrors ?? []), stderr: r.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (missing && process.env.CI === 'true') {
  describe('ShutdownForFinalize.ps1 under pwsh', () => {
    it('has pwsh and Pester in CI', () => {
      throw new Error(`${missing}: .ci/run must install it`);
    });
  });
} else if (missing) {
  console.warn(`ShutdownForFinalize.ps1 Pester tests skipped: ${missing}.`);
  describe.skip(`ShutdownForFinalize.ps1 under pwsh (skipped: ${missing})`, () => {
    it('runs the Pester tests', () => undefined);
  });
} else {
  // Collected synchronously so that each Pester test becomes a jest test of its own.
  const run = runPester();
  describe('ShutdownForFinalize.ps1 under pwsh (Pester)', () => {
    it('ran the Pester file without errors outside the tests', () => {
      expect(run.containerErrors).toEqual([]);
      // Every blocker, every clean case, the size cap, the NGen budget and the shutdown gate.
      expect(run.tests.length).toBeGreaterThanOrEqual(50);
    });

    it('gives each Pester test a unique name', () => {
      const names = run.tests.map((t) => t.name);
      expect(new Set(names).size).toBe(names.length);
    });

    if (run.tests.length > 0) {
      it.each(run.tests.map((t) => [t.name, t] as const))('%s', (_name, t) => {
        if (t.result !== 'Passed') throw new Error(`Pester: ${t.result}\n${t.error}`);
      });
    }
  });
}
