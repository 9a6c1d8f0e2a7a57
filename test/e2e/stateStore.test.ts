/**
 * The state store of the README's How it is built through the real binary: concurrent writers lose nothing, mode
 * 0600, a .bak of the last good copy, the lock's bounded wait (exit 5) and stale-lock breaking,
 * corrupt or newer files refused and never overwritten.
 */
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { elm, expectCode, expectOk, expectRefused, findFiles, json, MiB, readState, scratch, stateBytes, type Scratch } from '../support/e2e';

jest.setTimeout(180_000);

const stateFile = (s: Scratch) => path.join(s.home, 'state.json');
const lockFile = (s: Scratch) => `${stateFile(s)}.lock`;

describe('concurrent writers', () => {
  let s: Scratch;
  beforeAll(async () => {
    s = await scratch(2 * MiB);
  });
  afterAll(() => s.cleanup());

  test('8 processes × 25 mutations each: all 200 recorded, none lost', async () => {
    const PROCS = 8;
    const EACH = 25;
    const failures: string[] = [];
    await Promise.all(
      Array.from({ length: PROCS }, async (_, i) => {
        for (let j = 0; j < EACH; j++) {
          const r = await elm(['connector', 'add', 'fileshare', '--name', `c-${i}-${j}`, '--path', s.share], { home: s.home, env: { ELM_LOCK_WAIT_MS: '60000' } });
          if (r.code !== 0) failures.push(`c-${i}-${j}: exit ${r.code}: ${r.stderr.trim()}`);
        }
      }),
    );
    expect(failures).toEqual([]);
    const state = await readState(s.home);
    const names = new Set(state.connectors.map((c: { name: string }) => c.name));
    expect(names.size).toBe(PROCS * EACH);
    for (let i = 0; i < PROCS; i++) for (let j = 0; j < EACH; j++) expect(names.has(`c-${i}-${j}`)).toBe(true);
    // Ids were handed out under the lock too: no two the same.
    expect(new Set(state.connectors.map((c: { id: string }) => c.id)).size).toBe(PROCS * EACH);
    // No lock and no temp file left behind.
    expect((await fs.readdir(s.home)).filter((f) => f.endsWith('.lock') || f.endsWith('.tmp'))).toEqual([]);
    expect(json(await s.run(['connector', 'list', '--json']))).toHaveLength(PROCS * EACH);
  });
});

