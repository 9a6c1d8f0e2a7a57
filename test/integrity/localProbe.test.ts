import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ElmError, UsageError } from '../../src/domain/errors';
import { NO_POWERSHELL_MESSAGE, runLocalProbe } from '../../src/integrity/localProbe';
import { parseIntegrityReport } from '../../src/integrity/report';

const ROOT = path.join(__dirname, '..', '..');
const FAKE = path.join(ROOT, 'fixtures', 'powershell', 'powershell.exe');
const REPORT = path.join(ROOT, 'fixtures', 'reports', 'ngen.json');

const posix = process.platform !== 'win32';

(posix ? describe : describe.skip)('runLocalProbe', () => {
  let tmp: string;
  let binDir: string;
  let emptyDir: string;
  let argsFile: string;

  beforeAll(() => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'elm-localprobe-'));
    binDir = path.join(tmp, 'bin');
    emptyDir = path.join(tmp, 'empty');
    for (const d of [binDir, emptyDir]) mkdirSync(d);
    copyFileSync(FAKE, path.join(binDir, 'powershell.exe'));
    chmodSync(path.join(binDir, 'powershell.exe'), 0o755);
    argsFile = path.join(tmp, 'args.txt');
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
    PATH: `${binDir}${path.delimiter}${process.env.PATH ?? ''}`,
    ELM_FAKE_REPORT: REPORT,
    ELM_FAKE_ARGS_FILE: argsFile,
    ...extra,
  });
  const recordedArgs = () => readFileSync(argsFile, 'utf8').split('\n').slice(0, -1);

  it('runs powershell.exe -NoProfile -ExecutionPolicy Bypass -File <probe> and returns the report', async () => {
    const out = await runLocalProbe({ expediteNgen: false, shutdown: false, env: env() });
    expect(parseIntegrityReport(out, 'stdout').blockers).toEqual(['ngenInProgress']);
    const args = recordedArgs();
    expect(args.slice(0, 4)).toEqual(['-NoProfile', '-ExecutionPolicy', 'Bypass', '-File']);
    expect(args[4]).toMatch(/[\\/]src[\\/]integrity[\\/]ShutdownForFinalize\.ps1$/);
    expect(path.isAbsolute(args[4])).toBe(true);
    expect(args).toHaveLength(5);
  });

  it('passes -ReportPath, -ExpediteNGen and -Shutdown', async () => {
    const reportPath = path.join(tmp, 'with space', 'report.json');
    await runLocalProbe({ reportPath, expediteNgen: true, shutdown: true, env: env() });
    const args = recordedArgs();
    expect(args.slice(0, 4)).toEqual(['-NoProfile', '-ExecutionPolicy', 'Bypass', '-File']);
    expect(args.slice(5)).toEqual(['-ReportPath', reportPath, '-ExpediteNGen', '-Shutdown']);
  });

  it('reports a failing probe with the last line of its stderr', async () => {
    const run = runLocalProbe({
      expediteNgen: false,
      shutdown: false,
      env: env({ ELM_FAKE_EXIT: '1', ELM_FAKE_REPORT: '', ELM_FAKE_STDERR: 'Checking...\nShutdownForFinalize.ps1 failed: Access is denied' }),
    });
    await expect(run).rejects.toThrow(ElmError);
    await expect(run).rejects.toThrow('The layer integrity probe failed: ShutdownForFinalize.ps1 failed: Access is denied');
  });

  it('refuses an empty report', async () => {
    await expect(runLocalProbe({ expediteNgen: false, shutdown: false, env: env({ ELM_FAKE_REPORT: '' }) })).rejects.toThrow(
      'The layer integrity probe printed no report.',
    );
  });

  it('explains that --local needs Windows when powershell.exe is not found', async () => {
    const run = runLocalProbe({ expediteNgen: false, shutdown: false, env: { PATH: emptyDir } });
    await expect(run).rejects.toBeInstanceOf(UsageError);
    await expect(run).rejects.toThrow(NO_POWERSHELL_MESSAGE);
    expect(NO_POWERSHELL_MESSAGE).toBe(
      'elm verify --local runs the probe on this machine and needs Windows (powershell.exe was not found). ' +
        'Run ShutdownForFinalize.ps1 on the packaging machine (elm verify --print-probe prints it) and pass its report with --report FILE.',
    );
  });
});
