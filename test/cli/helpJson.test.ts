/**
 * Issue 12 point 7 for help: with --json, `--help` (any command, any spelling), `elm help ...` and
 * `elm help environment` print exactly one JSON document on stdout and nothing else, exit 0; `elm
 * --json` alone stays a JSON usage error, exit 2. Through the real binary, on pipes.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { elm, ROOT, type CliResult } from '../support/cli';
import { plain, PtySession } from '../support/pty';

jest.setTimeout(120_000);

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Doc = any;

/** The whole of stdout is one JSON document (compact on a pipe: one line), stderr silent, exit 0. */
function helpDoc(r: CliResult): Doc {
  expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
  expect(r.stdout.endsWith('\n')).toBe(true);
  expect(r.stdout.trimEnd().split('\n')).toHaveLength(1);
  return JSON.parse(r.stdout);
}

const option = (doc: Doc, long: string) => doc.options.find((o: Doc) => o.long === long);

test('elm --help --json: the program, its commands, global options apart, lifecycle and exit codes', async () => {
  // The build's pre-rendered help (served to a piped `elm --help`) exists, and is not what --json gets.
  expect(existsSync(path.join(ROOT, 'dist', 'cli', 'help.txt'))).toBe(true);
  const text = await elm(['--help']);
  expect(text.stdout).toMatch(/^Usage: elm/);
  for (const args of [['--help', '--json'], ['--json', '--help'], ['-h', '--json'], ['help', '--json']]) {
    const doc = helpDoc(await elm(args));
    expect(doc).toMatchObject({ command: 'elm', usage: 'elm [options] [command]', description: expect.stringContaining('Platform Layers') });
    expect(doc.commands.map((c: Doc) => c.name)).toEqual(expect.arrayContaining(['connector', 'layer', 'verify', 'finalize', 'task', 'completion']));
    expect(doc.commands.find((c: Doc) => c.name === 'layer')).toEqual({ name: 'layer', command: 'elm layer', description: 'platform layers and their versions' });
    expect(doc.globalOptions.map((o: Doc) => o.long)).toEqual(['--home', '--state', '--state-key-env', '--state-sas-env', '--appliance', '--json', '--no-input', '--no-color', '--verbose']);
    expect(doc.globalOptions[0]).toMatchObject({ flags: '--home <dir>', value: 'dir', env: 'ELM_HOME', required: false });
    expect(doc.options.map((o: Doc) => o.long)).toEqual(['--version', '--help']); // globals shown once, apart
    expect(doc.exitCodes).toContainEqual({ code: 130, meaning: 'cancelled' });
    expect(doc.lifecycle[0]).toEqual({ command: 'elm layer create', description: expect.any(String) });
    expect(doc.examples.length).toBeGreaterThan(0);
  }
});

test('elm layer create --help --json (and elm help layer create --json): flags, required marks, examples', async () => {
  const doc = helpDoc(await elm(['layer', 'create', '--help', '--json']));
  expect(helpDoc(await elm(['help', 'layer', 'create', '--json']))).toEqual(doc);
  expect(doc).toMatchObject({ command: 'elm layer create', usage: 'elm layer create [options]', arguments: [], commands: [] });
  expect(option(doc, '--name')).toEqual({ flags: '--name <name>', long: '--name', short: null, value: 'name', description: 'Layer Name', required: true, askedOnTerminal: true, default: null, env: null });
  expect(option(doc, '--os-layer')).toMatchObject({ value: 'name[@version]', required: true });
  expect(option(doc, '--description')).toMatchObject({ required: false, askedOnTerminal: false });
  expect(option(doc, '--file')).toMatchObject({ short: '-f', value: 'spec.yaml' });
  expect(option(doc, '--home')).toBeUndefined(); // global options are under globalOptions only
  expect(doc.globalOptions.map((o: Doc) => o.long)).toContain('--no-input');
  // Examples are whole command lines (continuations joined), ready to copy.
  expect(doc.examples).toContain("elm layer create --name 'Citrix VDA' --version 1.0 --os-layer win11 --connector share --yes --wait");

  const azure = helpDoc(await elm(['connector', 'add', 'azure', '--json', '--help']));
  expect(option(azure, '--subscription')).toMatchObject({ required: true, askedOnTerminal: false, description: 'subscription id' });
  expect(option(azure, '--container')).toMatchObject({ required: false, default: 'elm' });
  expect(azure.examples).toEqual([expect.stringMatching(/^elm connector add azure --name azure .* --location westeurope$/)]);

  const show = helpDoc(await elm(['layer', 'show', '--help', '--json']));
  expect(show.arguments).toEqual([{ name: 'layer', required: true, variadic: false }]);
});

