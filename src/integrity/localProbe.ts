/**
 * `elm verify --local`: run the probe on this (Windows) machine through powershell.exe and return
 * the JSON report it prints. execa is ESM-only, so it is imported when a probe actually runs.
 */
import { ElmError, UsageError } from '../domain/errors';
import { probeScriptPath } from './probeScript';

export interface LocalProbeOptions {
  /** Passed as -ReportPath: the probe also writes the report there. */
  reportPath?: string;
  expediteNgen: boolean;
  shutdown: boolean;
  /** Extra environment for powershell.exe (merged over process.env; PATH here decides the lookup). */
  env?: NodeJS.ProcessEnv;
  /** Also show the probe's messages (stderr) on this process's stderr while it runs. */
  showProgress?: boolean;
}

export const NO_POWERSHELL_MESSAGE =
  'elm verify --local runs the probe on this machine and needs Windows (powershell.exe was not found). ' +
  'Run ShutdownForFinalize.ps1 on the packaging machine (elm verify --print-probe prints it) and pass its report with --report FILE.';

export function localProbeArgs(script: string, opts: Pick<LocalProbeOptions, 'reportPath' | 'expediteNgen' | 'shutdown'>): string[] {
  const args = ['-NoProfile', '-ExecutionPolicy', 'Bypass', '-File', script];
  if (opts.reportPath) args.push('-ReportPath', opts.reportPath);
  if (opts.expediteNgen) args.push('-ExpediteNGen');
  if (opts.shutdown) args.push('-Shutdown');
  return args;
}

function lastLine(text: unknown): string {
  const lines = String(text ?? '')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '');
  return lines.length > 0 ? lines[lines.length - 1] : '';
}

export async function runLocalProbe(opts: LocalProbeOptions): Promise<string> {
  const script = probeScriptPath();
  const args = localProbeArgs(script, opts);
  const { execa } = await import('execa');
  const result = await execa('powershell.exe', args, {
    env: opts.env,
    reject: false,
    windowsHide: true,
    stdin: 'ignore',
    stderr: opts.showProgress ? ['pipe', 'inherit'] : 'pipe',
    encoding: 'utf8',
  });
  if (result.failed && (result as { code?: string }).code === 'ENOENT') {
    if (process.platform !== 'win32') throw new UsageError(NO_POWERSHELL_MESSAGE);
    throw new ElmError('powershell.exe was not found on PATH; elm verify --local needs Windows PowerShell.');
  }
  if (result.exitCode !== 0 || result.failed) {
    const why = lastLine(result.stderr) || (result.exitCode === undefined ? result.shortMessage : `exit code ${result.exitCode}`);
    throw new ElmError(`The layer integrity probe failed: ${why}`);
  }
  const stdout = String(result.stdout ?? '');
  if (stdout.trim() === '') throw new ElmError('The layer integrity probe printed no report.');
  return stdout;
}
