/**
 * The whole file-share lifecycle (as test/e2e/lifecycle.test.ts) with the state in
 * a blob on Azurite: create, deploy link, verify with blockers then clean, finalize --wait, and
 * nothing of the state under ELM_HOME but the repository and the default share's folders.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { expectCode, expectOk, findFiles, json, MiB, REPORTS, scratch, sha256File, writeData, writeShareReport, type Scratch } from '../support/e2e';
import { startRemote, type Remote } from './helpers';

jest.setTimeout(300_000);

let remote: Remote;
let s: Scratch;
let url: string;
const run = (args: string[]) => s.run(args, { env: remote.env(url) });

beforeAll(async () => {
  remote = await startRemote();
  url = await remote.newState();
  s = await scratch(32 * MiB);
  await writeData(s.osDisk, 4 * MiB, 2 * MiB);
  expectOk(await run(['connector', 'add', 'fileshare', '--name', 'share', '--path', s.share]));
  expectOk(await run(['os-layer', 'import', '--name', 'win', '--version', '1', '--disk', s.osDisk]));
});
afterAll(async () => {
  await s?.cleanup();
  await remote?.stop();
});

test('create → deploy-link → verify (blockers, then clean) → finalize --wait → Deployable, all through the remote state', async () => {
  const created = json(await run(['layer', 'create', '--name', 'azplat', '--version', '1', '--os-layer', 'win', '--connector', 'share', '--hypervisor', 'xenserver', '--comment', 'new platform layer', '--wait', '--json']));
  expect(created).toMatchObject({ version: { state: 'Editing' }, task: { kind: 'CreatePackagingDisk', state: 'ActionRequired' } });
  const disk = json(await run(['disk', 'status', 'azplat', '--json'])).disk.location;
  expect(disk).toBe(path.join(s.share, 'azplat.vhd'));

  const link = await run(['machine', 'deploy-link', 'azplat']);
  expectOk(link);
  expect(link.stdout).toContain(`-ReportPath ${s.share}/azplat.integrity.json -Shutdown`);

  await writeShareReport(disk, await fs.readFile(path.join(REPORTS, 'blockers-all.json')));
  const blocked = await run(['verify', 'azplat']);
  expectCode(blocked, 3);
  expect(blocked.stdout.trim().split('\n')).toHaveLength(4);

  const clean = JSON.parse(await fs.readFile(path.join(REPORTS, 'clean.json'), 'utf8'));
  await writeShareReport(disk, JSON.stringify({ ...clean, shutdownRequested: true }));
  const past = new Date(Date.now() - 10 * 60_000);
  await fs.utimes(disk, past, past);
  expectOk(await run(['verify', 'azplat']));
  expect((await remote.read(url)).layers[0].versions[0].state).toBe('Finalizable');

  const sha = await sha256File(disk);
  const fin = await run(['finalize', 'azplat', '--wait', '--settle', '1s', '--comment', 'VDA and tools installed']);
  expectOk(fin);
  expect(fin.stderr).toMatch(/"azplat" 1 is Deployable/);

  const state = await remote.read(url);
  const v = state.layers[0].versions[0];
  expect(v.state).toBe('Deployable');
  expect(v.artifact).toMatchObject({ sha256: sha, format: 'vhd' });
  expect(await sha256File(v.artifact.location)).toBe(sha);
  expect(state.tasks.map((t: { kind: string; state: string }) => [t.kind, t.state])).toEqual([
    ['CreatePackagingDisk', 'Complete'],
    ['Finalize', 'Complete'],
  ]);
  expect(state.layers[0].audit.map((a: { action: string }) => a.action)).toEqual(['Create Layer', 'Finalize']);
  expect(json(await run(['task', 'list', '--json']))).toEqual([]);
  // The state and its task logs and heartbeats live beside the blob, not under ELM_HOME.
  expect(await findFiles(s.home, /state\.json|workers|task-.*\.json$/)).toEqual([]);
  const finalizeId = state.tasks[1].id;
  const log = await run(['task', 'logs', finalizeId]);
  expectOk(log);
  expect(log.stdout).toMatch(/step capture: done[\s\S]*step complete: done/);
  const shown = await run(['task', 'show', finalizeId]);
  expect(shown.stderr).toContain(`Log: ${url}.logs/task-${finalizeId}.log`);

  // state show: where, size, lease free, nothing unreachable on this machine.
  const show = json(await run(['state', 'show', '--json']));
  expect(show).toMatchObject({ kind: 'blob', location: url, exists: true, lock: { state: 'available', holder: null }, counts: { layers: 1, tasks: 2 }, unreachable: [] });
  expect(show.sizeBytes).toBe(Buffer.byteLength(JSON.stringify(state, null, 1)));
});

test('state show names the paths another machine recorded that this one cannot reach', async () => {
  // The OS layer's disk and the share exist on the machine that recorded them, not here.
  await fs.rename(s.share, `${s.share}-elsewhere`);
  await fs.rename(s.osDisk, `${s.osDisk}-elsewhere`);
  try {
    const show = json(await run(['state', 'show', '--json']));
    expect(show.unreachable).toEqual([
      { what: 'connector "share" folder', path: s.share },
      { what: 'OS layer win 1 disk', path: s.osDisk },
    ]);
    const text = await run(['state', 'show']);
    expectOk(text);
    expect(text.stderr).toMatch(/2 paths in the state are not reachable from this machine/);
    expect(text.stdout).toContain(`connector "share" folder: ${s.share}`);
  } finally {
    await fs.rename(`${s.share}-elsewhere`, s.share);
    await fs.rename(`${s.osDisk}-elsewhere`, s.osDisk);
  }
});
