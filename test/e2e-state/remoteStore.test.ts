/**
 * The StateStore contract (src/store/stateStore.ts) with the state in an Azure blob, through the real binary
 * against Azurite: concurrent writers lose nothing, a writer killed while holding the lease delays
 * the next one at most the lease's duration, the exit-5 message names the holder, a corrupt or
 * newer-schema blob is refused and never overwritten, the previous good copy is kept as .bak.
 */
import path from 'node:path';
import { elm, expectCode, expectOk, json, MiB, scratch, type Scratch } from '../support/e2e';
import { holdLease, KEY_VAR, startRemote, type Remote } from './helpers';

jest.setTimeout(240_000);

let remote: Remote;
let s: Scratch;
beforeAll(async () => {
  remote = await startRemote();
  s = await scratch(2 * MiB);
});
afterAll(async () => {
  await s?.cleanup();
  await remote?.stop();
});

test('8 processes × 25 mutations each through the remote state: all 200 recorded, none lost, no lease left', async () => {
  const url = await remote.newState();
  const PROCS = 8;
  const EACH = 25;
  const failures: string[] = [];
  await Promise.all(
    Array.from({ length: PROCS }, async (_, i) => {
      for (let j = 0; j < EACH; j++) {
        const r = await elm(['connector', 'add', 'fileshare', '--name', `c-${i}-${j}`, '--path', s.share], { home: s.home, env: remote.env(url, { ELM_LOCK_WAIT_MS: '180000' }) });
        if (r.code !== 0) failures.push(`c-${i}-${j}: exit ${r.code}: ${r.stderr.trim()}`);
      }
    }),
  );
  expect(failures).toEqual([]);
  const state = await remote.read(url);
  const names = new Set(state.connectors.map((c: { name: string }) => c.name));
  expect(names.size).toBe(PROCS * EACH);
  expect(new Set(state.connectors.map((c: { id: string }) => c.id)).size).toBe(PROCS * EACH);
  const props = await remote.container.getBlockBlobClient(remote.blobName(url)).getProperties();
  expect(props.leaseState).toBe('available');
  // Nothing was written under ELM_HOME: the state lives in the blob only.
  await expect(import('node:fs').then((fs) => fs.promises.access(path.join(s.home, 'state.json')))).rejects.toThrow();
  expect(json(await elm(['connector', 'list', '--json'], { home: s.home, env: remote.env(url) }))).toHaveLength(PROCS * EACH);
}, 1_800_000);

test('--state and --state-key-env on the command line work like ELM_STATE; a missing key variable is named (exit 2)', async () => {
  const url = await remote.newState();
  const flags = ['--state', url, '--state-key-env', KEY_VAR];
  expectOk(await elm(['connector', 'add', 'fileshare', '--name', 'one', '--path', s.share, ...flags], { home: s.home, env: { [KEY_VAR]: remote.azurite.accountKey } }));
  expect((await remote.read(url)).connectors.map((c: { name: string }) => c.name)).toEqual(['one']);
  const missing = await elm(['connector', 'list', '--state', url, '--state-key-env', 'NOT_SET_ANYWHERE'], { home: s.home });
  expectCode(missing, 2);
  expect(missing.stderr.trim()).toBe(
    'error: The environment variable NOT_SET_ANYWHERE (--state-key-env) is not set: export the key of storage account devstoreaccount1 in it; elm never stores it.',
  );
  const sas = await elm(['connector', 'list', '--state', `${url}?sv=2025-11-05&sig=abc`], { home: s.home });
  expectCode(sas, 2);
  expect(sas.stderr).toMatch(/--state must not carry credentials .* --state-sas-env/);
  const noContainer = await elm(['connector', 'list'], { home: s.home, env: remote.env(`${remote.azurite.blobEndpoint}/nothere/state.json`) });
  expectCode(noContainer, 2);
  expect(noContainer.stderr).toMatch(/The container nothere of the elm state .* does not exist; create it/);
});

