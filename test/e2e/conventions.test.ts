/**
 * The output conventions of the README's Conventions through the real binary: one JSON document with --json,
 * data on stdout and progress on stderr, colour only on a terminal and never with NO_COLOR,
 * --no-color or TERM=dumb, --version/--help, usage errors (exit 2, one line), Ctrl-C (130).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { BIN } from '../support/cli';
import {
  baseSetup,
  createLayer,
  diskStatus,
  elm,
  expectCode,
  expectOk,
  findFiles,
  GiB,
  json,
  makeReadyToFinalize,
  MiB,
  oneLine,
  readState,
  REPORTS,
  takenNow,
  ROOT,
  scratch,
  waitFor,
  type Scratch,
} from '../support/e2e';

jest.setTimeout(120_000);

// eslint-disable-next-line no-control-regex -- looking for escape sequences is the point
const ANSI = /\u001b\[/;
const VERSION: string = JSON.parse(require('node:fs').readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version;

let s: Scratch;
let disk: string;
beforeAll(async () => {
  s = await scratch(8 * MiB);
  await baseSetup(s);
  await createLayer(s, 'app');
  disk = (await diskStatus(s, 'app')).disk.location;
});
afterAll(() => s.cleanup());

/**
 * Runs elm in a pseudo-terminal (stdin, stdout and stderr are TTYs) and returns what it drew.
 * node-pty sets TERM from its `name` option, so TERM is passed through that.
 */
async function inTerminal(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ exitCode: number; output: string }> {
  const { spawn } = require('@lydell/node-pty') as typeof import('@lydell/node-pty');
  const full = { ...process.env, ELM_HOME: s.home, ...env } as Record<string, string>;
  for (const k of ['CI', 'NODE_OPTIONS', 'NO_COLOR', 'FORCE_COLOR']) if (!(k in env)) delete full[k];
  const term = env.TERM ?? 'xterm-256color';
  const p = spawn(process.execPath, [BIN, ...args], { name: term, cols: 120, rows: 40, cwd: ROOT, env: { ...full, TERM: term } });
  let output = '';
  p.onData((d) => (output += d));
  // A command that prompts instead of failing never exits by itself: give up after a while.
  const timer = setTimeout(() => p.kill(), 20_000);
  const exitCode = await new Promise<number>((resolve) => p.onExit((e) => resolve(e.exitCode)));
  clearTimeout(timer);
  return { exitCode, output };
}

describe('--json: exactly one JSON document on stdout', () => {
  const cases: [string, string[], number][] = [
    ['connector list', ['connector', 'list', '--json'], 0],
    ['os-layer list', ['os-layer', 'list', '--json'], 0],
    ['icon list', ['icon', 'list', '--json'], 0],
    ['layer list', ['layer', 'list', '--json'], 0],
    ['layer show', ['layer', 'show', 'app', '--json'], 0],
    ['disk status', ['disk', 'status', 'app', '--json'], 0],
    ['task list', ['task', 'list', '--json'], 0],
    ['machine deploy-link', ['machine', 'deploy-link', 'app', '--json'], 0],
    ['verify (no report: exit 3)', ['verify', 'app', '--json'], 3],
    ['an error (exit 2)', ['layer', 'show', 'nope', '--json'], 2],
  ];
  test.each(cases)('%s', async (_name, args, code) => {
    const r = await s.run(args);
    expectCode(r, code);
    expect(() => JSON.parse(r.stdout)).not.toThrow();
    expect(r.stdout).not.toMatch(ANSI);
  });

  test('the list commands give arrays whose items have name (tasks: id)', async () => {
    for (const noun of ['connector', 'os-layer', 'icon']) {
      const list = json(await s.run([noun, 'list', '--json']));
      expect(Array.isArray(list)).toBe(true);
      for (const item of list) expect(typeof item.name).toBe('string');
    }
    for (const t of json(await s.run(['task', 'list', '--json']))) expect(typeof t.id).toBe('string');
  });

  test('an error with --json is a JSON document too, and still one line on stderr', async () => {
    const r = await s.run(['layer', 'show', 'nope', '--json']);
    expect(JSON.parse(r.stdout)).toEqual({ error: { message: expect.stringMatching(/No layer named "nope"/), exitCode: 2, details: [] } });
    expect(oneLine(r.stderr)).toBe(true);
  });

  test('layer create --wait --json: stdout is the document alone; without --json progress goes to stderr, data to stdout', async () => {
    const j = await s.run(['layer', 'create', '--name', 'j', '--version', '1', '--os-layer', 'win', '--connector', 'share', '--hypervisor', 'xenserver', '--wait', '--json']);
    expectOk(j);
    expect(JSON.parse(j.stdout).task.state).toBe('ActionRequired');

    const h = await s.run(['layer', 'create', '--name', 'h', '--version', '1', '--os-layer', 'win', '--connector', 'share', '--hypervisor', 'xenserver', '--wait']);
    expectOk(h);
    // Plain progress lines (no spinner without a terminal) on stderr.
    expect(h.stderr).toMatch(/^Creating packaging disk h: (Pending|Running) \d+%$/m);
    expect(h.stderr).toMatch(/^Creating packaging disk h: ActionRequired 100%$/m);
    expect(h.stderr).not.toMatch(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/);
    expect(h.stdout).not.toMatch(/Creating packaging disk/);
    expect(h.stdout.trim()).toBe(json(await s.run(['disk', 'status', 'h', '--json'])).task.description);
  });
});

