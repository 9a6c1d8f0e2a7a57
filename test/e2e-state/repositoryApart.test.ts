/**
 * Layer files of different states stay apart (issue 19, points 3 and 4), through the real binary
 * on one Azurite state blob:
 * - home A holds its own state and works on the team blob too, home B on the blob only: ids are
 *   counted per state, so A's local layer and the team's have the same id; their layer disks and
 *   icons stay in folders and files of their own, and removing one leaves the other's;
 * - a finalize whose worker died on alpha is resumed on beta only where beta reaches alpha's
 *   layer repository (the same folder, its marker file naming it): elsewhere exit 3 naming the
 *   host and the path, the task and the packaging disk left as they were.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { elm, expectCode, expectOk, findFiles, GiB, json, makeReadyToFinalize, MiB, scratch, sha256File, tinyPng, waitFor, writeData, type Doc, type Scratch } from '../support/e2e';
import { startRemote, type Remote } from './helpers';

jest.setTimeout(600_000);

let remote: Remote;
beforeAll(async () => {
  remote = await startRemote();
});
afterAll(async () => {
  await remote?.stop();
});

const exists = (p: string) => fs.access(p).then(
  () => true,
  () => false,
);

describe('two states in one home, and a second home on the blob', () => {
  let s: Scratch;
  let url: string;
  let homeB: string;
  let teamShare: string;
  const local = (args: string[]) => s.run(args, { env: { ELM_HOSTNAME: 'alpha' } }); // home A's own state.json
  const teamA = (args: string[]) => elm(args, { home: s.home, env: remote.env(url, { ELM_HOSTNAME: 'alpha' }) });
  const teamB = (args: string[]) => elm(args, { home: homeB, env: remote.env(url, { ELM_HOSTNAME: 'beta' }) });

  beforeAll(async () => {
    s = await scratch();
    url = await remote.newState();
    homeB = path.join(s.dir, 'home-b');
    teamShare = path.join(s.dir, 'team-share');
    await fs.mkdir(teamShare);
    await fs.writeFile(path.join(s.dir, 'logo.png'), tinyPng());
  });
  afterAll(async () => {
    await s?.cleanup();
  });

  /** The same commands in the same order on each state: the same ids in both. */
  async function finalizedLayer(run: (args: string[]) => Promise<Doc>, share: string, name: string): Promise<{ layer: Doc; icon: Doc }> {
    expectOk(await run(['connector', 'add', 'fileshare', '--name', 'share', '--path', share]));
    expectOk(await run(['os-layer', 'import', '--name', 'win', '--version', '1', '--disk', s.osDisk]));
    const icon = json(await run(['icon', 'import', path.join(s.dir, 'logo.png'), '--name', 'logo', '--json']));
    expectOk(await run(['layer', 'create', '--name', name, '--version', '1', '--os-layer', 'win', '--connector', 'share', '--hypervisor', 'xenserver', '--wait']));
    await makeReadyToFinalize(json(await run(['disk', 'status', name, '--json'])).disk.location);
    expectOk(await run(['finalize', name, '--wait', '--settle', '1s']));
    return { layer: json(await run(['layer', 'show', name, '--json'])), icon };
  }

  test("each state's layer disks and icons are apart; removing the local layer and icon leaves the team's", async () => {
    const mine = await finalizedLayer(local, s.share, 'app');
    const team = await finalizedLayer(teamA, teamShare, 'app');
    // Counted per state: the same ids, in the same home.
    expect(team.layer.id).toBe(mine.layer.id);
    expect(team.icon.id).toBe(mine.icon.id);
    const mineDisk: string = mine.layer.versions[0].artifact.location;
    const teamDisk: string = team.layer.versions[0].artifact.location;
    expect(path.basename(teamDisk)).toBe(path.basename(mineDisk)); // the same disk name too
    expect(path.dirname(teamDisk)).not.toBe(path.dirname(mineDisk));
    expect(team.icon.file).not.toBe(mine.icon.file);
    for (const [doc, disk] of [
      [mine.layer, mineDisk],
      [team.layer, teamDisk],
    ] as const) {
      expect(doc.versions[0].repository).toMatchObject({ dir: path.dirname(disk), host: 'alpha' });
      expect(path.dirname(path.dirname(disk))).toBe(path.join(s.home, 'repository'));
      expect(await sha256File(disk)).toBe(doc.versions[0].artifact.sha256);
    }

    // Home B on the same blob: its layer's disk is in its own home.
    const b = await teamB(['layer', 'create', '--name', 'b-app', '--version', '1', '--os-layer', 'win', '--connector', 'share', '--hypervisor', 'xenserver', '--wait', '--json']);
    expectOk(b);
    await makeReadyToFinalize(json(await teamB(['disk', 'status', 'b-app', '--json'])).disk.location);
    expectOk(await teamB(['finalize', 'b-app', '--wait', '--settle', '1s']));
    const bDoc = json(await teamB(['layer', 'show', 'b-app', '--json']));
    const bDisk: string = bDoc.versions[0].artifact.location;
    expect(bDoc.versions[0].repository.host).toBe('beta');
    expect(path.dirname(path.dirname(bDisk))).toBe(path.join(homeB, 'repository'));

    // The local layer and icon go; the team's disk and icon (same ids, same home) stay whole.
    const removed = json(await local(['layer', 'remove', 'app', '--yes', '--json']));
    expect(removed.failed).toEqual([]);
    expectOk(await local(['icon', 'remove', mine.icon.id, '--yes']));
    expect(await exists(path.dirname(mineDisk))).toBe(false);
    expect(await exists(mine.icon.file)).toBe(false);
    expect(await sha256File(teamDisk)).toBe(team.layer.versions[0].artifact.sha256);
    expect((await fs.readFile(team.icon.file)).equals(tinyPng())).toBe(true);
    expect(await sha256File(bDisk)).toBe(bDoc.versions[0].artifact.sha256);

    // Removing B's layer from home A: the recorded folder in B's home goes (reached: same files here), A's stay.
    expectOk(await teamA(['layer', 'remove', 'b-app', '--yes']));
    expect(await exists(path.dirname(bDisk))).toBe(false);
    expect(await sha256File(teamDisk)).toBe(team.layer.versions[0].artifact.sha256);
  });
});

