/**
 * elm verify: the report beside the disk, --report FILE, --local through a stand-in powershell.exe
 * on PATH (so execa and the parser run for real), --print-probe; exit 0 clean, 3 blockers, 2 bad.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import {
  baseSetup,
  createLayer,
  diskStatus,
  expectCode,
  expectOk,
  expectRefused,
  FIXTURES,
  json,
  readState,
  freshReport,
  REPORTS,
  ROOT,
  scratch,
  writeShareReport,
  type Scratch,
} from '../support/e2e';

/** The seed's four Layer integrity messages, word for word (the README's Verify and finalize). */
const SEED = [
  ['bootDriverReboot', 'A reboot is pending to update drivers on the boot disk - please check and reboot the Packaging Machine.'],
  ['postInstallReboot', 'A post-installation reboot is pending - please check and reboot the Packaging Machine.'],
  ['msiInProgress', 'An MSI install operation is in progress - please check the Packaging Machine.'],
  ['ngenInProgress', 'A Microsoft NGen operation is in progress in the background.'],
] as const;

const FAKE_PS_DIR = path.join(FIXTURES, 'powershell');
const SYSTEM_PATH = '/usr/local/bin:/usr/bin:/bin';

let s: Scratch;
let disk: string;
beforeAll(async () => {
  s = await scratch();
  await baseSetup(s);
  await createLayer(s, 'app');
  disk = (await diskStatus(s, 'app')).disk.location;
});
afterAll(() => s.cleanup());

const versionState = async () => (await readState(s.home)).layers[0].versions[0].state;

describe('verify from the report beside the packaging disk', () => {
  test('no report yet: exit 3 naming where it is expected', async () => {
    const r = await s.run(['verify', 'app']);
    expectCode(r, 3);
    expect(r.stderr).toContain(path.join(s.share, 'app.integrity.json'));
    expect(r.stderr).toMatch(/No integrity report yet/);
  });

  test('the four seed blockers: exit 3 with the exact messages, and what to do', async () => {
    await writeShareReport(disk, await fs.readFile(path.join(REPORTS, 'blockers-all.json')));
    const r = await s.run(['verify', 'app']);
    expectCode(r, 3);
    expect(r.stdout.trim().split('\n')).toEqual(SEED.map(([, m]) => `- ${m}`));
    expect(r.stderr).toContain('cannot be finalized yet: 4 blockers.');
    expect(r.stderr).toMatch(/--expedite-ngen/); // NGen: expedite, never reboot
    expect(r.stderr).toMatch(/do not reboot to stop NGen/);
    expect(await versionState()).toBe('Editing');
  });

  test('--json: {ready:false, blockers:[{id, message}]}, exit 3', async () => {
    const r = await s.run(['verify', 'app', '--json']);
    expectCode(r, 3);
    const doc = JSON.parse(r.stdout);
    expect(doc.ready).toBe(false);
    expect(doc.blockers.map((b: { id: string; message: string }) => [b.id, b.message])).toEqual(SEED.map(([id, m]) => [id, m]));
  });

  test('the result is recorded on the version', async () => {
    const v = (await readState(s.home)).layers[0].versions[0];
    expect(v.integrity).toMatchObject({ ready: false, source: path.join(s.share, 'app.integrity.json'), machine: 'PKG-02' });
    expect(v.integrity.blockers).toHaveLength(4);
  });

  test('a clean report without shutdown: exit 0, still Editing, told to shut down', async () => {
    const clean = JSON.parse(await fs.readFile(path.join(REPORTS, 'clean.json'), 'utf8'));
    await writeShareReport(disk, JSON.stringify({ ...clean, shutdownRequested: false }));
    const r = await s.run(['verify', 'app']);
    expectOk(r);
    expect(r.stderr).toMatch(/passed the layer integrity check/);
    expect(r.stderr).toMatch(/Shut the packaging machine down/);
    expect(await versionState()).toBe('Editing');
  });

  test('a clean report with shutdown requested: exit 0, version Finalizable; blockers again: back to Editing', async () => {
    await writeShareReport(disk, await fs.readFile(path.join(REPORTS, 'clean.json')));
    const ok = json(await s.run(['verify', 'app', '--json']));
    expect(ok).toMatchObject({ ready: true, blockers: [] });
    expect(await versionState()).toBe('Finalizable');

    await writeShareReport(disk, await fs.readFile(path.join(REPORTS, 'ngen.json')));
    expect((await s.run(['verify', 'app'])).stderr).toContain('cannot be finalized yet: 1 blocker.'); // plain English, not "1 blocker(s)"
    const r = await s.run(['verify', 'app', '--json']);
    expectCode(r, 3);
    expect(JSON.parse(r.stdout).blockers).toEqual([expect.objectContaining({ id: 'ngenInProgress', message: SEED[3][1] })]);
    expect(await versionState()).toBe('Editing');
  });

  test('a report saved as UTF-16LE with BOM (Windows PowerShell Out-File) is read', async () => {
    const text = await fs.readFile(path.join(REPORTS, 'clean.json'), 'utf8');
    await writeShareReport(disk, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]));
    expect(json(await s.run(['verify', 'app', '--json'])).ready).toBe(true);
  });

  test('a malformed report beside the disk: exit 2, one line, state unchanged', async () => {
    await writeShareReport(disk, await fs.readFile(path.join(REPORTS, 'malformed.json')));
    await expectRefused(s, ['verify', 'app'], /The integrity report .*app\.integrity\.json is not valid: it is not JSON/);
    await fs.rm(path.join(s.share, 'app.integrity.json'));
  });
});

