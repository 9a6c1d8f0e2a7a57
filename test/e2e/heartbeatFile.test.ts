/**
 * A worker's heartbeat file (`<home>/workers/task-ID.json`) is read by `task list`, `task show`
 * and every guard at any moment, so it is replaced whole (a temp file renamed over it), never
 * truncated and rewritten in place: a reader with the old file open keeps reading a complete
 * record, and no reader can see a half-written one and call a live worker dead.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { baseSetup, expectOk, findFiles, GiB, json, scratch, waitFor, type Scratch } from '../support/e2e';
import { interruptedFinalize } from '../support/interrupted';

jest.setTimeout(300_000);

let s: Scratch;
beforeAll(async () => {
  s = await scratch(2 * GiB);
  await baseSetup(s);
});
afterAll(() => s.cleanup());

test('a resumed worker replaces the dead one\'s heartbeat file whole: a reader holding the old one reads it complete', async () => {
  const id = await interruptedFinalize(s, 'beat');
  const file = path.join(s.home, 'workers', `task-${id}.json`);
  const before = await fs.readFile(file, 'utf8');
  const dead = JSON.parse(before).pid as number;
  // A reader that opened the file just before the new worker writes it.
  const reader = await fs.open(file, 'r');
  try {
    // `task resume` runs the task in its own process until it ends: the heartbeat is read meanwhile.
    const resumed = s.run(['task', 'resume', id, '--json'], { timeoutMs: 240_000 });
    const pid = await waitFor(
      'the new worker heartbeat',
      async () => {
        const rec = JSON.parse(await fs.readFile(file, 'utf8').catch(() => 'null'));
        return rec && rec.pid !== dead ? (rec.pid as number) : null;
      },
      120_000,
      20,
    );
    expect(pid).not.toBe(dead);
    const seen = await reader.read(Buffer.alloc(4096), 0, 4096, 0);
    // The old record, whole: the new one went to another file that took its name.
    expect(seen.buffer.subarray(0, seen.bytesRead).toString('utf8')).toBe(before);
    const done = await resumed;
    expectOk(done);
    expect(json(done).state).toBe('Complete');
  } finally {
    await reader.close();
  }
  expect(await findFiles(path.join(s.home, 'workers'), /\.tmp$/)).toEqual([]);
});
