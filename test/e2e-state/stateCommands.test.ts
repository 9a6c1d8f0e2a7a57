/**
 * `elm state show / push / pull / unlock` through the real binary against Azurite, and a SAS
 * read from a named environment variable as the credential.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ContainerSASPermissions, generateBlobSASQueryParameters, StorageSharedKeyCredential } from '@azure/storage-blob';
import { AZURITE_SAS_VERSION } from '../support/azure/azurite';
import { elm, expectCode, expectOk, json, MiB, scratch, type Scratch } from '../support/e2e';
import { holdLease, startRemote, type Remote } from './helpers';

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

test('push moves a local state to a blob, refuses to overwrite one without --force; pull brings it to another home', async () => {
  expectOk(await s.run(['connector', 'add', 'fileshare', '--name', 'mine', '--path', s.share]));
  const local = await fs.readFile(path.join(s.home, 'state.json'), 'utf8');
  const url = remote.newUrl();
  const keyEnv = remote.env(url);
  delete keyEnv.ELM_STATE; // push names its target with --to; the key variable is the credential
  const pushed = await s.run(['state', 'push', '--to', url], { env: keyEnv });
  expectOk(pushed);
  expect(pushed.stderr).toContain(`Pushed the state (1 connectors, 0 OS layers, 0 layers, 0 tasks) to ${url}.`);
  expect(await remote.read(url)).toEqual(JSON.parse(local));

  // Someone adds to the remote state; a second push would lose that: refused, exit 2, untouched.
  expectOk(await s.run(['connector', 'add', 'fileshare', '--name', 'theirs', '--path', s.share], { env: remote.env(url) }));
  const before = await remote.read(url);
  const refused = await s.run(['state', 'push', '--to', url], { env: keyEnv });
  expectCode(refused, 2);
  expect(refused.stderr.trim()).toBe(
    `error: ${url} already holds an elm state (2 connectors, 0 OS layers, 0 layers, 0 tasks); pass --force to overwrite it (its previous copy is kept as ${url}.bak).`,
  );
  expect(await remote.read(url)).toEqual(before);
  expectOk(await s.run(['state', 'push', '--to', url, '--force'], { env: keyEnv }));
  expect((await remote.read(url)).connectors.map((c: { name: string }) => c.name)).toEqual(['mine']);
  const bak = JSON.parse((await remote.container.getBlockBlobClient(`${remote.blobName(url)}.bak`).downloadToBuffer()).toString());
  expect(bak.connectors.map((c: { name: string }) => c.name)).toEqual(['mine', 'theirs']);

  // pull: into an empty home; into one with content only with --force.
  const other = path.join(s.dir, 'other-home');
  const pulled = await elm(['state', 'pull'], { home: other, env: remote.env(url) });
  expectOk(pulled);
  expect(JSON.parse(await fs.readFile(path.join(other, 'state.json'), 'utf8'))).toEqual(await remote.read(url));
  const again = await elm(['state', 'pull'], { home: s.home, env: remote.env(url) });
  expectCode(again, 2);
  expect(again.stderr).toMatch(/already holds a state \(1 connectors.*pass --force/);
  const noRemote = await elm(['state', 'pull'], { home: other });
  expectCode(noRemote, 2);
  expect(noRemote.stderr.trim()).toBe('error: No remote state to pull from: name it with --state <url> or ELM_STATE.');
});

test('state show names the lease holder; unlock asks for --yes without a terminal, then breaks it naming the holder', async () => {
  const url = await remote.newState();
  const env = remote.env(url, { ELM_USER: 'carol', ELM_HOSTNAME: 'runner-3', ELM_STATE_LEASE_SECONDS: '60' });
  expectOk(await s.run(['connector', 'add', 'fileshare', '--name', 'one', '--path', s.share], { env }));
  const holder = holdLease(s.home, env);
  try {
    await holder.holding;
    const holderRe = `carol@runner-3 pid ${holder.child.pid} since \\S+`;
    const show = json(await s.run(['state', 'show', '--json'], { env }));
    expect(show.lock.state).toBe('leased');
    expect(show.lock.holder).toMatch(new RegExp(`^${holderRe}$`));
    const noYes = await s.run(['state', 'unlock'], { env });
    expectCode(noYes, 2);
    expect(noYes.stderr).toMatch(new RegExp(`is held by ${holderRe}; pass --yes to break the lock`));
    holder.child.kill('SIGKILL');
    const broke = await s.run(['state', 'unlock', '--yes'], { env });
    expectOk(broke);
    expect(broke.stderr).toMatch(new RegExp(`Broke the lock ${holderRe} held on ${url.replace(/[.]/g, '\\.')}`));
    // The next writer goes through at once instead of waiting out the 60 s lease.
    const next = await s.run(['connector', 'add', 'fileshare', '--name', 'two', '--path', s.share], { env: { ...env, ELM_LOCK_WAIT_MS: '5000' } });
    expectOk(next);
    expect(json(await s.run(['state', 'show', '--json'], { env })).lock).toEqual({ state: 'available', holder: null });
    const nothing = await s.run(['state', 'unlock', '--yes'], { env });
    expectOk(nothing);
    expect(nothing.stderr).toContain('is not locked; nothing to do');
  } finally {
    holder.child.kill('SIGKILL');
  }
});

test('a SAS from the variable --state-sas-env names works; the SAS itself appears nowhere', async () => {
  const url = await remote.newState();
  const sas = generateBlobSASQueryParameters(
    {
      containerName: 'elm-state',
      permissions: ContainerSASPermissions.parse('racwdl'),
      expiresOn: new Date(Date.now() + 3600_000),
      version: AZURITE_SAS_VERSION,
    },
    new StorageSharedKeyCredential(remote.azurite.accountName, remote.azurite.accountKey),
  ).toString();
  const env = { ELM_TEST_SAS: sas };
  const r = await s.run(['connector', 'add', 'fileshare', '--name', 'via-sas', '--path', s.share, '--state', url, '--state-sas-env', 'ELM_TEST_SAS'], { env });
  expectOk(r);
  const show = await s.run(['state', 'show', '--json', '--state', url, '--state-sas-env', 'ELM_TEST_SAS'], { env });
  expectOk(show);
  const state = JSON.stringify(await remote.read(url));
  const sig = new URLSearchParams(sas).get('sig')!;
  for (const text of [r.stdout, r.stderr, show.stdout, show.stderr, state]) expect(text).not.toContain(sig);
  expect(json(show).location).toBe(url);
});
