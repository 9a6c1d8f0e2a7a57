/**
 * What an operator reads on a progress line of long work (`Running 40% (1.2 GiB of 4.0 GiB,
 * 85 MiB/s, 25s left)`), parsed back into numbers, and the check a reader can make by hand.
 */
import { plain } from './pty';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

/** `1.2 GiB of 4.0 GiB, 85 MiB/s, 25s left`: one binary unit per size, a rate per second, a time left. */
export const SIZE = String.raw`(\d+(?:\.\d)?) (bytes|KiB|MiB|GiB)`;
const ETA = String.raw`(\d+s|\d+m \d\ds|\d+h \d\dm)`;
const BYTES_RATE_ETA = new RegExp(String.raw`Running (\d+)% \(${SIZE} of ${SIZE}, ${SIZE}/s, ${ETA} left\)`, 'g');

const UNIT: Record<string, number> = { bytes: 1, KiB: 1024, MiB: MiB, GiB: GiB };
const seconds = (eta: string) => eta.split(' ').reduce((s, part) => s + Number(part.slice(0, -1)) * { s: 1, m: 60, h: 3600 }[part.slice(-1) as 's' | 'm' | 'h'], 0);

interface Measured {
  percent: number;
  done: number;
  total: number;
  rate: number;
  etaSeconds: number;
}

/** Every "bytes, rate, time left" reading the operator saw, in order. */
export function readings(output: string): Measured[] {
  return [...plain(output).matchAll(BYTES_RATE_ETA)].map((m) => ({
    percent: Number(m[1]),
    done: Number(m[2]) * UNIT[m[3]],
    total: Number(m[4]) * UNIT[m[5]],
    rate: Number(m[6]) * UNIT[m[7]],
    etaSeconds: seconds(m[8]),
  }));
}

/** The readings say what an operator can check by hand: time left = bytes left / rate. */
export function expectConsistent(seen: Measured[], diskBytes: number): void {
  expect(seen.length).toBeGreaterThan(0);
  for (const r of seen) {
    expect(r.total).toBeGreaterThan(diskBytes * 0.95);
    expect(r.total).toBeLessThan(diskBytes * 1.05);
    expect(r.done).toBeLessThanOrEqual(r.total);
    const expected = (r.total - r.done) / r.rate;
    // Rounding of the shown sizes (one decimal, or whole units) and of the seconds.
    expect(Math.abs(r.etaSeconds - expected)).toBeLessThanOrEqual(Math.max(2, expected * 0.15));
  }
  for (let i = 1; i < seen.length; i++) expect(seen[i].done).toBeGreaterThanOrEqual(seen[i - 1].done);
}

