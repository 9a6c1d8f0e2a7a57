import type { IO } from './io';
import type { Style } from './style';
import { formatBytes, formatEta } from '../domain/units';
import { displayWidth, escapeControls } from './text';

/** What a long piece of work has done so far, as the display shows it. */
export interface ProgressSample {
  state: string;
  /** 0..100 */
  progress: number;
  /** Bytes done of bytes total, when the work moves bytes (copying, uploading, hashing). */
  bytes?: { done: number; total: number };
}

export interface ProgressDisplay {
  update(sample: ProgressSample): void;
  /** A line that must stay on screen (above the live line on a terminal). */
  note(line: string): void;
  stop(): void;
}

/**
 * Rate and time left from successive byte counts, smoothed over the last seconds, so a pause or a
 * burst does not make the estimate jump.
 */
export class RateMeter {
  private samples: { at: number; done: number }[] = [];
  constructor(private readonly windowMs = 10_000) {}

  add(done: number, at = Date.now()): void {
    const last = this.samples[this.samples.length - 1];
    if (last && done < last.done) this.samples = []; // a step started over: measure afresh
    this.samples.push({ at, done });
    while (this.samples.length > 2 && at - this.samples[0].at > this.windowMs) this.samples.shift();
  }

  /** Bytes per second, or undefined until two samples a moment apart exist. */
  rate(): number | undefined {
    if (this.samples.length < 2) return undefined;
    const a = this.samples[0];
    const b = this.samples[this.samples.length - 1];
    if (b.at - a.at < 200) return undefined;
    return ((b.done - a.done) * 1000) / (b.at - a.at);
  }
}

/** `1.2 GiB of 127 GiB, 85 MiB/s, 25m 10s left` (the parts that are known). */
export function describeBytes(bytes: { done: number; total: number }, rate: number | undefined): string {
  const parts = [`${formatBytes(bytes.done)} of ${formatBytes(bytes.total)}`];
  if (rate !== undefined && rate > 0) {
    parts.push(`${formatBytes(rate)}/s`);
    parts.push(`${formatEta(((bytes.total - bytes.done) / rate) * 1000)} left`);
  }
  return parts.join(', ');
}

function describe(label: string, s: ProgressSample, meter: RateMeter): string {
  // The label names a layer: a control character in it is shown escaped, never sent raw.
  let text = `${escapeControls(label)}: ${s.state} ${s.progress}%`;
  if (s.bytes && s.bytes.total > 0) {
    meter.add(s.bytes.done);
    text += ` (${describeBytes(s.bytes, meter.rate())})`;
  }
  return text;
}

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const HIDE_CURSOR = '\u001b[?25l';
const SHOW_CURSOR = '\u001b[?25h';
/** To column 1, then clear to the end of the line. */
const CLEAR_LINE = '\u001b[1G\u001b[0K';

/**
 * A live line with a spinner where stderr can redraw (a terminal with a width, not TERM=dumb);
 * plain lines otherwise, one per change worth reading (every 10%, or a new minute of bytes). The
 * work never depends on the spinner: stop() is called whatever happens to the wait.
 */
export async function progressDisplay(io: IO, style: Style, label: string): Promise<ProgressDisplay> {
  const meter = new RateMeter();
  if (io.json && !io.stderrIsTTY) return { update: () => undefined, note: () => undefined, stop: () => undefined };
  if (io.liveErr) return liveLine(io, style, label, meter);
  let lastKey = '';
  let lastAt = 0;
  return {
    update: (s) => {
      const bucket = Math.floor(s.progress / 10) * 10;
      const key = `${s.state} ${bucket}`;
      // Plain lines: one per state or 10% step, and one a minute while bytes move slowly.
      if (key === lastKey && !(s.bytes && Date.now() - lastAt >= 60_000)) {
        if (s.bytes) meter.add(s.bytes.done);
        return;
      }
      lastKey = key;
      lastAt = Date.now();
      io.stderr.write(`${describe(label, { ...s, progress: bucket }, meter)}\n`);
    },
    note: (line) => io.stderr.write(`${line}\n`),
    stop: () => undefined,
  };
}

/**
 * The one live-line renderer: each frame returns to the start of the line, clears it and writes
 * the spinner and the text cut to one column less than the terminal is wide as it is now (read
 * at every frame: a window made narrower must not wrap it). A line that never wraps never leaves
 * a row behind, so nothing above it (the typed command, notes) is ever erased. The cursor is
 * hidden while it spins and shown again by stop(), or as the process exits first.
 */
function liveLine(io: IO, style: Style, label: string, meter: RateMeter): ProgressDisplay {
  const stream = io.stderr as NodeJS.WriteStream;
  const width = () => Math.max(4, (stream.columns || io.columns) - 1);
  let text = escapeControls(label);
  let frame = 0;
  let stopped = false;
  const draw = () => {
    if (stopped) return;
    const line = `${style.cyan(FRAMES[frame++ % FRAMES.length])} ${truncate(text, width() - 2)}`;
    stream.write(`${CLEAR_LINE}${line}`);
  };
  const showCursor = () => stream.write(SHOW_CURSOR);
  process.once('exit', showCursor);
  stream.write(HIDE_CURSOR);
  const timer = setInterval(draw, 100);
  timer.unref();
  draw();
  return {
    update: (s) => {
      text = describe(label, s, meter);
      draw();
    },
    note: (line) => {
      stream.write(`${CLEAR_LINE}${line}\n`);
      draw();
    },
    stop: () => {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      process.removeListener('exit', showCursor);
      stream.write(`${CLEAR_LINE}${SHOW_CURSOR}`);
    },
  };
}

/** Cut to `max` terminal columns (a CJK letter takes two), ending with … when cut. */
function truncate(s: string, max: number): string {
  if (displayWidth(s) <= max) return s;
  let out = '';
  for (const ch of s) {
    if (displayWidth(out + ch) > max - 1) break;
    out += ch;
  }
  return `${out}…`;
}
