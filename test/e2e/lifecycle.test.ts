/**
 * The whole lifecycle of the README's Quickstart on the file share, through the real binary: create, deploy
 * link, a probe report with blockers, a clean report and a quiescent disk, finalize --wait.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import {
  baseSetup,
  diskStatus,
  expectCode,
  expectOk,
  expectRefused,
  findFiles,
  json,
  MiB,
  readState,
  REPORTS,
  scratch,
  sha256File,
  writeData,
  writeShareReport,
  type Scratch,
} from '../support/e2e';

const SEED_MESSAGES = [
  'A reboot is pending to update drivers on the boot disk - please check and reboot the Packaging Machine.',
  'A post-installation reboot is pending - please check and reboot the Packaging Machine.',
  'An MSI install operation is in progress - please check the Packaging Machine.',
  'A Microsoft NGen operation is in progress in the background.',
];

let s: Scratch;
beforeAll(async () => {
  s = await scratch(32 * MiB);
  await writeData(s.osDisk, 4 * MiB, 2 * MiB);
  await baseSetup(s);
});
afterAll(() => s.cleanup());

test('create → deploy-link → verify (blockers, then clean) → finalize --wait → Deployable', async () => {
  // 1. layer create --wait: the packaging disk is on the share, the task waits for the operator.
  const created = json(await s.run(['layer', 'create', '--name', 'azplat', '--version', '1', '--os-layer', 'win', '--connector', 'share', '--hypervisor', 'xenserver', '--comment', 'new platform layer', '--wait', '--json']));
  expect(created).toMatchObject({ version: { state: 'Editing' }, task: { kind: 'CreatePackagingDisk', state: 'ActionRequired' } });
  const disk = (await diskStatus(s, 'azplat')).disk.location;
  expect(disk).toBe(path.join(s.share, 'azplat.vhd'));

  // 2. machine deploy-link: the steps, ending with the exact probe command.
  // A share given as this computer's (POSIX) path joins with '/' and the steps say how to give the
  // machine's own path (--machine-path): never a mixed '/home/…/share\\name' path.
  const probeCommand = `powershell -ExecutionPolicy Bypass -File ShutdownForFinalize.ps1 -ReportPath ${s.share}/azplat.integrity.json -Shutdown`;
  const link = await s.run(['machine', 'deploy-link', 'azplat']);
  expectOk(link);
  expect(link.stdout).toContain(probeCommand);
  expect(link.stdout).toContain(`(${s.share} is this computer's path: if the machine reaches the share by another one`);
  expect(link.stdout).not.toMatch(/\/[^\s]*\\azplat/);
  expect(link.stdout).toContain(disk);
  expect(link.stdout).toMatch(/vhd/);
  const linkJson = json(await s.run(['machine', 'deploy-link', 'azplat', '--json']));
  expect(Object.keys(linkJson).sort()).toEqual(['link', 'parameters']);
  expect(linkJson.link).toContain(probeCommand);
  expect(linkJson.parameters).toMatchObject({ disk, format: 'vhd', reportPath: path.join(s.share, 'azplat.integrity.json'), probeCommand });

  // The machine cannot be deployed by a file share, and it has not reported yet.
  await expectRefused(s, ['machine', 'deploy', 'azplat'], /cannot deploy machines; follow elm machine deploy-link azplat /);
  expect(json(await s.run(['machine', 'status', 'azplat', '--json'])).machine.status).toBe('unknown');

  // 3. The probe reports the four seed blockers: verify exit 3 with the exact messages.
  await writeShareReport(disk, await fs.readFile(path.join(REPORTS, 'blockers-all.json')));
  const blocked = await s.run(['verify', 'azplat']);
  expectCode(blocked, 3);
  expect(blocked.stdout.trim().split('\n')).toEqual(SEED_MESSAGES.map((m) => `- ${m}`));
  const blockedJson = await s.run(['verify', 'azplat', '--json']);
  expectCode(blockedJson, 3);
  const bj = JSON.parse(blockedJson.stdout);
  expect(bj.ready).toBe(false);
  expect(bj.blockers.map((b: { message: string }) => b.message)).toEqual(SEED_MESSAGES);
  for (const b of bj.blockers) expect(Object.keys(b)).toEqual(expect.arrayContaining(['id', 'message']));
  // finalize refuses while blocked.
  const notReady = await expectRefused(s, ['finalize', 'azplat', '--wait', '--settle', '1s'], /the integrity report has blockers: A reboot is pending/, { code: 3 });
  expect(notReady.stderr).toContain(`${SEED_MESSAGES[3]}\n`); // ends with the last message and a single period

  // 4. The operator fixed them; the probe shut the machine down; the disk has been quiet since.
  const clean = JSON.parse(await fs.readFile(path.join(REPORTS, 'clean.json'), 'utf8'));
  await writeShareReport(disk, JSON.stringify({ ...clean, shutdownRequested: true }));
  const past = new Date(Date.now() - 10 * 60_000);
  await fs.utimes(disk, past, past);
  const ready = await s.run(['verify', 'azplat']);
  expectOk(ready);
  expect(json(await s.run(['verify', 'azplat', '--json']))).toMatchObject({ ready: true, blockers: [] });
  expect(json(await s.run(['machine', 'status', 'azplat', '--json'])).machine.status).toBe('stopped');
  expect((await readState(s.home)).layers[0].versions[0].state).toBe('Finalizable');

  // 5. finalize --wait: Deployable, the disk in the repository with its SHA-256, the share emptied.
  const sha = await sha256File(disk);
  const size = (await fs.stat(disk)).size;
  const fin = await s.run(['finalize', 'azplat', '--wait', '--settle', '1s', '--comment', 'VDA and tools installed']);
  expectOk(fin);
  expect(fin.stderr).toMatch(/"azplat" 1 is Deployable/);

  const state = await readState(s.home);
  const layer = state.layers[0];
  const v = layer.versions[0];
  expect(v.state).toBe('Deployable');
  expect(v.artifact).toMatchObject({ sha256: sha, sizeBytes: size, format: 'vhd' });
  expect(v.artifact.location.startsWith(path.join(s.home, 'repository') + path.sep)).toBe(true);
  expect(await sha256File(v.artifact.location)).toBe(sha);
  expect(fin.stdout).toContain(v.artifact.location);
  expect(fin.stdout).toContain(sha);
  expect(await fs.readdir(s.share)).toEqual([]); // no disk, no report
  expect(state.tasks.find((t: { id: string }) => t.id === created.task.id).state).toBe('Complete');
  const finalizeTask = state.tasks.find((t: { kind: string }) => t.kind === 'Finalize');
  expect(finalizeTask.state).toBe('Complete');
  expect(layer.audit.map((a: { action: string; comment: string }) => [a.action, a.comment])).toEqual([
    ['Create Layer', 'new platform layer'],
    ['Finalize', 'VDA and tools installed'],
  ]);
  expect(await findFiles(s.dir, /partial|\.tmp$/)).toEqual([]);

  // The same, as the operator sees it.
  const show = json(await s.run(['layer', 'show', 'azplat', '--json']));
  expect(show.versions[0].state).toBe('Deployable');
  expect(show.audit[1]).toMatchObject({ action: 'Finalize', comment: 'VDA and tools installed' });
  expect(json(await s.run(['task', 'show', finalizeTask.id, '--json']))).toMatchObject({ id: finalizeTask.id, kind: 'Finalize', state: 'Complete' });
  // Nothing is left in progress.
  expect(json(await s.run(['task', 'list', '--json']))).toEqual([]);
  await expectRefused(s, ['verify', 'azplat'], /Every version of layer "azplat" is Deployable/);
});

test('deploy-link with --machine-path: the probe command names the share as the machine sees it', async () => {
  const t = await scratch(8 * MiB);
  try {
    expectOk(await t.run(['connector', 'add', 'fileshare', '--name', 'share', '--path', t.share, '--machine-path', '\\\\files\\elm\\']));
    expectOk(await t.run(['os-layer', 'import', '--name', 'win', '--version', '1', '--disk', t.osDisk]));
    expectOk(await t.run(['layer', 'create', '--name', 'app', '--version', '1', '--os-layer', 'win', '--connector', 'share', '--hypervisor', 'hyperv', '--disk-format', 'vhdx', '--wait']));
    const doc = json(await t.run(['machine', 'deploy-link', 'app', '--machine-name', 'PKG-APP', '--json']));
    expect(doc.link).toContain('powershell -ExecutionPolicy Bypass -File ShutdownForFinalize.ps1 -ReportPath \\\\files\\elm\\app.integrity.json -Shutdown');
    expect(doc.parameters).toMatchObject({ machineName: 'PKG-APP', format: 'vhdx', reportPath: path.join(t.share, 'app.integrity.json'), machineReportPath: '\\\\files\\elm\\app.integrity.json' });
    expect(doc.link).not.toContain("is this computer's path");
    await expectRefused(t, ['machine', 'deploy-link', 'app', '--link-expiry', 'soon'], /--link-expiry "soon" is not a duration/);
    await expectRefused(t, ['machine', 'deploy-link', 'nope'], /No layer named "nope"/);
  } finally {
    await t.cleanup();
  }
});
