import { PassThrough } from 'node:stream';
import type { IO } from '../../src/runtime/io';
import { describeBytes, progressDisplay, RateMeter } from '../../src/runtime/progress';
import { plainStyle } from '../../src/runtime/style';
import { formatBytes, formatEta } from '../../src/domain/units';
import { displayWidth } from '../../src/runtime/text';

function fakeIO(live: boolean): { io: IO; text: () => string } {
  const err = new PassThrough();
  let text = '';
  err.on('data', (d) => (text += d));
  const io: IO = {
    stdout: new PassThrough(),
    stderr: err,
    stdin: new PassThrough(),
    stdoutIsTTY: live,
    stderrIsTTY: live,
    colorOut: false,
    colorErr: false,
    liveErr: live,
    columns: 100,
    canPrompt: false,
    json: false,
    verbose: false,
  };
  return { io, text: () => text };
}

describe('progress of long work (issue 12 point 4)', () => {
  test('sizes in one unit family, time left readable', () => {
    expect(formatBytes(512)).toBe('512 bytes');
    expect(formatBytes(1.5 * 2 ** 30)).toBe('1.5 GiB');
    expect(formatBytes(127 * 2 ** 30)).toBe('127 GiB');
    expect(formatEta(45_000)).toBe('45s');
    expect(formatEta(200_000)).toBe('3m 20s');
    expect(formatEta(3_900_000)).toBe('1h 05m');
  });

  test('rate and time left come from the bytes moved over time', () => {
    const m = new RateMeter();
    m.add(0, 0);
    m.add(100 * 2 ** 20, 1000);
    expect(m.rate()).toBe(100 * 2 ** 20);
    expect(describeBytes({ done: 100 * 2 ** 20, total: 1100 * 2 ** 20 }, m.rate())).toBe('100 MiB of 1.1 GiB, 100 MiB/s, 10s left');
  });

  test('plain lines (no terminal, width 0, TERM=dumb) show bytes done, rate and time left', async () => {
    const { io, text } = fakeIO(false);
    const d = await progressDisplay(io, plainStyle, 'Importing');
    const GiB = 2 ** 30;
    d.update({ state: 'Running', progress: 0, bytes: { done: 0, total: 10 * GiB } });
    await new Promise((r) => setTimeout(r, 300));
    d.update({ state: 'Running', progress: 25, bytes: { done: 2.5 * GiB, total: 10 * GiB } });
    d.stop();
    const lines = text().trim().split('\n');
    expect(lines[0]).toBe('Importing: Running 0% (0 bytes of 10 GiB)');
    expect(lines[1]).toMatch(/^Importing: Running 20% \(2\.5 GiB of 10 GiB, [\d.]+ GiB\/s, \d+s left\)$/);
    expect(text()).not.toContain('\r');
  });

  test('on a terminal the same facts are on the live line, redrawn in place', async () => {
    const { io, text } = fakeIO(true);
    const d = await progressDisplay(io, plainStyle, 'Uploading');
    d.update({ state: 'Running', progress: 40, bytes: { done: 4 * 2 ** 30, total: 10 * 2 ** 30 } });
    d.stop();
    expect(text()).toContain('\u001b[1G\u001b[0K');
    expect(text()).toMatch(/Uploading: Running 40% \(4\.0 GiB of 10 GiB/);
  });

  test('the live line keeps to the terminal by display width (CJK takes two columns) and escapes control characters', async () => {
    const { io, text } = fakeIO(true);
    io.columns = 30;
    const d = await progressDisplay(io, plainStyle, 'Finalizing "\u001b[31m層レイヤー" 1');
    d.update({ state: 'Running', progress: 40, bytes: { done: 4 * 2 ** 30, total: 10 * 2 ** 30 } });
    d.stop();
    const frames = text()
      .split('\u001b[1G\u001b[0K')
      .filter((f) => f.length > 0);
    expect(frames.length).toBeGreaterThan(0);
    for (const f of frames) expect(displayWidth(f)).toBeLessThanOrEqual(29);
    expect(text()).toContain('Finalizing "\\x1b[31m層');
    expect(text()).not.toContain('\u001b[31m');
    expect(frames.some((f) => f.endsWith('…'))).toBe(true);
  });

  test('plain lines escape control characters in the label too', async () => {
    const { io, text } = fakeIO(false);
    const d = await progressDisplay(io, plainStyle, 'Task "a\u0007b"');
    d.update({ state: 'Running', progress: 0 });
    expect(text()).toBe('Task "a\\x07b": Running 0%\n');
  });
});