describe('a finalize resumed on another machine', () => {
  let s: Scratch;
  let url: string;
  let homeB: string;
  const onA = (args: string[]) => elm(args, { home: s.home, env: remote.env(url, { ELM_HOSTNAME: 'alpha' }) });
  const onB = (args: string[]) => elm(args, { home: homeB, env: remote.env(url, { ELM_HOSTNAME: 'beta' }) });

  beforeAll(async () => {
    // A sparse 4 GiB OS disk: hashing every byte keeps the import busy long enough to kill it.
    s = await scratch(4 * GiB);
    await writeData(s.osDisk, 300 * MiB, 8 * MiB);
    url = await remote.newState();
    homeB = path.join(s.dir, 'home-b');
    expectOk(await onA(['connector', 'add', 'fileshare', '--name', 'share', '--path', s.share]));
    expectOk(await onA(['os-layer', 'import', '--name', 'win', '--version', '1', '--disk', s.osDisk]));
  });
  afterAll(async () => {
    await s?.cleanup();
  });

  test('runs on beta only where alpha\'s repository is reached: exit 3 naming host and path, then done once it is', async () => {
    expectOk(await onA(['layer', 'create', '--name', 'moved', '--version', '1', '--os-layer', 'win', '--connector', 'share', '--hypervisor', 'xenserver', '--wait']));
    const disk: string = json(await onA(['disk', 'status', 'moved', '--json'])).disk.location;
    await makeReadyToFinalize(disk);
    const sha = await sha256File(disk);
    const id: string = json(await onA(['finalize', 'moved', '--settle', '1s', '--json'])).task.id;
    const worker = await waitFor('the worker on alpha', async () => json(await onB(['task', 'show', id, '--json'])).worker, 60_000, 100);
    const repository = path.join(s.home, 'repository');
    await waitFor('a partial file in alpha\'s repository', async () => (await findFiles(repository, /\.partial$/)).length > 0, 120_000, 50);
    process.kill(worker.pid, 'SIGKILL');
    await waitFor('the worker to be seen dead from beta', async () => json(await onB(['task', 'show', id, '--json'])).worker === null, 60_000, 250);

    // Alpha's repository is not on beta (not shared: here, moved away).
    const unmounted = `${repository}-unmounted`;
    await fs.rename(repository, unmounted);
    const refusals = [
      await onB(['task', 'resume', id]),
      await onB(['finalize', 'moved', '--wait', '--settle', '1s']),
      await onB(['task', 'wait', id]),
    ];
    for (const r of refusals) {
      expectCode(r, 3);
      expect(r.stderr).toContain(`layer repository on alpha at ${repository}`);
      expect(r.stderr).toContain(`run elm task resume ${id} on alpha`);
    }
    // Another repository at the same path (beta's own, say) is not alpha's: refused too, nothing written into it.
    await fs.mkdir(repository);
    await fs.writeFile(path.join(repository, '.elm-repository.json'), JSON.stringify({ id: 'beta-own', host: 'beta', path: repository }));
    expectCode(await onB(['task', 'resume', id]), 3);
    expect(await fs.readdir(repository)).toEqual(['.elm-repository.json']);
    await fs.rm(repository, { recursive: true });

    // Nothing moved: the task is still to resume, the packaging disk still on the share, whole.
    const state = await remote.read(url);
    expect(state.tasks.find((t: Doc) => t.id === id)).toMatchObject({ state: 'Running', error: null });
    expect(state.layers[0].versions[0].state).toBe('Finalizing');
    expect(await sha256File(disk)).toBe(sha);

    // Shared again (the same folder, its marker found): beta finishes it, the disk where it was recorded.
    await fs.rename(unmounted, repository);
    const done = await onB(['task', 'resume', id]);
    expectOk(done);
    const v = (await remote.read(url)).layers[0].versions[0];
    expect(v.state).toBe('Deployable');
    expect(path.dirname(v.artifact.location)).toBe(v.repository.dir);
    expect(path.dirname(v.repository.dir)).toBe(repository);
    expect(await sha256File(v.artifact.location)).toBe(sha);
    expect(await exists(disk)).toBe(false);
    expect(await findFiles(s.dir, /\.partial$/)).toEqual([]);
  });
});
