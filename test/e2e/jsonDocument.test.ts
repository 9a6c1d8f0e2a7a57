/**
 * Issue 12 point 7: --json means exactly one JSON document on stdout, whatever happens: a missing
 * subcommand, the probe script, a failed --wait, an error; errors and results formatted alike.
 */
import { promises as fs } from 'node:fs';
import { baseSetup, scratch, type Scratch } from '../support/e2e';

let s: Scratch;
beforeAll(async () => {
  s = await scratch();
  await baseSetup(s);
});
afterAll(() => s.cleanup());

/** stdout parses as one JSON value and holds nothing else. */
function oneDocument(stdout: string): unknown {
  expect(stdout.trim().split('\n')).toHaveLength(1); // compact on a pipe: one line, one document
  return JSON.parse(stdout);
}

test.each([
  [['--json'], 'Missing command: elm needs one of'],
  [['layer', '--json'], 'elm layer needs one of'],
  [['layer', 'version', '--json'], 'elm layer version needs one of'],
  [['--json', 'connector'], 'elm connector needs one of'],
])('elm %j: a JSON usage error, no help text on either stream', async (args, message) => {
  const r = await s.run(args);
  expect(r.code).toBe(2);
  expect(oneDocument(r.stdout)).toEqual({ error: { message: expect.stringContaining(message), exitCode: 2, details: [] } });
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.stderr).not.toMatch(/Usage:/);
});

test('verify --print-probe --json: the script inside the document', async () => {
  const r = await s.run(['verify', '--print-probe', '--json']);
  expect(r.code).toBe(0);
  const doc = oneDocument(r.stdout) as { name: string; script: string };
  expect(doc.name).toBe('ShutdownForFinalize.ps1');
  expect(doc.script).toMatch(/^<#/);
  expect(doc.script).toMatch(/-ReportPath/);
});

test('a failed --wait prints one document (the failed task), exit 1; a later error too', async () => {
  // The share folder replaced by a file after the connector was added: the disk write fails.
  const gone = `${s.share}.moved`;
  await fs.rename(s.share, gone);
  await fs.writeFile(s.share, 'not a folder');
  try {
    const r = await s.run(['layer', 'create', '--name', 'Doomed', '--version', '1', '--os-layer', 'win', '--connector', 'share', '--hypervisor', 'xenserver', '--wait', '--json']);
    expect(r.code).toBe(1);
    const doc = oneDocument(r.stdout) as { task: { state: string; description: string } };
    expect(doc.task.state).toBe('Failed');
    const f = await s.run(['finalize', 'Doomed', '--wait', '--json']);
    expect(f.code).toBe(3);
    expect(oneDocument(f.stdout)).toMatchObject({ error: { exitCode: 3 } });
  } finally {
    await fs.rm(s.share, { force: true });
    await fs.rename(gone, s.share);
  }
});

test('a global option works on a command group (elm layer --json list)', async () => {
  const r = await s.run(['layer', '--json', 'list']);
  expect(r.code).toBe(0);
  expect(Array.isArray(oneDocument(r.stdout))).toBe(true);
});
