/**
 * `task list` and `layer list` run without commander (src/cli/fastPath.ts, bundled into
 * dist/fast.js): an operator must not be able to tell. Every case runs twice through the real
 * binary's code, once as bin/elm.js (the fast path) and once through dist/cli/main.js (commander),
 * and stdout, stderr and the exit code must be the same, byte for byte.
 */
import { spawn, spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { buildProgram } from '../../src/cli/program';
import { FAST_COMMANDS, parseFlags } from '../../src/cli/fastPath';
import { BIN, ROOT, type CliResult } from '../support/cli';
import { baseSetup, createLayer, expectOk, readState, scratch, type Scratch } from '../support/e2e';

jest.setTimeout(120_000);

const FULL_PATH = `require(${JSON.stringify(path.join(ROOT, 'dist', 'cli', 'main.js'))}).main(process.argv)`;

/** elm through bin/elm.js (fast: true) or straight through commander (fast: false). */
function run(args: string[], opts: { fast: boolean; env?: NodeJS.ProcessEnv }): Promise<CliResult> {
  const env: NodeJS.ProcessEnv = { ...process.env, ...opts.env };
  delete env.CI;
  delete env.NODE_OPTIONS;
  const argv = opts.fast ? [BIN, ...args] : ['-e', FULL_PATH, 'elm', ...args];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, argv, { env, cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
    child.stdin.end();
  });
}

async function expectSame(args: string[], env: NodeJS.ProcessEnv): Promise<CliResult> {
  const [fast, full] = await Promise.all([run(args, { fast: true, env }), run(args, { fast: false, env })]);
  expect({ args, ...fast }).toEqual({ args, ...full });
  return fast;
}

const LONG_AGO = '2026-01-02T03:04:05.000Z';

let s: Scratch;
let empty: string;
let env: NodeJS.ProcessEnv;
beforeAll(async () => {
  s = await scratch();
  await baseSetup(s);
  const app = await createLayer(s, 'app');
  await createLayer(s, 'other');
  // Fixed instants (the tables show "N d ago", the same for both runs) and a task whose worker
  // died (Running, no heartbeat); then one change through elm, so the state is one elm wrote.
  const state = await readState(s.home);
  for (const t of state.tasks) t.startedAt = LONG_AGO;
  state.tasks.find((t: { id: string }) => t.id === app.task.id).state = 'Running';
  await fs.writeFile(path.join(s.home, 'state.json'), JSON.stringify(state));
  expectOk(await s.run(['connector', 'add', 'fileshare', '--name', 'second', '--path', s.share]));
  empty = path.join(s.dir, 'empty-home');
  env = { ELM_HOME: s.home };
});
afterAll(() => s.cleanup());

