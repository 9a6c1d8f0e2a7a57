import { CancelledError } from '../domain/errors';
import type { IO } from './io';
import { KeyFeed } from './keyFeed';
import { plainStyle, type Style } from './style';

export interface Choice<T> {
  value: T;
  name: string;
  description?: string;
}

/**
 * The questions the wizard asks. validate returns true or the reason the answer is refused,
 * shown where it was typed.
 */
export interface Prompter {
  input(q: { message: string; default?: string; validate?: (v: string) => true | string | Promise<true | string> }): Promise<string>;
  select<T>(q: { message: string; choices: Choice<T>[]; default?: T }): Promise<T>;
  checkbox<T>(q: { message: string; choices: Choice<T>[]; validate?: (v: T[]) => true | string }): Promise<T[]>;
  confirm(q: { message: string; default?: boolean }): Promise<boolean>;
  /** A heading for the wizard tab being asked. */
  tab(title: string): void;
  /** A question not asked because a flag or the spec answered it, shown as answered. */
  answered(message: string, value: string): void;
}

const CLOSED = 'Cancelled: the wizard was closed before the layer was created; nothing was changed.';

/** @inquirer/prompts, loaded on first use; a closed prompt or Ctrl-C becomes exit 130, never 0. */
export class InquirerPrompter implements Prompter {
  private feed: KeyFeed | null = null;

  constructor(
    private readonly io: IO,
    private readonly style: Style = plainStyle,
  ) {}

  /** The prompt's input: stdin through the key feed, so keys typed ahead are kept. */
  private context(): { input: NodeJS.ReadableStream } {
    this.feed ??= new KeyFeed(this.io.stdin as NodeJS.ReadStream);
    return { input: this.feed.input };
  }

  /** A validate that, when it refuses, lets the held keys reach the question asked again. */
  private refusalFeeds<A extends unknown[]>(validate: ((...a: A) => true | string | Promise<true | string>) | undefined): ((...a: A) => Promise<true | string>) | undefined {
    if (!validate) return undefined;
    return async (...a: A) => {
      const ok = await validate(...a);
      if (ok !== true) this.feed?.again();
      return ok;
    };
  }

  private async guard<T>(ask: () => Promise<T>): Promise<T> {
    // Ctrl-D closes the prompt's input without an error: the prompt then never settles and Node,
    // with nothing left to do, would exit 0. The loop running dry while a question is open means
    // the input closed: that is a cancel (130), like Ctrl-C.
    let onDry: () => void = () => undefined;
    const closed = new Promise<never>((_, reject) => {
      onDry = () => {
        this.io.stderr.write('\n');
        reject(new CancelledError(CLOSED));
      };
      process.once('beforeExit', onDry);
    });
    try {
      const asked = ask();
      this.feed?.begin();
      return await Promise.race([asked, closed]);
    } catch (e) {
      const name = (e as Error)?.name;
      if (name === 'ExitPromptError' || name === 'AbortPromptError') throw new CancelledError(CLOSED);
      throw e;
    } finally {
      this.feed?.end();
      process.off('beforeExit', onDry);
    }
  }

  async input(q: { message: string; default?: string; validate?: (v: string) => true | string | Promise<true | string> }): Promise<string> {
    const { input } = await import('@inquirer/prompts');
    return this.guard(() => input({ message: q.message, default: q.default, validate: this.refusalFeeds(q.validate) }, this.context()));
  }

  async select<T>(q: { message: string; choices: Choice<T>[]; default?: T }): Promise<T> {
    const { select } = await import('@inquirer/prompts');
    return this.guard(() => select<T>({ message: q.message, choices: q.choices, default: q.default, pageSize: 12 }, this.context()));
  }

  async checkbox<T>(q: { message: string; choices: Choice<T>[]; validate?: (v: T[]) => true | string }): Promise<T[]> {
    const { checkbox } = await import('@inquirer/prompts');
    return this.guard(() =>
      checkbox<T>({
        message: q.message,
        choices: q.choices,
        validate: this.refusalFeeds(q.validate ? (items: readonly { value: T }[]) => q.validate!(items.map((i) => i.value)) : undefined),
      }, this.context()),
    );
  }

  async confirm(q: { message: string; default?: boolean }): Promise<boolean> {
    const { confirm } = await import('@inquirer/prompts');
    return this.guard(() => confirm({ message: q.message, default: q.default }, this.context()));
  }

  tab(title: string): void {
    this.io.stderr.write(`\n── ${title} ──\n`);
  }

  answered(message: string, value: string): void {
    // The look of an answered inquirer question, marked as given so it is not mistaken for asked.
    this.io.stderr.write(`${this.style.green('✔')} ${this.style.bold(message)} ${this.style.cyan(value)} ${this.style.dim('(given)')}\n`);
  }
}
