import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CancelledError } from '../../src/cli/errors';
import { copyAndHash } from '../../src/disk/copyAndHash';
import { allocatedBytes, MiB, makeSparseSource, makeTempDir } from './helpers';

const sha256sum = (file: string) => execFileSync('sha256sum', [file], { encoding: 'utf8' }).split(' ')[0];

describe('copyAndHash', () => {
  let dir: string;
  let cleanup: () => void;
  beforeAll(() => ({ dir, cleanup } = makeTempDir()));
  afterAll(() => cleanup());

  test('one pass gives sha256sum\'s hash and an identical copy whose zero stretches stay holes', async () => {
    // Data straddling chunk borders, a lone byte deep in a hole, a length that is no multiple of anything.
    const size = 45 * MiB + 512;
    const src = join(dir, 'src.vhd');
    makeSparseSource(src, size, [
      { offset: 0, length: 4096 },
      { offset: 4 * MiB - 100, length: 200 },
      { offset: 9 * MiB + 17, length: 3 * MiB },
      { offset: 30 * MiB + 5, length: 1 },
      { offset: size - 512, length: 512 },
    ]);
    const dest = join(dir, 'dest.vhd');
    const seen: number[] = [];
    const digest = await copyAndHash(src, dest, size, { onProgress: (n) => seen.push(n) });
    expect(digest).toBe(sha256sum(src));
    expect(readFileSync(dest).equals(readFileSync(src))).toBe(true);
    expect(statSync(dest).size).toBe(size);
    // Written at 1 MiB granularity: about 8 MiB here, not 45.
    expect(allocatedBytes(dest)).toBeLessThanOrEqual(10 * MiB);
    expect(seen[seen.length - 1]).toBe(size);
    expect([...seen].sort((a, b) => a - b)).toEqual(seen);
  });

  test('an empty length gives the empty hash and an empty file', async () => {
    const src = join(dir, 'empty.raw');
    makeSparseSource(src, 0, []);
    const dest = join(dir, 'empty.out');
    expect(await copyAndHash(src, dest, 0)).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(statSync(dest).size).toBe(0);
  });

  test('a failing write rejects with the system error, once, with nothing left running', async () => {
    const src = join(dir, 'full.raw');
    makeSparseSource(src, 24 * MiB, [{ offset: 0, length: 24 * MiB }]);
    // /dev/full takes the open and refuses every write with ENOSPC, like a full repository disk.
    await expect(copyAndHash(src, '/dev/full', 24 * MiB)).rejects.toMatchObject({ code: 'ENOSPC' });
  });

  test('aborting stops with CancelledError', async () => {
    const src = join(dir, 'abort.raw');
    makeSparseSource(src, 64 * MiB, [{ offset: 0, length: 64 * MiB }]);
    const ac = new AbortController();
    const run = copyAndHash(src, join(dir, 'abort.out'), 64 * MiB, { signal: ac.signal, onProgress: () => ac.abort() });
    await expect(run).rejects.toBeInstanceOf(CancelledError);
  });
});