describe('the fast path prints what commander prints', () => {
  const cases: string[][] = [
    ['task', 'list'],
    ['task', 'list', '--all'],
    ['task', 'list', '--json'],
    ['task', 'list', '--all', '--json', '--no-color', '--no-input'],
    ['task', 'list', '--layer', 'app'],
    ['task', 'list', '--layer=other', '--all'],
    ['task', 'list', '--state', 'actionrequired', '--json'],
    ['task', 'list', '--state', 'Complete', '--layer', 'app'],
    ['task', 'list', '--verbose'],
    ['layer', 'list'],
    ['layer', 'list', '--json'],
    ['layer', 'list', '--verbose', '--no-color'],
    // bad input: the same one line and exit 2 (with --json, the same error document)
    ['task', 'list', '--state', 'Sleeping'],
    ['task', 'list', '--layer', 'nope', '--json'],
    // what the fast path leaves to commander, for its usage errors
    ['task', 'list', '--bogus'],
    ['task', 'list', 'extra'],
    ['task', 'list', '--layer'],
    ['task', 'list', '--all=yes'],
    ['layer', 'list', '--home', ''],
  ];
  test.each(cases.map((args) => [args.join(' '), args]))('elm %s', async (_name, args) => {
    await expectSame(args as string[], env);
  });

  test('marks the task whose worker died, and the table and JSON are really there', async () => {
    const table = await expectSame(['task', 'list'], env);
    expect(table.stdout).toMatch(/Running, worker died: elm task resume \d+/);
    const doc = JSON.parse((await expectSame(['task', 'list', '--json'], env)).stdout);
    expect(doc.filter((t: { workerDied: boolean }) => t.workerDied)).toHaveLength(1);
    const refused = await expectSame(['task', 'list', '--state', 'Sleeping'], env);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/^error: --state "Sleeping" is not a task state/);
  });

  test('an empty home, --home, and ELM_HOME relative to the working folder', async () => {
    for (const args of [['task', 'list'], ['task', 'list', '--all'], ['task', 'list', '--json'], ['layer', 'list'], ['layer', 'list', '--json']]) {
      await expectSame(args, { ELM_HOME: empty });
      await expectSame(['--home', s.home, ...args], {});
      await expectSame([...args, '--home', s.home, '--verbose'], { ELM_HOME: empty });
    }
    await expectSame(['layer', 'list', '--verbose'], { ELM_HOME: path.relative(ROOT, s.home) });
  });

  test('a corrupt state: the same refusal, exit 2', async () => {
    const bad = path.join(s.dir, 'bad-home');
    await fs.mkdir(bad, { recursive: true });
    await fs.writeFile(path.join(bad, 'state.json'), '{"schemaVersion": 1, "layers": [');
    const r = await expectSame(['layer', 'list', '--json'], { ELM_HOME: bad });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/is corrupt/);
  });

  test('bin/elm.js really takes the fast path for these (commander is not loaded)', () => {
    const loaded = (args: string[]) =>
      spawnSync(process.execPath, [BIN, ...args], { env: { ...process.env, ...env, NODE_DEBUG: 'module', NODE_OPTIONS: '' }, encoding: 'utf8' }).stderr;
    expect(loaded(['task', 'list', '--all', '--json'])).not.toMatch(/node_modules\/commander/);
    expect(loaded(['layer', 'list'])).not.toMatch(/node_modules\/commander/);
    expect(loaded(['task', 'list', '--bogus'])).toMatch(/node_modules\/commander/);
  });

  test('a module rebuilt after the bundle (a bare tsc) is run from dist/, not from the stale bundle', async () => {
    const module = path.join(ROOT, 'dist', 'runtime', 'text.js');
    const { atime, mtime } = await fs.stat(module);
    const later = new Date(Date.now() + 60_000);
    await fs.utimes(module, later, later);
    try {
      const r = spawnSync(process.execPath, [BIN, 'layer', 'list'], { env: { ...process.env, ...env, NODE_DEBUG: 'module', NODE_OPTIONS: '' }, encoding: 'utf8' });
      expect(r.status).toBe(0);
      expect(r.stderr).toContain(`load "${module}"`);
      expect(r.stdout).toMatch(/^ID\s+NAME/);
    } finally {
      await fs.utimes(module, atime, mtime);
    }
  });
});

