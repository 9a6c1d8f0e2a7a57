import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '..', '..');
export const BIN = path.join(ROOT, 'bin', 'elm.js');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the real binary as an operator's shell would: its own process, real pipes (so no TTY),
 * real exit code. CI is unset unless the test sets it, and NO_COLOR is not forced.
 */
export function elm(args: string[], opts: { home?: string; env?: NodeJS.ProcessEnv; cwd?: string; input?: string; timeoutMs?: number } = {}): Promise<CliResult> {
  const env: NodeJS.ProcessEnv = { ...process.env, ...opts.env };
  delete env.CI;
  delete env.NODE_OPTIONS; // jest's --experimental-vm-modules is not the CLI's
  if (opts.home) env.ELM_HOME = opts.home;
  if (opts.env && 'CI' in opts.env) env.CI = opts.env.CI;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env, cwd: opts.cwd ?? ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    child.stdin.end(opts.input ?? '');
  });
}

/** A fresh ELM_HOME (and a scratch folder beside it) per test. */
export async function tempHome(prefix = 'elm-e2e-'): Promise<{ dir: string; home: string; cleanup(): Promise<void> }> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
  const home = path.join(dir, 'home');
  return { dir, home, cleanup: () => fs.rm(dir, { recursive: true, force: true }) };
}

/** A sparse raw OS disk with a recognisable pattern at a known offset. */
export async function makeOsDisk(file: string, sizeBytes: number, marker = 'ELM-OS-LAYER-BYTES', offset = 1024 * 1024): Promise<void> {
  const fh = await fs.open(file, 'w');
  try {
    await fh.truncate(sizeBytes);
    await fh.write(Buffer.from(marker), 0, marker.length, offset);
  } finally {
    await fh.close();
  }
}

/** The raw bytes of the state file (or null), to assert "unchanged byte for byte". */
export async function stateBytes(home: string): Promise<Buffer | null> {
  return fs.readFile(path.join(home, 'state.json')).catch(() => null);
}

/** One line of stderr (ignoring the trailing newline) — bad input must say its piece in one line. */
export function oneLine(stderr: string): boolean {
  return stderr.trim().split('\n').length === 1;
}
