/**
 * Issue 12 point 6 through the real binary: tables aligned by display width, times local and
 * relative in tables (ISO in --json), sizes in one unit, long "Next:" lines wrapped to the
 * terminal, suggested commands the shell reads back as the same name, control characters escaped.
 */
import { spawnSync } from 'node:child_process';
import { displayWidth, escapeControls, wrapText } from '../../src/runtime/text';
import { shellQuote } from '../../src/domain/shellQuote';
import { baseSetup, scratch, type Scratch } from '../support/e2e';
import { plain, PtySession } from '../support/pty';

jest.setTimeout(120_000);

let s: Scratch;
beforeAll(async () => {
  s = await scratch();
  await baseSetup(s);
});
afterAll(() => s.cleanup());

const create = (name: string, extra: string[] = []) => s.run(['layer', 'create', '--name', name, '--version', '1', '--os-layer', 'win', '--connector', 'share', '--hypervisor', 'xenserver', '--wait', ...extra]);

test('display width: CJK two columns, combining accents none', () => {
  expect(displayWidth('東京')).toBe(4);
  expect(displayWidth('Cafe\u0301')).toBe(4);
  expect(displayWidth('\u001b[2mID\u001b[22m')).toBe(2);
  expect(wrapText('Next: one two three four five six seven', 20)).toBe('Next: one two three\n  four five six\n  seven');
  expect(escapeControls('a\u001b[2Jb\u0007')).toBe('a\\x1b[2Jb\\x07');
});

test('layer list and task list: columns line up by display width; times local and relative, ISO in --json', async () => {
  for (const name of ['東京 Layer', 'Cafe\u0301', 'Plain']) expect((await create(name)).code).toBe(0);
  const list = await s.run(['layer', 'list']);
  const lines = list.stdout.trimEnd().split('\n');
  const header = lines[0];
  const col = displayWidth(header.slice(0, header.indexOf('VERSIONS')));
  for (const line of lines.slice(1)) {
    const m = /^(\S+)\s\s+(.+?)\s\s+1\s/.exec(line)!;
    expect(displayWidth(line.slice(0, m.index + m[0].length - 2))).toBe(col);
  }
  const tasks = await s.run(['task', 'list', '--all']);
  expect(tasks.stdout).toMatch(/\d{4}-\d{2}-\d{2} \d{2}:\d{2} \((just now|\d+ (s|min) ago)\)/);
  expect(tasks.stdout).not.toMatch(/T\d{2}:\d{2}:\d{2}/);
  const json = JSON.parse((await s.run(['task', 'list', '--all', '--json'])).stdout);
  expect(json[0].startedAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);
});

test('sizes in one unit: no "N GiB, N bytes", no raw byte counts', async () => {
  const status = await s.run(['disk', 'status', 'Plain']);
  expect(status.stdout).toMatch(/\(vhd, 64 MiB\)/);
  expect(status.stdout).not.toMatch(/\d bytes/);
  const link = await s.run(['machine', 'deploy-link', 'Plain']);
  expect(link.stdout).not.toMatch(/GiB, \d+ bytes/);
});

test("suggested commands quote names in single quotes, and the shell reads them back as the name", async () => {
  const name = "Bad $(touch x) it's";
  expect((await create(name)).code).toBe(0);
  const again = await create(name);
  expect(again.code).toBe(2);
  const suggested = /elm layer version add (.+) --version V/.exec(again.stderr)![1];
  expect(suggested).toBe(`'Bad $(touch x) it'\\''s'`);
  expect(spawnSync('bash', ['-c', `printf %s ${suggested}`], { encoding: 'utf8' }).stdout).toBe(name);
  expect(spawnSync('bash', ['-c', `printf %s ${shellQuote('a\u001bb')}`], { encoding: 'utf8' }).stdout).toBe('a\u001bb');
});

test('control characters in names and free text are shown escaped, never raw', async () => {
  expect((await create('Esc', ['--description', 'red \u001b[31mX', '--comment', 'clear \u001b[2J'])).code).toBe(0);
  const show = await s.run(['layer', 'show', 'Esc']);
  expect(show.stdout).not.toContain('\u001b');
  expect(show.stdout).toContain('red \\x1b[31mX');
  expect(show.stdout).toContain('clear \\x1b[2J');
  const json = JSON.parse((await s.run(['layer', 'show', 'Esc', '--json'])).stdout);
  expect(json.description).toBe('red \u001b[31mX'); // the data itself is kept as given
});

test('long "Next:" lines are wrapped to the terminal width', async () => {
  const p = new PtySession(['layer', 'create', '--name', 'Wrapped', '--version', '1', '--os-layer', 'win', '--connector', 'share', '--hypervisor', 'xenserver', '--yes', '--wait'], { ELM_HOME: s.home }, { cols: 60 });
  try {
    expect((await p.exit).exitCode).toBe(0);
    const text = plain(p.output).replace(/\r/g, '');
    const next = text.slice(text.indexOf('Next:'));
    expect(next.length).toBeGreaterThan(60);
    for (const line of next.split('\n')) expect(displayWidth(line)).toBeLessThanOrEqual(60);
  } finally {
    p.kill();
  }
});