describe('wherever the output goes (the fast path writes files and pipes itself)', () => {
  /** A home whose `layer list --json` is far bigger than a pipe's buffer (64 KiB on Linux). */
  let big: string;
  beforeAll(async () => {
    big = path.join(s.dir, 'big-home');
    await fs.mkdir(big, { recursive: true });
    const state = await readState(s.home);
    const model = state.layers[0];
    state.layers = Array.from({ length: 8000 }, (_, i) => ({ ...model, id: String(10_000 + i), name: `layer-${i}` }));
    state.tasks = [];
    await fs.writeFile(path.join(big, 'state.json'), JSON.stringify(state));
  });

  const withEnv = (home: string) => {
    const e: NodeJS.ProcessEnv = { ...process.env, ELM_HOME: home };
    delete e.CI;
    delete e.NODE_OPTIONS;
    return e;
  };

  test('a file and /dev/null get what a pipe gets; nothing on stderr', async () => {
    const piped = await run(['layer', 'list', '--json'], { fast: true, env: { ELM_HOME: big } });
    expect(piped.code).toBe(0);
    expect(JSON.parse(piped.stdout)).toHaveLength(8000);
    const file = path.join(s.dir, 'list.json');
    const fh = await fs.open(file, 'w');
    try {
      const r = spawnSync(process.execPath, [BIN, 'layer', 'list', '--json'], { env: withEnv(big), stdio: ['ignore', fh.fd, 'pipe'], encoding: 'utf8' });
      expect([r.status, r.stderr]).toEqual([0, '']);
    } finally {
      await fh.close();
    }
    expect(await fs.readFile(file, 'utf8')).toBe(piped.stdout);
    const devNull = spawnSync(process.execPath, [BIN, 'task', 'list', '--all'], { env: withEnv(s.home), stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
    expect([devNull.status, devNull.stderr]).toEqual([0, '']);
  });

  test('a slow reader gets every byte; a reader that stops early (| head) ends it quietly, exit 0', async () => {
    const expected = (await run(['layer', 'list', '--json'], { fast: false, env: { ELM_HOME: big } })).stdout;
    expect(expected.length).toBeGreaterThan(256 * 1024);
    const slow = await new Promise<{ code: number | null; out: string; err: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [BIN, 'layer', 'list', '--json'], { env: withEnv(big), stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.pause();
      setTimeout(() => child.stdout.on('data', (d) => (out += d)).resume(), 500); // elm waits meanwhile
      child.stderr.on('data', (d) => (err += d));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, out, err }));
    });
    expect(slow).toEqual({ code: 0, out: expected, err: '' });

    for (const fast of [true, false]) {
      const early = await new Promise<{ code: number | null; signal: NodeJS.Signals | null; err: string }>((resolve, reject) => {
        const argv = fast ? [BIN, 'layer', 'list'] : ['-e', FULL_PATH, 'elm', 'layer', 'list'];
        const child = spawn(process.execPath, argv, { env: withEnv(big), stdio: ['ignore', 'pipe', 'pipe'] });
        let err = '';
        child.stdout.once('data', () => child.stdout.destroy());
        child.stderr.on('data', (d) => (err += d));
        child.on('error', reject);
        child.on('close', (code, signal) => resolve({ code, signal, err }));
      });
      expect({ fast, ...early }).toEqual({ fast, code: 0, signal: null, err: '' });
    }
  });
});

describe('the fast table matches the commander one', () => {
  /** The leaf command `words` names, as the CLI builds it. */
  function leaf(words: string[]): Command {
    let cmd: Command = buildProgram(['node', 'elm', ...words]);
    for (const w of words) cmd = cmd.commands.find((c) => c.name() === w)!;
    return cmd;
  }

  test.each(Object.keys(FAST_COMMANDS))('%s: every flag the fast path reads is the same flag in commander', (name) => {
    const commander = leaf(name.split(' ')).options.map((o) => o.flags);
    const fast = [...FAST_COMMANDS[name].flags, '--home <dir>', '--json', '--no-input', '--no-color', '--verbose'];
    for (const f of fast) expect(commander).toContain(f);
    // The rest (the remote-state flags, --appliance) send the command line to commander.
    const rest = commander.filter((f) => !fast.includes(f));
    for (const f of rest) expect(f).toMatch(/^--(state(-key-env|-sas-env)?|appliance) </);
    for (const f of rest) expect(parseFlags([f.split(' ')[0], 'x'], fast)).toBeNull();
  });

  test('flags are read as commander reads them; anything unusual is left to commander', () => {
    const known = ['--all', '--layer <layer>', '--json', '--no-color'];
    expect(parseFlags(['--layer', 'a', '--layer=b', '--all', '--no-color'], known)).toEqual({ layer: 'b', all: true, color: false });
    for (const odd of [['--layer'], ['--layer', ''], ['--layer', '-x'], ['--all=1'], ['-a'], ['--'], ['x'], ['--color']]) {
      expect(parseFlags(odd, known)).toBeNull();
    }
  });
});
