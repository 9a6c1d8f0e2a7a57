/**
 * A remote state that is not there is an error, never an empty state: through the real binary
 * against Azurite, a deleted blob is exit 3 naming its URL and its last good copy, nothing
 * recreates it over that copy, `state pull` refuses it, and `state restore` puts the copy back.
 * Beside it, the input checks of the state's URL and environment (exit 2, one line).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { elm, expectCode, expectOk, json, MiB, scratch, type Scratch } from '../support/e2e';
import { startRemote, type Remote } from './helpers';

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

const blobOf = (url: string, suffix = '') => remote.container.getBlockBlobClient(`${remote.blobName(url)}${suffix}`);
const escape = (t: string) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

test('a deleted state blob: reads and changes exit 3 naming the URL and the .bak, which stays untouched; restore puts it back', async () => {
  const url = await remote.newState();
  const run = (args: string[], extra: NodeJS.ProcessEnv = {}) => s.run(args, { env: remote.env(url, extra) });
  expectOk(await run(['connector', 'add', 'fileshare', '--name', 'one', '--path', s.share]));
  expectOk(await run(['connector', 'add', 'fileshare', '--name', 'two', '--path', s.share]));
  const bak = await blobOf(url, '.bak').downloadToBuffer();
  expect(JSON.parse(bak.toString()).connectors.map((c: { name: string }) => c.name)).toEqual(['one']);
  await blobOf(url).delete();

  const lost = new RegExp(`^error: The elm state ${escape(url)} does not exist \\(deleted, or the service lost it\\); its last good copy ${escape(url)}\\.bak is there: put it back with elm state restore`);
  for (const args of [['layer', 'list'], ['connector', 'list', '--json'], ['state', 'show'], ['connector', 'add', 'fileshare', '--name', 'three', '--path', s.share]]) {
    const r = await run(args);
    expectCode(r, 3);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(lost);
  }
  // Nothing was recreated, and the last good copy is byte for byte what it was.
  expect(await blobOf(url).exists()).toBe(false);
  expect((await blobOf(url, '.bak').downloadToBuffer()).equals(bak)).toBe(true);

  // state pull of it refuses and leaves the local state as it was.
  expectOk(await s.run(['connector', 'add', 'fileshare', '--name', 'mine', '--path', s.share]));
  const localBefore = await fs.readFile(path.join(s.home, 'state.json'));
  for (const args of [['state', 'pull'], ['state', 'pull', '--force']]) {
    const pulled = await run(args);
    expectCode(pulled, 3);
    expect(pulled.stderr).toMatch(lost);
    expect((await fs.readFile(path.join(s.home, 'state.json'))).equals(localBefore)).toBe(true);
  }

  // init does not start an empty state over a lost one without --force.
  const init = await run(['state', 'init']);
  expectCode(init, 2);
  expect(init.stderr).toMatch(/the last good copy of a state that was there, exists: put it back with elm state restore, or pass --force/);
  expect(await blobOf(url).exists()).toBe(false);

  const restored = await run(['state', 'restore']);
  expectOk(restored);
  expect(restored.stderr).toContain(`Restored ${url} from ${url}.bak.`);
  expect(json(await run(['connector', 'list', '--json'])).map((c: { name: string }) => c.name)).toEqual(['one']);
  // A readable state is replaced only with --force, and then kept as the last good copy.
  expectOk(await run(['connector', 'add', 'fileshare', '--name', 'after', '--path', s.share]));
  const again = await run(['state', 'restore']);
  expectCode(again, 2);
  expect(again.stderr).toMatch(/holds a readable state .*; pass --force to replace it/);
  expectOk(await run(['state', 'restore', '--force']));
  expect(json(await run(['connector', 'list', '--json'])).map((c: { name: string }) => c.name)).toEqual(['one']);
  expect(JSON.parse((await blobOf(url, '.bak').downloadToBuffer()).toString()).connectors.map((c: { name: string }) => c.name)).toEqual(['one', 'after']);
});

test('a URL that never held a state: exit 3 saying how to create one; state init and state push create it, nothing else', async () => {
  const url = remote.newUrl();
  const env = remote.env(url);
  const fresh = path.join(s.dir, 'fresh-home');
  const add = await elm(['connector', 'add', 'fileshare', '--name', 'x', '--path', s.share], { home: fresh, env });
  expectCode(add, 3);
  expect(add.stderr.trim()).toBe(`error: The elm state ${url} does not exist; create it with elm state push --to ${url} (from a local state) or elm state init, or fix --state / ELM_STATE.`);
  expect(await blobOf(url).exists()).toBe(false);
  expect(await blobOf(url, '.bak').exists()).toBe(false);
  const pulled = await elm(['state', 'pull'], { home: fresh, env });
  expectCode(pulled, 3);
  await expect(fs.access(path.join(fresh, 'state.json'))).rejects.toThrow();

  const init = await elm(['state', 'init'], { home: fresh, env });
  expectOk(init);
  expect(init.stderr).toContain(`Created an empty elm state at ${url}.`);
  expectOk(await elm(['connector', 'add', 'fileshare', '--name', 'x', '--path', s.share], { home: fresh, env }));
  const twice = await elm(['state', 'init'], { home: fresh, env });
  expectOk(twice);
  expect(twice.stderr).toContain('already holds an elm state; left untouched');
  expect((await remote.read(url)).connectors.map((c: { name: string }) => c.name)).toEqual(['x']);
  // The first state has no previous one: no .bak was written from nothing.
  const pushedUrl = remote.newUrl();
  const keyOnly = { ...remote.env(pushedUrl) };
  delete keyOnly.ELM_STATE;
  expectOk(await s.run(['state', 'push', '--to', pushedUrl], { env: keyOnly }));
  expect(await blobOf(pushedUrl, '.bak').exists()).toBe(false);
  expect((await remote.read(pushedUrl)).connectors.length).toBeGreaterThan(0);
});

test('a local state deleted beside its last good copy is exit 3 too; a fresh home still starts on its first change', async () => {
  const home = path.join(s.dir, 'local-home');
  expectOk(await elm(['connector', 'add', 'fileshare', '--name', 'a', '--path', s.share], { home }));
  expectOk(await elm(['connector', 'add', 'fileshare', '--name', 'b', '--path', s.share], { home }));
  const file = path.join(home, 'state.json');
  await fs.rm(file);
  const r = await elm(['layer', 'list'], { home });
  expectCode(r, 3);
  expect(r.stderr.trim()).toBe(
    `error: The state file ${file} does not exist but its last good copy ${file}.bak does (deleted or lost?): put it back with elm state restore, or move ${file}.bak away to start an empty state.`,
  );
  expectCode(await elm(['connector', 'add', 'fileshare', '--name', 'c', '--path', s.share], { home }), 3);
  expectOk(await elm(['state', 'restore'], { home }));
  expect(json(await elm(['connector', 'list', '--json'], { home })).map((c: { name: string }) => c.name)).toEqual(['a']);
});

test('bad state input is exit 2 in one line: http to another host, a malformed escape, http without a key, ELM_LOCK_WAIT_MS', async () => {
  const oneLine = async (args: string[], env: NodeJS.ProcessEnv, message: RegExp) => {
    const r = await elm(args, { home: s.home, env });
    expectCode(r, 2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
  };
  const key = remote.env('unused');
  delete key.ELM_STATE;
  await oneLine(['layer', 'list'], { ...key, ELM_STATE: 'http://teamstore.blob.core.windows.net/elm/state.json' }, /ELM_STATE|--state http:\/\/teamstore\.blob\.core\.windows\.net\/elm\/state\.json is plain http: the state's credential would travel in clear; use https:\/\//);
  await oneLine(['state', 'push', '--to', 'http://10.1.2.3:10000/devstoreaccount1/elm/state.json'], key, /--to .* is plain http/);
  await oneLine(['layer', 'list'], { ELM_STATE: `${remote.azurite.blobEndpoint}/elm-state/a%zz/state.json`, ...key }, /has a malformed %-escape in its path; write % as %25/);
  await oneLine(['layer', 'list'], { ELM_STATE: await remote.newState() }, /is plain http \(an emulator on this machine\): give its account key with --state-key-env VAR or a SAS with --state-sas-env VAR/);
  await oneLine(['layer', 'list'], remote.env(await remote.newState(), { ELM_LOCK_WAIT_MS: 'soon' }), /^error: ELM_LOCK_WAIT_MS=soon is not a whole number of milliseconds/);
  await oneLine(['layer', 'list'], { ELM_LOCK_WAIT_MS: '-5' }, /^error: ELM_LOCK_WAIT_MS=-5 is not a whole number of milliseconds/);
  await oneLine(['layer', 'list'], remote.env(await remote.newState(), { ELM_STATE_TIMEOUT_MS: '0' }), /^error: ELM_STATE_TIMEOUT_MS=0 is not a whole number of milliseconds/);
});

test('a credential chain that fails is reported line by line (real line breaks, no escaped \\x0a), exit 1', async () => {
  // https on this machine with nothing listening: DefaultAzureCredential fails before any request.
  const url = 'https://127.0.0.1:1/devstoreaccount1/elm/state.json';
  const r = await elm(['layer', 'list'], { home: s.home, env: { ELM_STATE: url, AZURE_CLIENT_ID: '', AZURE_TENANT_ID: '', AZURE_CLIENT_SECRET: '' }, timeoutMs: 180_000 });
  expectCode(r, 1);
  const lines = r.stderr.trim().split('\n');
  expect(lines[0]).toMatch(new RegExp(`^error: Could not sign in to the elm state ${escape(url)}: .*Sign in \\(az login, a managed or workload identity\\), or name a key or SAS with --state-key-env / --state-sas-env\\.$`));
  expect(lines.length).toBeGreaterThan(2);
  expect(lines.slice(1).every((l) => /^ {2}\S/.test(l))).toBe(true);
  expect(r.stderr).toMatch(/\n {2}CredentialUnavailableError: EnvironmentCredential is unavailable/);
  expect(r.stderr).not.toContain('\\x0a');
});