test('every command: one document whose flags are those of the text help, with examples', async () => {
  // Walked through the documents themselves: each names its subcommands.
  const docs: Doc[] = [];
  let level = helpDoc(await elm(['--help', '--json'])).commands.filter((c: Doc) => c.name !== 'help').map((c: Doc) => c.command.split(' ').slice(1));
  while (level.length) {
    const found: Doc[] = [];
    for (let i = 0; i < level.length; i += 4) found.push(...(await Promise.all(level.slice(i, i + 4).map((p: string[]) => elm([...p, '--help', '--json'])))).map(helpDoc));
    docs.push(...found);
    level = found.flatMap((d) => d.commands.filter((c: Doc) => c.name !== 'help').map((c: Doc) => c.command.split(' ').slice(1)));
  }
  expect(docs.map((d) => d.command)).toEqual(expect.arrayContaining(['elm layer create', 'elm connector add azure', 'elm task cancel', 'elm verify', 'elm completion']));
  const texts: CliResult[] = [];
  for (let i = 0; i < docs.length; i += 4) texts.push(...(await Promise.all(docs.slice(i, i + 4).map((d) => elm([...d.command.split(' ').slice(1), '--help'])))));
  for (const [i, doc] of docs.entries()) {
    expect({ command: doc.command, hasExamples: doc.examples.length > 0 }).toEqual({ command: doc.command, hasExamples: true });
    expect(texts[i].stdout.startsWith(`Usage: ${doc.usage}`)).toBe(true);
    for (const o of doc.options) expect(texts[i].stdout).toContain(o.flags);
    // Required flags are the ones the text marks "(required" (the mark may be on a wrapped line).
    expect(doc.options.filter((o: Doc) => o.required).map((o: Doc) => o.flags)).toEqual(markedRequired(texts[i].stdout));
  }
}, 300_000);

test('elm help environment --json: every variable of the text help, in sections', async () => {
  const text = await elm(['help', 'environment']);
  const doc = helpDoc(await elm(['help', 'environment', '--json']));
  expect(doc).toMatchObject({ topic: 'environment', description: 'Environment variables elm reads', note: expect.stringContaining('never stores') });
  const entries = doc.sections.flatMap((s: Doc) => s.entries);
  const variables = entries.flatMap((e: Doc) => e.variables);
  const inText = [...text.stdout.matchAll(/\b([A-Z][A-Z0-9]*_[A-Z0-9_]+|NO_COLOR|TERM|CI)\b/g)].map((m) => m[1]);
  expect(new Set(variables)).toEqual(new Set(inText));
  expect(entries.find((e: Doc) => e.name === 'ELM_HOME').description).toBe('the elm home (like --home): state.json, the default file share, the layer repository, task logs');
  expect(entries.find((e: Doc) => e.name.startsWith('ELM_GUEST_USER')).variables).toEqual(['ELM_GUEST_USER', 'ELM_GUEST_PASSWORD']);
});

test('elm --json alone: a JSON usage error on stdout, exit 2', async () => {
  const r = await elm(['--json']);
  expect(r.code).toBe(2);
  expect(r.stdout.trimEnd().split('\n')).toHaveLength(1);
  expect(JSON.parse(r.stdout)).toEqual({ error: { message: expect.stringContaining('Missing command: elm needs one of'), exitCode: 2, details: [] } });
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
});

/** The flags of a text help's option entries whose description says "(required". */
function markedRequired(help: string): string[] {
  const entries: { flags: string; text: string }[] = [];
  for (const line of help.split('\n')) {
    const start = line.match(/^ {2}(-\S.*?)(?: {2,}(.*))?$/);
    if (start) entries.push({ flags: start[1], text: start[2] ?? '' });
    else if (/^ {3,}\S/.test(line) && entries.length) entries[entries.length - 1].text += ` ${line.trim()}`;
    else if (line.trim() === '' || !line.startsWith(' ')) entries.push({ flags: '', text: '' }); // a section ends
  }
  return entries.filter((e) => e.flags && /\(required/.test(e.text)).map((e) => e.flags);
}

test.each([
  [['help', 'nosuch'], "Unknown command 'nosuch' (see elm --help)"],
  [['help', 'layer', 'nosuch', '--json'], "Unknown command 'nosuch' (see elm layer --help)"],
])('elm %j names no command: a usage error (exit 2), not some other help', async (args, message) => {
  const r = await elm(args);
  expect(r.code).toBe(2);
  expect(r.stderr).toBe(`error: ${message}\n`);
  if (args.includes('--json')) expect(JSON.parse(r.stdout)).toEqual({ error: { message, exitCode: 2, details: [] } });
  else expect(r.stdout).toBe('');
});

test('elm --version --json: {"version"}, one document, exit 0; plain --version stays the bare number', async () => {
  const { version } = require('../../package.json') as { version: string };
  for (const args of [['--version', '--json'], ['--json', '--version']]) expect(helpDoc(await elm(args))).toEqual({ version });
  expect((await elm(['--version'])).stdout).toBe(`${version}\n`);
});

test('on a terminal the help document is indented, as every --json document there, and still parses', async () => {
  const t = new PtySession(['layer', 'create', '--help', '--json'], {});
  try {
    expect((await t.exit).exitCode).toBe(0);
    const text = plain(t.output).replace(/\r/g, '');
    expect(text).toMatch(/^\{\n {2}"command": "elm layer create",\n/);
    expect(JSON.parse(text).command).toBe('elm layer create');
  } finally {
    t.kill();
  }
});
