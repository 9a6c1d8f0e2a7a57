import { PassThrough } from 'node:stream';

/**
 * The keys a prompt reads, fed from stdin one answer at a time: keys typed ahead (several answers
 * in one chunk, or typed before the next question appears) are held here, not dropped with the
 * prompt that took the first Enter, and go to the next question. stdin is read only while a
 * question is open, so elm exits when the wizard is done.
 */
export class KeyFeed {
  private pending = '';
  /** A question is on screen (between begin and end). */
  private asking = false;
  /** It took an Enter and its verdict (answer or refusal) is not in yet: the rest waits. */
  private held = false;
  readonly input: PassThrough & { isTTY: boolean; setRawMode(mode: boolean): void };

  constructor(private readonly stdin: NodeJS.ReadStream) {
    const feed = new PassThrough({ encoding: 'utf8' }) as PassThrough & { isTTY: boolean; setRawMode(mode: boolean): void };
    feed.isTTY = true;
    feed.setRawMode = (mode) => stdin.setRawMode?.(mode);
    // A prompt closed by Ctrl-D pauses its input: stdin pauses too, so the loop runs dry as before.
    const pause = feed.pause.bind(feed);
    feed.pause = () => {
      stdin.pause();
      return pause();
    };
    this.input = feed;
    stdin.setEncoding('utf8');
    stdin.on('data', (chunk: string) => {
      this.pending += chunk;
      this.pump();
    });
  }

  /** A question opens: it gets what was typed ahead, up to its first Enter. */
  begin(): void {
    this.asking = true;
    this.held = false;
    this.stdin.resume();
    this.pump();
  }

  /** The question was refused (validation) and stays open: it gets the next keys. */
  again(): void {
    if (!this.asking) return;
    this.held = false;
    setImmediate(() => this.pump());
  }

  end(): void {
    this.asking = false;
    this.stdin.pause();
  }

  private pump(): void {
    if (!this.asking || this.held || this.pending === '') return;
    const enter = this.pending.search(/[\r\n]/);
    const upTo = enter < 0 ? this.pending.length : enter + 1;
    const keys = this.pending.slice(0, upTo);
    this.pending = this.pending.slice(upTo);
    // After an Enter the rest waits until the prompt is done (the next question) or refused (again).
    if (enter >= 0) this.held = true;
    this.input.write(keys);
  }
}
