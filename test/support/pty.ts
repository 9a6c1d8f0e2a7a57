import path from 'node:path';
import type { IPty } from '@lydell/node-pty';
import { BIN } from './cli';

/** ANSI escapes stripped, so assertions read what the operator reads. */
export function plain(s: string): string {
  // eslint-disable-next-line no-control-regex -- escape sequences are what is being removed
  return s.replace(/\u001b\[[0-9;?]*[ -/]*[@-~]/g, '').replace(/\u001b[()][0-9A-B]/g, '');
}

export const KEY = { enter: '\r', down: '\u001b[B', up: '\u001b[A', space: ' ', ctrlC: '\u0003', ctrlD: '\u0004', backspace: '\u007f' };

export interface PtyOptions {
  /** Terminal width; 0 is what `script -qc` reports (set with stty inside the terminal). */
  cols?: number;
  /** A shell command line run in the terminal instead of elm itself (`$ELM` names the binary). */
  shell?: string;
}

/**
 * The real binary in a real pseudo-terminal (@lydell/node-pty): stdin and stdout are TTYs, so elm
 * runs its wizard exactly as an operator sees it.
 */
export class PtySession {
  private pty: IPty;
  output = '';
  private cursor = 0;
  exit: Promise<{ exitCode: number; signal?: number }>;

  constructor(args: string[], env: NodeJS.ProcessEnv, opts: PtyOptions = {}) {
    // Loaded here so test files that do not drive a terminal never load the native module.
    const { spawn } = require('@lydell/node-pty') as typeof import('@lydell/node-pty');
    const cleanEnv = { ...process.env, TERM: 'xterm-256color', ...env } as Record<string, string>;
    delete cleanEnv.CI;
    delete cleanEnv.NODE_OPTIONS;
    cleanEnv.ELM = `${process.execPath} ${BIN}`;
    const zeroWidth = opts.cols === 0;
    const [file, argv] =
      opts.shell !== undefined || zeroWidth
        ? ['/bin/sh', ['-c', `${zeroWidth ? 'stty cols 0 rows 0; ' : ''}${opts.shell ?? `exec $ELM ${args.map(shellQuote).join(' ')}`}`]]
        : [process.execPath, [BIN, ...args]];
    this.pty = spawn(file, argv, { name: cleanEnv.TERM ?? 'xterm-256color', cols: zeroWidth ? 80 : (opts.cols ?? 120), rows: 40, cwd: path.dirname(BIN), env: cleanEnv });
    this.pty.onData((d) => (this.output += d));
    this.exit = new Promise((resolve) => this.pty.onExit((e) => resolve(e)));
  }

  /** Waits until text matching re appears after what was already consumed; returns the new screen text. */
  async waitFor(re: RegExp, timeoutMs = 20_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const fresh = plain(this.output.slice(this.cursor));
      const m = re.exec(fresh);
      if (m) {
        // Advance past the match in the raw stream: find a raw offset whose plain prefix covers it.
        let raw = this.cursor;
        while (raw < this.output.length && plain(this.output.slice(this.cursor, raw)).length < m.index + m[0].length) raw++;
        this.cursor = raw;
        return fresh;
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${re}; screen so far:\n${fresh.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** The process in the terminal (elm, or the shell that runs it). */
  get pid(): number {
    return this.pty.pid;
  }

  /** The window resized, as a terminal emulator does it (the process gets SIGWINCH). */
  resize(cols: number, rows = 40): void {
    this.pty.resize(cols, rows);
  }

  write(keys: string): void {
    this.pty.write(keys);
  }

  /** Types an answer and presses Enter, after the prompt has rendered. */
  async answer(text: string): Promise<void> {
    await new Promise((r) => setTimeout(r, 60));
    this.pty.write(text);
    await new Promise((r) => setTimeout(r, 60));
    this.pty.write(KEY.enter);
  }

  kill(): void {
    try {
      this.pty.kill();
    } catch {
      // already gone
    }
  }
}

export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
