/**
 * elm layer build -f platform.yaml on the file share, through the real binary: the spec checked
 * (errors name the line), the packaging disk made, the steps written as one script beside it
 * (ActionRequired), the secret never written anywhere; the script itself run under pwsh.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { baseSetup, expectCode, expectOk, expectRefused, json, MiB, scratch, type Scratch } from '../support/e2e';

const SECRET = 'Hunter2-do-not-leak';
let s: Scratch;
beforeAll(async () => {
  s = await scratch(16 * MiB, 'elm-build-');
  await baseSetup(s);
});
afterAll(() => s.cleanup());

async function spec(name: string, text: string): Promise<string> {
  const file = path.join(s.dir, name);
  await fs.writeFile(file, text);
  return file;
}

/** Every file under dir, recursively, as text. */
async function allText(dir: string): Promise<string> {
  const out: string[] = [];
  for (const e of await fs.readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(await allText(p));
    else if (e.isFile() && (await fs.stat(p)).size < 8 * MiB) out.push(await fs.readFile(p, 'latin1'));
  }
  return out.join('\n');
}

/** Text Windows PowerShell 5.1 garbles when a script file has no BOM (it reads it as ANSI). */
const NON_ASCII = 'Grüße – Ελληνικά ✓';
const LAYER = 'layer:\n  name: Built\n  version: "1"\n  osLayer: win\n  connector: share\n  hypervisor: xenserver\n';

describe('the build spec is checked before anything is recorded', () => {
  test('an unknown step kind names its line', async () => {
    const f = await spec('bad-step.yaml', `${LAYER}steps:\n  - script: a.ps1\n  - reboot: now\n`);
    await fs.writeFile(path.join(s.dir, 'a.ps1'), 'exit 0');
    await expectRefused(s, ['layer', 'build', '-f', f], /Build spec .*bad-step\.yaml line 9: steps\.1/);
  });
  test('a step secret the secrets: section does not define', async () => {
    const f = await spec('bad-secret.yaml', `${LAYER}steps:\n  - inline: Write-Host hi\n    secrets: [Pw]\n`);
    await expectRefused(s, ['layer', 'build', '-f', f], /steps\.0\.secrets names "Pw", which the secrets: section does not define/);
  });
  test('a script file that does not exist', async () => {
    const f = await spec('no-script.yaml', `${LAYER}steps:\n  - script: missing.ps1\n`);
    await expectRefused(s, ['layer', 'build', '-f', f], /steps\.0\.script .*missing\.ps1 does not exist/);
  });
  test('a secret whose environment variable is not set: exit 2 before anything is created', async () => {
    const f = await spec('unset.yaml', `${LAYER}secrets:\n  Pw: ELM_TEST_UNSET_SECRET\nsteps:\n  - inline: Write-Host hi\n    secrets: [Pw]\n`);
    await expectRefused(s, ['layer', 'build', '-f', f], /needs ELM_TEST_UNSET_SECRET \(secret Pw\) set in the environment/);
  });
  test('no steps', async () => {
    const f = await spec('empty.yaml', `${LAYER}steps: []\n`);
    await expectRefused(s, ['layer', 'build', '-f', f], /steps: list at least one step/);
  });
});

