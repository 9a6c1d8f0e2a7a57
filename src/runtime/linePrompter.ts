import { createInterface, type Interface } from 'node:readline';
import { CancelledError } from '../domain/errors';
import type { IO } from './io';
import type { Choice, Prompter } from './prompter';

const CLOSED = 'Cancelled: the wizard was closed before the layer was created; nothing was changed.';

/**
 * The wizard's questions as plain lines, for a terminal that cannot move the cursor (TERM=dumb:
 * Emacs shell buffers, serial consoles): no escape sequence is ever written, a list is numbered
 * and answered by its number. One line reader serves every question, so lines typed before a
 * question appears are its answers, in order. The end of input (Ctrl-D) is a cancel (exit 130).
 */
export class LinePrompter implements Prompter {
  private rl: Interface | null = null;
  private readonly lines: string[] = [];
  private waiting: { resolve: (line: string) => void; reject: (e: Error) => void } | null = null;
  private closed = false;

  constructor(private readonly io: IO) {}

  private say(text: string): void {
    this.io.stdout.write(text);
  }

  /** The next line typed, from those already typed ahead first; input is read only while asked. */
  private nextLine(): Promise<string> {
    const typed = this.lines.shift();
    if (typed !== undefined) return Promise.resolve(typed);
    if (this.closed) return Promise.reject(new CancelledError(CLOSED));
    if (!this.rl) {
      // terminal: false: the terminal echoes and edits the line itself; readline draws nothing.
      this.rl = createInterface({ input: this.io.stdin, terminal: false });
      this.rl.on('line', (line) => this.arrived(line));
      this.rl.on('close', () => this.ended());
    }
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.rl!.resume();
    });
  }

  private arrived(line: string): void {
    const w = this.waiting;
    if (!w) return void this.lines.push(line);
    this.waiting = null;
    this.rl?.pause(); // a paused stdin lets elm exit when the wizard is done
    w.resolve(line);
  }

  private ended(): void {
    this.closed = true;
    const w = this.waiting;
    this.waiting = null;
    if (w) {
      this.say('\n');
      w.reject(new CancelledError(CLOSED));
    }
  }

  async input(q: { message: string; default?: string; validate?: (v: string) => true | string | Promise<true | string> }): Promise<string> {
    for (;;) {
      this.say(`? ${q.message}${q.default ? ` (${q.default})` : ''}: `);
      const typed = (await this.nextLine()).trim();
      const value = typed === '' && q.default !== undefined ? q.default : typed;
      const ok = q.validate ? await q.validate(value) : true;
      if (ok === true) return value;
      this.say(`  ! ${ok}\n`);
    }
  }

  private list<T>(message: string, choices: Choice<T>[]): void {
    this.say(`? ${message}\n`);
    choices.forEach((c, i) => this.say(`  ${i + 1}) ${c.name}${c.description ? ` - ${c.description}` : ''}\n`));
  }

  async select<T>(q: { message: string; choices: Choice<T>[]; default?: T }): Promise<T> {
    this.list(q.message, q.choices);
    const at = Math.max(0, q.choices.findIndex((c) => c.value === q.default)); // the first, as a list's cursor starts there
    for (;;) {
      this.say(`  Number (1-${q.choices.length}) [${at + 1}]: `);
      const typed = (await this.nextLine()).trim();
      const n = typed === '' ? at + 1 : Number(typed);
      if (Number.isInteger(n) && n >= 1 && n <= q.choices.length) return q.choices[n - 1].value;
      this.say(`  ! type a number from 1 to ${q.choices.length}\n`);
    }
  }

  async checkbox<T>(q: { message: string; choices: Choice<T>[]; validate?: (v: T[]) => true | string }): Promise<T[]> {
    this.list(q.message, q.choices);
    for (;;) {
      this.say('  Numbers, separated by spaces or commas (none: empty): ');
      const words = (await this.nextLine()).split(/[\s,]+/).filter(Boolean);
      const picked = words.map(Number);
      if (picked.some((n) => !Number.isInteger(n) || n < 1 || n > q.choices.length)) {
        this.say(`  ! type numbers from 1 to ${q.choices.length}\n`);
        continue;
      }
      const values = [...new Set(picked)].sort((a, b) => a - b).map((n) => q.choices[n - 1].value);
      const ok = q.validate ? q.validate(values) : true;
      if (ok === true) return values;
      this.say(`  ! ${ok}\n`);
    }
  }

  async confirm(q: { message: string; default?: boolean }): Promise<boolean> {
    for (;;) {
      this.say(`? ${q.message} (${q.default === false ? 'y/N' : 'Y/n'}): `);
      const typed = (await this.nextLine()).trim().toLowerCase();
      if (typed === '') return q.default !== false;
      if (['y', 'yes'].includes(typed)) return true;
      if (['n', 'no'].includes(typed)) return false;
      this.say('  ! type y or n\n');
    }
  }

  tab(title: string): void {
    this.io.stderr.write(`\n-- ${title} --\n`);
  }

  answered(message: string, value: string): void {
    this.io.stderr.write(`${message}: ${value} (given)\n`);
  }
}