describe('verify --report FILE', () => {
  test('blockers: exit 3 with the seed messages', async () => {
    const r = await s.run(['verify', 'app', '--report', freshReport(s.dir, 'blockers-all.json'), '--json']);
    expectCode(r, 3);
    expect(JSON.parse(r.stdout).blockers.map((b: { message: string }) => b.message)).toEqual(SEED.map(([, m]) => m));
  });
  test('clean: exit 0', async () => {
    expect(json(await s.run(['verify', 'app', '--report', freshReport(s.dir, 'clean.json'), '--json'])).ready).toBe(true);
  });
  test('malformed.json: exit 2, one line, state unchanged', () =>
    expectRefused(s, ['verify', 'app', '--report', path.join(REPORTS, 'malformed.json')], /malformed\.json is not valid: it is not JSON/));
  test('a newer report schema: exit 2', () =>
    expectRefused(s, ['verify', 'app', '--report', path.join(REPORTS, 'wrong-schema.json')], /schema 2 is not supported \(this elm reads schema 1\)/));
  test('a report file that does not exist: exit 2', () => expectRefused(s, ['verify', 'app', '--report', path.join(s.dir, 'none.json')], /--report .*none\.json does not exist/));
  test('--report and --local together: exit 2', () =>
    expectRefused(s, ['verify', 'app', '--local', '--report', path.join(REPORTS, 'clean.json')], /--report and --local are two sources/));
  test('--expedite-ngen on a file share without --local: exit 2 saying to run it on the machine', () =>
    expectRefused(s, ['verify', 'app', '--expedite-ngen'], /run ShutdownForFinalize\.ps1 -ExpediteNGen/));
  test('unknown layer: exit 2', () => expectRefused(s, ['verify', 'nope'], /No layer named "nope"/));
  test('unknown option: exit 2', () => expectRefused(s, ['verify', 'app', '--wait'], /Unknown option '--wait'/));
});

describe('verify --local through a stand-in powershell.exe on PATH', () => {
  const argsFile = () => path.join(s.dir, 'ps-args.txt');
  const env = (report: string, extra: NodeJS.ProcessEnv = {}) => ({
    PATH: `${FAKE_PS_DIR}:${SYSTEM_PATH}`,
    ELM_FAKE_REPORT: freshReport(s.dir, report),
    ELM_FAKE_ARGS_FILE: argsFile(),
    ...extra,
  });
  const recordedArgs = async () => (await fs.readFile(argsFile(), 'utf8')).split('\n').slice(0, -1);

  test('blockers: exit 3; powershell.exe ran the shipped probe with -NoProfile -ExecutionPolicy Bypass -File', async () => {
    const r = await s.run(['verify', 'app', '--local', '--json'], { env: env('blockers-all.json') });
    expectCode(r, 3);
    const doc = JSON.parse(r.stdout);
    expect(doc.ready).toBe(false);
    expect(doc.source).toBe('local probe');
    expect(doc.blockers.map((b: { id: string; message: string }) => [b.id, b.message])).toEqual(SEED.map(([id, m]) => [id, m]));
    const args = await recordedArgs();
    expect(args.slice(0, 4)).toEqual(['-NoProfile', '-ExecutionPolicy', 'Bypass', '-File']);
    expect(args[4]).toBe(path.join(ROOT, 'src', 'integrity', 'ShutdownForFinalize.ps1'));
    expect(args).toHaveLength(5);
  });

  test('--expedite-ngen and --shutdown are passed on as -ExpediteNGen and -Shutdown', async () => {
    const r = await s.run(['verify', 'app', '--local', '--expedite-ngen', '--shutdown'], { env: env('ngen.json') });
    expectCode(r, 3);
    expect(r.stdout.trim()).toBe(`- ${SEED[3][1]}`);
    const args = await recordedArgs();
    expect(args.slice(5)).toEqual(['-ExpediteNGen', '-Shutdown']);
  });

  test('clean: exit 0, recorded on the version', async () => {
    const r = await s.run(['verify', 'app', '--local'], { env: env('clean.json') });
    expectOk(r);
    expect(r.stderr).toMatch(/passed the layer integrity check \(PKG-01/);
    expect((await readState(s.home)).layers[0].versions[0].integrity).toMatchObject({ ready: true, source: 'local probe' });
  });

  test('a probe that fails: exit 1 with its last stderr line', async () => {
    const r = await s.run(['verify', 'app', '--local'], { env: env('clean.json', { ELM_FAKE_EXIT: '1', ELM_FAKE_STDERR: 'Access is denied.' }) });
    expectCode(r, 1);
    expect(r.stderr.trim()).toBe('error: The layer integrity probe failed: Access is denied.');
  });

  test('no powershell.exe on PATH: the "needs Windows" message, exit 2, state unchanged', async () => {
    const r = await expectRefused(s, ['verify', 'app', '--local'], /needs Windows \(powershell\.exe was not found\)/, { env: { PATH: SYSTEM_PATH } });
    expect(r.stderr).toMatch(/--report FILE/);
  });
});

describe('verify --print-probe', () => {
  test('prints ShutdownForFinalize.ps1 exactly, on stdout', async () => {
    const r = await s.run(['verify', '--print-probe']);
    expectOk(r);
    expect(r.stdout).toContain('param(');
    expect(r.stdout).toMatch(/\$ReportPath/);
    const shipped = await fs.readFile(path.join(ROOT, 'src', 'integrity', 'ShutdownForFinalize.ps1'), 'utf8');
    expect(r.stdout.replace(/\n$/, '')).toBe(shipped.replace(/\n$/, ''));
    expect(r.stderr).toBe('');
  });
  test('needs no state and no layer', async () => {
    const t = await scratch(2 * 1024 * 1024);
    try {
      const r = await t.run(['verify', '--print-probe']);
      expectOk(r);
      expect(r.stdout).toContain('param(');
    } finally {
      await t.cleanup();
    }
  });
});