describe('a build on the file share', () => {
  let doc: { layer: { name: string }; version: { name: string }; task: { id: string; kind: string; state: string; description: string } };
  let script: string;
  const marks = path.join(os.tmpdir(), `elm-build-marks-${process.pid}`);

  beforeAll(async () => {
    await fs.mkdir(marks, { recursive: true });
    await fs.writeFile(path.join(s.dir, 'install.ps1'), `Set-Content -Path (Join-Path $env:ELM_MARKS "1.txt") -Value "installed ${NON_ASCII}"\nexit 3010\n`);
    await fs.writeFile(path.join(s.dir, 'tools.zip'), 'tools');
    const f = await spec(
      'platform.yaml',
      `${LAYER.replace('"1"', '1.10')}secrets:\n  JoinPassword: ELM_TEST_JOIN_PASSWORD\nsteps:\n  - name: Install VDA\n    script: install.ps1\n    secrets: [JoinPassword]\n` +
        `  - inline: Set-Content -Path (Join-Path $env:ELM_MARKS "2.txt") -Value $env:JoinPassword\n    secrets: [JoinPassword]\n` +
        `  - file:\n      source: tools.zip\n      destination: C:\\Install\\tools.zip\n  - restart: {}\n  - expediteNgen: "true"\n`,
    );
    const r = await s.run(['layer', 'build', '-f', f, '--wait', '--json'], { env: { ELM_TEST_JOIN_PASSWORD: SECRET } });
    doc = json(r);
    expect(r.stderr).not.toContain(SECRET);
    script = doc.task.description.match(/run (\S+\.build\.ps1)/)![1];
  });
  afterAll(() => fs.rm(marks, { recursive: true, force: true }));

  test('ends ActionRequired with the packaging disk made and the script beside it', async () => {
    expect(doc).toMatchObject({ layer: { name: 'Built' }, version: { name: '1.10' }, task: { kind: 'LayerBuild', state: 'ActionRequired' } });
    expect(doc.task.description).toMatch(/set \$env:JoinPassword in that session first/);
    expect(doc.task.description).toMatch(/Next: elm finalize "Built" --wait/);
    const status = json(await s.run(['disk', 'status', 'Built', '--json']));
    expect(path.dirname(status.disk.location)).toBe(path.dirname(script));
    expect(existsSync(script.replace(/\.build\.ps1$/, '.build-files/ShutdownForFinalize.ps1'))).toBe(true);
    const text = await fs.readFile(script, 'utf8');
    expect(text).toMatch(/== step 1\/5: Install VDA/);
    expect(text).toMatch(/-ReportPath \(Join-Path \$PSScriptRoot 'Built\.integrity\.json'\) -Shutdown/);
  });

  test('every .ps1 written to the share is UTF-8 with a BOM (Windows PowerShell 5.1 reads one without it as ANSI), its non-ASCII text intact', async () => {
    const files = script.replace(/\.build\.ps1$/, '.build-files');
    const ps1 = [script, ...(await fs.readdir(files)).filter((f) => f.endsWith('.ps1')).map((f) => path.join(files, f))];
    expect(ps1.map((f) => path.basename(f)).sort()).toEqual(['1-step.ps1', '2-step.ps1', 'Built.build.ps1', 'ShutdownForFinalize.ps1']);
    for (const f of ps1) expect({ f, head: (await fs.readFile(f)).subarray(0, 3).toString('hex') }).toEqual({ f, head: 'efbbbf' });
    const step = await fs.readFile(path.join(files, '1-step.ps1'));
    expect(step.subarray(3).toString('utf8')).toBe(await fs.readFile(path.join(s.dir, 'install.ps1'), 'utf8'));
  });

  test('the secret is nowhere: state, task logs, share, output', async () => {
    expect(await allText(s.home)).not.toContain(SECRET);
    const task = json(await s.run(['task', 'show', doc.task.id, '--json']));
    expect(JSON.stringify(task)).not.toContain(SECRET);
  });

  const pwsh = [path.join(os.homedir(), '.dotnet', 'tools', 'pwsh'), 'pwsh'].find((p) => spawnSync(p, ['-NoProfile', '-Command', 'exit 0']).status === 0);
  if (!pwsh) console.warn('pwsh not found: the run of the build script under PowerShell is skipped (dotnet tool install --global PowerShell)');
  const withPwsh: jest.It = pwsh ? test : test.skip;

  // Only the steps before the restart run here: the rest restarts or shuts down the machine.
  withPwsh('the script refuses to start without the secret, runs a step and stops for the restart an installer asks (3010)', async () => {
    const run = (env: NodeJS.ProcessEnv) => spawnSync(pwsh!, ['-NoProfile', '-NonInteractive', '-File', script], { env: { ...process.env, ELM_MARKS: marks, ...env }, encoding: 'utf8' });
    const without = run({});
    expect(without.status).toBe(2);
    expect(without.stderr).toMatch(/Set the secret first: \$env:JoinPassword/);
    expect(existsSync(path.join(marks, '1.txt'))).toBe(false);

    const first = run({ JoinPassword: 'pw' });
    expect(first.stdout).toMatch(/== step 1\/5: Install VDA/);
    expect(first.stdout).toMatch(/run this script with -From 2/);
    expect(first.status).toBe(3010 & 0xff); // exit codes are 8 bits on Linux; 3010 on Windows
    expect((await fs.readFile(path.join(marks, '1.txt'), 'utf8')).trim()).toBe(`installed ${NON_ASCII}`);
    expect(existsSync(path.join(marks, '2.txt'))).toBe(false);
  });

  test('a second build of the same layer name is refused, state unchanged', async () => {
    const f = await spec('again.yaml', `${LAYER}steps:\n  - inline: Write-Host hi\n`);
    const r = await expectRefused(s, ['layer', 'build', '-f', f], /A layer named "Built" already exists/);
    expectCode(r, 2);
  });

  test('layerVersionOf adds a version to the layer', async () => {
    const f = await spec('v2.yaml', 'layerVersionOf: Built\nlayer:\n  version: "2"\nsteps:\n  - inline: Write-Host hi\n');
    const r = json(await s.run(['layer', 'build', '-f', f, '--wait', '--json']));
    expect(r).toMatchObject({ version: { name: '2' }, task: { state: 'ActionRequired' } });
    expectOk(await s.run(['layer', 'show', 'Built']));
  });
});
