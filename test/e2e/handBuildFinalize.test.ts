/**
 * An unattended build on the file share, to its end through the real binary: the build waits for
 * the operator (ActionRequired), and `elm finalize --wait` closes it (Complete, so `task wait`
 * no longer says to boot a machine), records the spec's finalize comment and removes the build's
 * script and files from the share. The script's last probe call carries the PVS/KMS/IPv6
 * arguments deploy-link prints; a step that throws says which step and -From N, as one that
 * exits non-zero does.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { baseSetup, expectOk, json, makeReadyToFinalize, MiB, scratch, type Scratch } from '../support/e2e';

let s: Scratch;
beforeAll(async () => {
  s = await scratch(16 * MiB, 'elm-handbuild-');
  await baseSetup(s);
  expectOk(await s.run(['connector', 'add', 'pvs', '--name', 'pvs', '--console', '127.0.0.1:1', '--user', 'CORP\\svc', '--site', 'S', '--store', 'St', '--license-mode', 'kms', '--server', '127.0.0.1:1=2402.0.0,agent,console']));
  expectOk(await s.run(['os-layer', 'version', 'add', 'win', '--version', '2', '--disk', s.osDisk, '--ipv6', 'disabled']));
});
afterAll(() => s.cleanup());

async function build(name: string, steps: string, layerExtra = ''): Promise<{ task: { id: string; state: string; description: string } }> {
  const file = path.join(s.dir, `${name}.yaml`);
  await fs.writeFile(file, `layer:\n  name: ${name}\n  version: "1"\n  osLayer: win\n  connector: share\n  hypervisor: ${layerExtra ? 'vsphere' : 'hyperv'}\n${layerExtra}steps:\n${steps}finalize:\n  comment: built by hand, closed by finalize\n`);
  return json(await s.run(['layer', 'build', '-f', file, '--wait', '--json']));
}

test('finalize closes the build: Complete, its comment in the audit, its script and files gone from the share', async () => {
  await fs.writeFile(path.join(s.dir, 'tools.zip'), 'tools');
  const doc = await build('Closed', `  - inline: Write-Host hi\n  - file: { source: tools.zip, destination: 'C:\\Install\\tools.zip' }\n`);
  expect(doc.task.state).toBe('ActionRequired');
  const script = doc.task.description.match(/run (\S+\.build\.ps1)/)![1];
  const filesDir = script.replace(/\.build\.ps1$/, '.build-files');
  expect(existsSync(filesDir)).toBe(true);
  const disk = json(await s.run(['disk', 'status', 'Closed', '--json'])).disk.location;
  await makeReadyToFinalize(disk);

  expectOk(await s.run(['finalize', 'Closed', '--wait', '--settle', '0s']));
  const wait = await s.run(['task', 'wait', doc.task.id, '--json']);
  expect(wait.code).toBe(0);
  const task = JSON.parse(wait.stdout);
  expect(task.state).toBe('Complete');
  expect(task.description).not.toMatch(/Boot a machine/);
  const show = json(await s.run(['layer', 'show', 'Closed', '--json']));
  expect(show.audit.find((a: { action: string }) => a.action === 'Finalize').comment).toBe('built by hand, closed by finalize');
  expect({ script: existsSync(script), files: existsSync(filesDir) }).toEqual({ script: false, files: false });
});

test("the script's last probe call carries the PVS, KMS and IPv6 arguments deploy-link prints", async () => {
  // Bound to the OS layer's newest version, 2, with IPv6 disabled as PVS needs.
  const doc = await build('Pvs', '  - inline: Write-Host hi\n', '  purpose: publishing\n  provisioning: pvs\n  broker: xendesktop\n  recipes: [pvs]\n');
  const script = doc.task.description.match(/run (\S+\.build\.ps1)/)![1];
  const last = (await fs.readFile(script, 'utf8')).trim().split(/\r?\n/).pop()!;
  const link = json(await s.run(['machine', 'deploy-link', 'Pvs', '--json'])).link as string;
  const printed = /ShutdownForFinalize\.ps1 .*-Shutdown(.*)$/m.exec(link)![1].trim();
  expect(printed).toMatch(/-PvsVersion '?2402\.0\.0'? -KmsRearm/);
  expect(last).toMatch(/-Shutdown -PvsVersion '2402\.0\.0' -KmsRearm$/);
});

const pwsh = [path.join(os.homedir(), '.dotnet', 'tools', 'pwsh'), 'pwsh'].find((p) => spawnSync(p, ['-NoProfile', '-Command', 'exit 0']).status === 0);
if (!pwsh) console.warn('pwsh not found: the run of the build script under PowerShell is skipped (dotnet tool install --global PowerShell)');
const withPwsh: jest.It = pwsh ? test : test.skip;

withPwsh('a step that throws says "Step N failed ... -From N" as a step that exits non-zero does', async () => {
  const doc = await build('Throws', '  - name: ok\n    inline: Write-Host fine\n  - name: broken\n    inline: Get-Item C:\\does\\not\\exist\n  - name: exits\n    inline: exit 5\n');
  const script = doc.task.description.match(/run (\S+\.build\.ps1)/)![1];
  const run = (from: number) => spawnSync(pwsh!, ['-NoProfile', '-NonInteractive', '-File', script, '-From', String(from)], { encoding: 'utf8' });
  const thrown = run(1);
  expect(thrown.stdout).toMatch(/== step 2\/3: broken/);
  expect(thrown.stderr).toMatch(/Step 2 \(broken\) failed; fix it, then run this script with -From 2\./);
  expect(thrown.status).not.toBe(0);
  const exited = run(3);
  expect(exited.stderr).toMatch(/Step 3 \(exits\) failed; fix it, then run this script with -From 3\./);
  expect(exited.status).toBe(5);
});