test('the previous good copy is kept as <name>.bak; a corrupt or newer-schema blob is refused (exit 2) and never overwritten', async () => {
  const url = await remote.newState();
  const run = (args: string[]) => elm(args, { home: s.home, env: remote.env(url) });
  expectOk(await run(['connector', 'add', 'fileshare', '--name', 'one', '--path', s.share]));
  const blob = remote.container.getBlockBlobClient(remote.blobName(url));
  const first = await blob.downloadToBuffer();
  expectOk(await run(['connector', 'add', 'fileshare', '--name', 'two', '--path', s.share]));
  const bak = await remote.container.getBlockBlobClient(`${remote.blobName(url)}.bak`).downloadToBuffer();
  expect(bak.equals(first)).toBe(true);

  for (const [bytes, message] of [
    ['{"schemaVersion": 1, "connectors": [', /is corrupt .*; elm will not overwrite it\. Restore the last good copy \(.*state\.json\.bak\)/],
    [JSON.stringify({ schemaVersion: 99 }), /has schemaVersion 99, newer than this elm understands \(1\); upgrade elm\. The blob was left untouched\./],
    [JSON.stringify({ ...JSON.parse(first.toString()), connectors: 'nope' }), /is invalid at connectors: .*; elm will not overwrite it/],
  ] as const) {
    await blob.upload(bytes, Buffer.byteLength(bytes));
    for (const args of [['connector', 'list'], ['connector', 'add', 'fileshare', '--name', 'three', '--path', s.share]]) {
      const r = await run(args);
      expectCode(r, 2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).toContain(url);
    }
    expect((await blob.downloadToBuffer()).toString()).toBe(bytes);
    expect((await blob.getProperties()).leaseState).toBe('available');
  }
});

test('a writer killed with SIGKILL while holding the lease delays the next writer at most the lease duration (15 s)', async () => {
  const url = await remote.newState();
  const env = remote.env(url, { ELM_STATE_LEASE_SECONDS: '15', ELM_USER: 'alice', ELM_HOSTNAME: 'build-7' });
  expectOk(await elm(['connector', 'add', 'fileshare', '--name', 'one', '--path', s.share], { home: s.home, env }));
  const holder = holdLease(s.home, env);
  await holder.holding;
  // Renewed while held: still leased well past the lease's own 15 s would be too slow a test; a
  // short wait shows the exit-5 message naming who holds it.
  const busy = await elm(['connector', 'add', 'fileshare', '--name', 'two', '--path', s.share], { home: s.home, env: { ...env, ELM_LOCK_WAIT_MS: '1000' } });
  expectCode(busy, 5);
  expect(busy.stderr).toMatch(new RegExp(`is leased by alice@build-7 pid ${holder.child.pid} since .*; waited [1-9]\\d*s\\. .*frees it within 15s, or break the lease with elm state unlock`));
  // The same command uncontended, right now, on this (busy) machine: what the delay is measured against.
  const t0 = Date.now();
  expectOk(await elm(['connector', 'list'], { home: s.home, env: { ...env, ELM_STATE: await remote.newState() } }));
  const baseline = Date.now() - t0;
  holder.child.kill('SIGKILL');
  const killedAt = Date.now();
  const next = await elm(['connector', 'add', 'fileshare', '--name', 'two', '--path', s.share], { home: s.home, env });
  expectOk(next);
  // It said once what it waited for, and for how long at most.
  expect(next.stderr.match(/Waiting for the lease/g)).toHaveLength(1);
  expect(next.stderr).toMatch(new RegExp(`Waiting for the lease on the elm state held by alice@build-7 pid ${holder.child.pid} since \\S+; a holder that died frees it within 15 s \\(waiting up to \\d+ s more\\)\\.`));
  const delay = Date.now() - killedAt - baseline;
  // Renewed every 5 s while held, the lease outlives its holder by 10 to 15 s, no more.
  expect(delay).toBeGreaterThan(5_000);
  expect(delay).toBeLessThanOrEqual(15_000 + 2_000);
  expect((await remote.read(url)).connectors.map((c: { name: string }) => c.name)).toEqual(['one', 'two']);
});
