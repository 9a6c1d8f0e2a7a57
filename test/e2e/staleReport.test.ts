/**
 * Only fresh reports: a report taken before the packaging disk was made (a recorded one, another
 * machine's, a copy from an earlier version) is refused by verify and by finalize with exit 3,
 * naming both times and machines, and changes nothing. On a file share the NGen advice says to run
 * the script with -ExpediteNGen on the machine (elm cannot run it there).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { baseSetup, createLayer, diskStatus, expectCode, json, readState, REPORTS, scratch, takenNow, writeShareReport, type Doc, type Scratch } from '../support/e2e';

let s: Scratch;
let disk: string;
let diskMadeAt: string;
beforeAll(async () => {
  s = await scratch();
  await baseSetup(s);
  await createLayer(s, 'app');
  disk = (await diskStatus(s, 'app')).disk.location;
  const state = await readState(s.home);
  // The create task's step that wrote the disk (the task stays ActionRequired until finalize).
  const task = state.tasks.find((t: Doc) => t.id === state.layers[0].versions[0].createTaskId)!;
  diskMadeAt = task.steps.find((st: Doc) => st.name === 'writeDisk')!.endedAt!;
  // The disk has been quiet for an hour: only the report's age can stop finalize.
  const past = new Date(Date.now() - 3600_000);
  await fs.utimes(disk, past, past);
});
afterAll(() => s.cleanup());

const version = async () => (await readState(s.home)).layers[0].versions[0];
/** clean.json as recorded: PKG-01 at 2026-11-21T10:00:00Z, shut down, nothing blocking. */
const recordedClean = () => fs.readFile(path.join(REPORTS, 'clean.json'), 'utf8');

describe('a report taken before the packaging disk was made', () => {
  beforeAll(async () => {
    expect(Date.parse(diskMadeAt)).toBeGreaterThan(Date.parse('2026-11-21T10:00:00Z'));
    await writeShareReport(disk, await recordedClean(), { asTaken: true });
  });

  test('verify refuses it: exit 3 naming the report time and machine and when the disk was made; nothing recorded', async () => {
    const r = await s.run(['verify', 'app']);
    expectCode(r, 3);
    expect(r.stderr).toMatch(/is stale: it was taken on PKG-01 at 2026-11-21T10:00:00Z, before the packaging disk was made at /);
    expect(r.stderr).toContain(diskMadeAt.replace(/\.000Z$/, 'Z'));
    const v = await version();
    expect(v.integrity).toBeNull();
    expect(v.state).toBe('Editing');
  });

  test('verify --report FILE refuses it too', async () => {
    const r = await s.run(['verify', 'app', '--report', path.join(REPORTS, 'clean.json')]);
    expectCode(r, 3);
    expect(r.stderr).toMatch(/clean\.json is stale: it was taken on PKG-01 at 2026-11-21T10:00:00Z/);
  });

  test('finalize refuses it: exit 3 naming both times and the machine; no task, the version still Editing', async () => {
    const r = await s.run(['finalize', 'app', '--settle', '1s']);
    expectCode(r, 3);
    expect(r.stderr).toMatch(/cannot be finalized yet: .*app\.integrity\.json is stale: it was taken on PKG-01 at 2026-11-21T10:00:00Z, before the packaging disk was made at/);
    const state = await readState(s.home);
    expect(state.tasks.filter((t: Doc) => t.kind === 'Finalize')).toEqual([]);
    expect(state.layers[0].versions[0].state).toBe('Editing');
  });
});

describe('a report taken now by a machine that booted before the disk was made', () => {
  test('verify and finalize refuse it: that machine did not run from this disk', async () => {
    const doc = JSON.parse(takenNow(await recordedClean()));
    doc.details.lastBootTime = '2026-11-21T08:00:00Z';
    await writeShareReport(disk, JSON.stringify(doc), { asTaken: true });
    const r = await s.run(['verify', 'app']);
    expectCode(r, 3);
    expect(r.stderr).toMatch(/PKG-01 last booted at 2026-11-21T08:00:00Z, before the packaging disk was made at .*so it did not run from that disk/);
    expectCode(await s.run(['finalize', 'app', '--settle', '1s']), 3);
  });
});

describe('the same report taken after the disk was made', () => {
  test('verify accepts it (exit 0) and the version becomes Finalizable', async () => {
    const doc = JSON.parse(takenNow(await recordedClean()));
    doc.details.lastBootTime = new Date(Date.parse(diskMadeAt) + 1000).toISOString();
    await writeShareReport(disk, JSON.stringify(doc), { asTaken: true });
    const r = await s.run(['verify', 'app', '--json']);
    expectCode(r, 0);
    expect(json(r).ready).toBe(true);
    expect((await version()).state).toBe('Finalizable');
  });
});

describe('NGen advice on a file share', () => {
  test('tells the operator to run the script with -ExpediteNGen on the machine', async () => {
    await writeShareReport(disk, await fs.readFile(path.join(REPORTS, 'ngen.json')));
    const r = await s.run(['verify', 'app', '--json']);
    expectCode(r, 3);
    const ngen = (JSON.parse(r.stdout).blockers as { id: string; remedy: string }[]).find((b) => b.id === 'ngenInProgress')!;
    expect(ngen.remedy).toMatch(/On the Packaging Machine run ShutdownForFinalize\.ps1 -ExpediteNGen/);
    expect(ngen.remedy).not.toMatch(/elm verify --expedite-ngen/);
  });
});