describe('colour', () => {
  test('no ANSI escapes when output is not a terminal (pipes), even with FORCE_COLOR', async () => {
    for (const args of [['layer', 'list'], ['task', 'list'], ['layer', 'show', 'nope'], ['connector', 'test', 'share']]) {
      const r = await s.run(args, { env: { FORCE_COLOR: '3' } });
      expect(r.stdout).not.toMatch(ANSI);
      expect(r.stderr).not.toMatch(ANSI);
    }
  });

  test('on a terminal: colour by default; none with NO_COLOR, --no-color or TERM=dumb', async () => {
    const coloured = await inTerminal(['layer', 'list']);
    expect(coloured.exitCode).toBe(0);
    expect(coloured.output).toMatch(ANSI); // so the checks below can fail
    expect(coloured.output).toContain('app');

    const noColor = await inTerminal(['layer', 'list'], { NO_COLOR: '1' });
    expect(noColor.exitCode).toBe(0);
    expect(noColor.output).toContain('app');
    expect(noColor.output).not.toMatch(ANSI);

    const flag = await inTerminal(['layer', 'list', '--no-color']);
    expect(flag.output).toContain('app');
    expect(flag.output).not.toMatch(ANSI);

    const dumb = await inTerminal(['layer', 'list'], { TERM: 'dumb' });
    expect(dumb.output).toContain('app');
    expect(dumb.output).not.toMatch(ANSI);

    // Errors too.
    const err = await inTerminal(['layer', 'show', 'nope']);
    expect(err.exitCode).toBe(2);
    expect(err.output).toMatch(ANSI);
    const errPlain = await inTerminal(['layer', 'show', 'nope'], { NO_COLOR: '1' });
    expect(errPlain.exitCode).toBe(2);
    expect(errPlain.output).toMatch(/error: No layer named "nope"/);
    expect(errPlain.output).not.toMatch(ANSI);
  });
});

describe('never prompt on a terminal with --no-input or --json', () => {
  test.each([['--no-input'], ['--json']])('layer create %s in a terminal: exit 2 naming every missing flag, no prompt', async (flag) => {
    const before = await fs.readFile(path.join(s.home, 'state.json'));
    const r = await inTerminal(['layer', 'create', flag]);
    expect(r.exitCode).toBe(2);
    expect(r.output).toMatch(/Missing --name, --version, --os-layer, --connector/);
    expect(r.output).not.toMatch(/Layer Name/);
    expect((await fs.readFile(path.join(s.home, 'state.json'))).equals(before)).toBe(true);
  });
});

