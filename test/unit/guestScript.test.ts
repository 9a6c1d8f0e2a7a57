/**
 * The wrapper a build step runs in on an Azure machine, run under real PowerShell (pwsh): the
 * secret arrives as a (protected) Run Command parameter, base64 of its UTF-8 bytes, and is the step's $env:NAME; the step's `exit N`
 * comes back on the last line (3010 included), a throw is exit 1; nothing of the secret is in the
 * wrapper's text.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { encodeSecret, exitCodeOf, wrapStep } from '../../src/connectors/azure/guestScript';

const PWSH = ['/root/.dotnet/tools/pwsh', ...(process.env.PATH ?? '').split(':').map((d) => path.join(d, 'pwsh'))].find((p) => existsSync(p));
const dir = mkdtempSync(path.join(os.tmpdir(), 'elm-wrap-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(script: string, secrets: Record<string, string>): { stdout: string; code: number | null; status: number | null } {
  const names = Object.keys(secrets);
  const wrapper = wrapStep(script, names, 'test step');
  for (const v of Object.values(secrets)) expect(wrapper).not.toContain(v);
  const file = path.join(dir, `w${Math.random().toString(36).slice(2)}.ps1`);
  writeFileSync(file, wrapper);
  const args = names.flatMap((n, i) => [`-ElmSecret${i + 1}`, encodeSecret(secrets[n])]);
  const r = spawnSync(PWSH!, ['-NoProfile', '-NonInteractive', '-File', file, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { stdout: r.stdout, code: exitCodeOf(r.stdout), status: r.status };
}

(PWSH ? describe : describe.skip)('wrapStep under pwsh', () => {
  test('the secret is $env:NAME in the step; exit 3010 comes back as 3010', () => {
    const r = run('Write-Output "pw=$env:DomainPassword"\nexit 3010', { DomainPassword: 'S3cr3t value' });
    expect(r.stdout).toContain('pw=S3cr3t value');
    expect(r.code).toBe(3010);
    // The wrapper exits with the code too (the managed Run Command's exitCode); Linux keeps its low 8 bits.
    expect(r.status).toBe(process.platform === 'win32' ? 3010 : 3010 & 255);
  }, 60_000);
  test('a step that ends normally is 0; one that throws is 1', () => {
    expect(run('Write-Output hello', {}).code).toBe(0);
    expect(run("throw 'installer missing'", {}).code).toBe(1);
  }, 60_000);
});