describe('the state file', () => {
  let s: Scratch;
  beforeEach(async () => {
    s = await scratch(2 * MiB);
  });
  afterEach(() => s.cleanup());

  test('mode 0600; state.json.bak holds the previous good copy after a second write', async () => {
    expectOk(await s.run(['connector', 'add', 'fileshare', '--name', 'one', '--path', s.share]));
    const first = await stateBytes(s.home);
    expect((await fs.stat(stateFile(s))).mode & 0o777).toBe(0o600);
    expectOk(await s.run(['connector', 'add', 'fileshare', '--name', 'two', '--path', s.share]));
    expect((await fs.stat(stateFile(s))).mode & 0o777).toBe(0o600);
    const bak = await fs.readFile(`${stateFile(s)}.bak`);
    expect(bak.equals(first!)).toBe(true);
    expect(JSON.parse(bak.toString()).connectors.map((c: { name: string }) => c.name)).toEqual(['one']);
    expect((await readState(s.home)).connectors.map((c: { name: string }) => c.name)).toEqual(['one', 'two']);
    expect((await readState(s.home)).schemaVersion).toBe(1);
  });

  test('a lock held by a live process past ELM_LOCK_WAIT_MS: exit 5, one line naming it; reads still work', async () => {
    expectOk(await s.run(['connector', 'add', 'fileshare', '--name', 'one', '--path', s.share]));
    await fs.writeFile(lockFile(s), JSON.stringify({ pid: process.pid, host: os.hostname(), at: new Date().toISOString() }));
    const started = Date.now();
    const r = await expectRefused(s, ['connector', 'add', 'fileshare', '--name', 'two', '--path', s.share], new RegExp(`locked by process ${process.pid} on ${os.hostname()}`), {
      code: 5,
      env: { ELM_LOCK_WAIT_MS: '500' },
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(500);
    expect(r.stderr).toContain(lockFile(s));
    await fs.access(lockFile(s)); // a live holder's lock is not broken
    // Reads do not lock.
    expect(json(await s.run(['connector', 'list', '--json'], { env: { ELM_LOCK_WAIT_MS: '500' } }))).toHaveLength(1);
  });

  test('a lock left by a dead process is broken', async () => {
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const pid = Number(dead.stdout);
    expect(pid).toBeGreaterThan(0);
    await fs.mkdir(s.home, { recursive: true });
    await fs.writeFile(lockFile(s), JSON.stringify({ pid, host: os.hostname(), at: new Date().toISOString() }));
    const r = await s.run(['connector', 'add', 'fileshare', '--name', 'one', '--path', s.share], { env: { ELM_LOCK_WAIT_MS: '2000' } });
    expectOk(r);
    await expect(fs.access(lockFile(s))).rejects.toThrow();
    expect((await readState(s.home)).connectors).toHaveLength(1);
  });

  test('a lock older than the stale limit is broken even if its pid looks alive', async () => {
    await fs.mkdir(s.home, { recursive: true });
    await fs.writeFile(lockFile(s), JSON.stringify({ pid: process.pid, host: os.hostname(), at: new Date(0).toISOString() }));
    const old = new Date(Date.now() - 5 * 60_000);
    await fs.utimes(lockFile(s), old, old);
    expectOk(await s.run(['connector', 'add', 'fileshare', '--name', 'one', '--path', s.share], { env: { ELM_LOCK_WAIT_MS: '2000' } }));
  });

  test('a half-written lock file (no owner) is broken once it is a few seconds old', async () => {
    await fs.mkdir(s.home, { recursive: true });
    await fs.writeFile(lockFile(s), '{"pid": 12');
    const old = new Date(Date.now() - 10_000);
    await fs.utimes(lockFile(s), old, old);
    expectOk(await s.run(['connector', 'add', 'fileshare', '--name', 'one', '--path', s.share], { env: { ELM_LOCK_WAIT_MS: '2000' } }));
  });

  describe('a corrupt or newer state file is refused by every command and never overwritten', () => {
    const commands = (s: Scratch) => [
      ['connector', 'list'],
      ['connector', 'add', 'fileshare', '--name', 'x', '--path', s.share],
      ['os-layer', 'import', '--name', 'w', '--version', '1', '--disk', s.osDisk],
      ['layer', 'list', '--json'],
      ['task', 'list'],
      ['layer', 'create', '--name', 'l', '--version', '1', '--os-layer', 'w', '--connector', 'x', '--hypervisor', 'xenserver'],
    ];

    test('garbage in state.json: exit 2, one line, byte for byte unchanged; the .bak is kept', async () => {
      expectOk(await s.run(['connector', 'add', 'fileshare', '--name', 'one', '--path', s.share]));
      expectOk(await s.run(['connector', 'add', 'fileshare', '--name', 'two', '--path', s.share]));
      const bak = await fs.readFile(`${stateFile(s)}.bak`);
      await fs.writeFile(stateFile(s), '\u0000\u0001 this is not json {{{');
      for (const args of commands(s)) await expectRefused(s, args, /The state file .*state\.json is corrupt .*will not overwrite it/);
      expect((await fs.readFile(`${stateFile(s)}.bak`)).equals(bak)).toBe(true);
      // The message's advice works: restore the .bak and carry on.
      await fs.copyFile(`${stateFile(s)}.bak`, stateFile(s));
      expect(json(await s.run(['connector', 'list', '--json'])).map((c: { name: string }) => c.name)).toEqual(['one']);
    });

    test('valid JSON of the wrong shape: exit 2 naming where, unchanged', async () => {
      await fs.mkdir(s.home, { recursive: true });
      await fs.writeFile(stateFile(s), JSON.stringify({ schemaVersion: 1, nextId: 1, connectors: 'none', osLayers: [], icons: [], layers: [], tasks: [] }));
      for (const args of commands(s)) await expectRefused(s, args, /The state file .*state\.json is invalid at connectors/);
    });

    test('a newer schemaVersion: exit 2 saying to upgrade elm, unchanged', async () => {
      await fs.mkdir(s.home, { recursive: true });
      await fs.writeFile(stateFile(s), JSON.stringify({ schemaVersion: 2, nextId: 1, connectors: [], osLayers: [], icons: [], layers: [], tasks: [], future: true }));
      for (const args of commands(s)) await expectRefused(s, args, /schemaVersion 2, newer than this elm understands \(1\); upgrade elm/);
    });
  });

  test('no temp files are left after ordinary use', async () => {
    expectOk(await s.run(['connector', 'add', 'fileshare', '--name', 'one', '--path', s.share]));
    expectOk(await s.run(['connector', 'remove', 'one', '--yes']));
    expect(await findFiles(s.home, /\.tmp$|\.lock$/)).toEqual([]);
    expectCode(await s.run(['connector', 'show', 'one']), 2);
  });
});