describe('--version, --help, usage errors', () => {
  test('elm --version prints the version, exit 0', async () => {
    const r = await elm(['--version']);
    expectOk(r);
    expect(r.stdout.trim()).toBe(VERSION);
  });

  test('elm --help lists the command groups, exit 0', async () => {
    const r = await elm(['--help']);
    expectOk(r);
    for (const c of ['connector', 'os-layer', 'icon', 'layer', 'disk', 'machine', 'verify', 'finalize', 'task']) expect(r.stdout).toMatch(new RegExp(`^\\s+${c}\\b`, 'm'));
    expect(r.stdout).toMatch(/Exit codes: 0 done, 1 failed, 2 bad input, 3 not ready, 4 timed out, 5 conflict, 130 cancelled/);
    const sub = await elm(['layer', 'create', '--help']);
    expectOk(sub);
    expect(sub.stdout).toMatch(/--os-layer/);
  });

  test('a piped elm --help (the text the build renders, printed without loading the CLI) is exactly what the CLI itself prints', async () => {
    const fast = await elm(['--help']);
    const full = await elm(['--no-color', '--help']); // two arguments: through commander
    expectOk(fast);
    expectOk(full);
    expect(fast.stdout).toBe(full.stdout);
  });

  test('--version on a leaf command is its own flag, not elm --version', async () => {
    const r = await s.run(['disk', 'status', 'app', '--version', '1', '--json']);
    expect(json(r).version.name).toBe('1');
  });

  test('unknown command: exit 2, one line', async () => {
    const r = await elm(['frobnicate']);
    expectCode(r, 2);
    expect(oneLine(r.stderr)).toBe(true);
    expect(r.stderr).toMatch(/Unknown command 'frobnicate'/);
    expect(r.stdout).toBe('');
  });

  test.each([[[]], [['connector']], [['layer', 'version']], [['connector', 'add']]])(
    'elm %j without its command: the help on stdout, one line on stderr naming the commands, exit 2',
    async (args: string[]) => {
      const r = await elm(args);
      expectCode(r, 2);
      expect(r.stdout).toMatch(new RegExp(`^Usage: ${['elm', ...args].join(' ')} `));
      expect(oneLine(r.stderr)).toBe(true);
      expect(r.stderr).toMatch(new RegExp(`Missing command: ${['elm', ...args].join(' ')} needs one of \\w`));
    },
  );

  test('a command group without its command and --json: one JSON error document on stdout', async () => {
    const r = await elm(['--json', 'connector']);
    expectCode(r, 2);
    expect(JSON.parse(r.stdout).error).toMatchObject({ exitCode: 2, message: expect.stringMatching(/Missing command: elm connector/) });
  });

  test('help asked for is exit 0', async () => {
    expectOk(await elm(['help', 'connector']));
  });

  test('unknown option: exit 2, one line', async () => {
    const r = await elm(['layer', 'list', '--frobnicate']);
    expectCode(r, 2);
    expect(oneLine(r.stderr)).toBe(true);
    expect(r.stderr).toMatch(/Unknown option '--frobnicate'/);
  });

  test('an option missing its value: exit 2, one line', async () => {
    const r = await s.run(['layer', 'show', 'app', '--home']);
    expectCode(r, 2);
    expect(oneLine(r.stderr)).toBe(true);
    expect(r.stderr).toMatch(/--home/);
  });

  test('--home on the command line wins over ELM_HOME', async () => {
    const other = await scratch(2 * MiB);
    try {
      const r = await elm(['layer', 'list', '--json', '--home', s.home], { home: other.home });
      expect(json(r).map((l: { name: string }) => l.name)).toContain('app');
      expect(json(await other.run(['layer', 'list', '--json']))).toEqual([]);
    } finally {
      await other.cleanup();
    }
  });
});

describe('Ctrl-C', () => {
  test('SIGINT while finalize --wait waits: exit 130 (never 0), the task goes on and finishes', async () => {
    const t = await scratch(2 * GiB);
    try {
      await baseSetup(t);
      await createLayer(t, 'big');
      await makeReadyToFinalize((await diskStatus(t, 'big')).disk.location);
      const { spawn } = await import('node:child_process');
      const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'elm.js'), 'finalize', 'big', '--wait', '--settle', '1s'], {
        env: { ...process.env, ELM_HOME: t.home, NODE_OPTIONS: '' },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
      await waitFor('the import to start', async () => (await findFiles(path.join(t.home, 'repository'), /\.partial$/)).length > 0);
      child.kill('SIGINT');
      expect(await exited).toBe(130);
      const id = (await readState(t.home)).tasks.find((x: { kind: string }) => x.kind === 'Finalize').id;
      expect(stderr).toMatch(new RegExp(`Stopped waiting; task ${id} goes on in the background`));
      const done = json(await t.run(['task', 'wait', id, '--json']));
      expect(done.state).toBe('Complete');
    } finally {
      await t.cleanup();
    }
  });
});

describe('spinner', () => {
  test('on a terminal task wait draws a spinner; in a pipe it never does', async () => {
    await fs.writeFile(disk.replace(/\.vhd$/, '.integrity.json'), takenNow(await fs.readFile(path.join(REPORTS, 'clean.json'), 'utf8')));
    const id = (await diskStatus(s, 'app')).task.id;
    const tty = await inTerminal(['task', 'wait', id]);
    expect(tty.exitCode).toBe(0);
    expect(tty.output).toMatch(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/);
    const piped = await s.run(['task', 'wait', id]);
    expectOk(piped);
    expect(piped.stderr).not.toMatch(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/);
  });
});
