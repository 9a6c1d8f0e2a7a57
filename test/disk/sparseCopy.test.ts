import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CancelledError } from '../../src/domain/errors';
import { sparseCopy } from '../../src/disk/sparseCopy';
import { allocatedBytes, GiB, holdsPattern, MiB, makeSparseSource, makeTempDir, readAt } from './helpers';

describe('sparseCopy', () => {
  let dir: string;
  let cleanup: () => void;
  beforeAll(() => ({ dir, cleanup } = makeTempDir()));
  afterAll(() => cleanup());

  const blocks = [
    { offset: 0, length: 64 * 1024 },
    { offset: 5 * MiB + 123, length: 3 * MiB },
    { offset: 40 * MiB - 4096, length: 4096 },
  ];

  test.each([
    ['cp --sparse=always', true],
    ['the portable loop', false],
  ])('a whole file through %s: same bytes, holes kept, length kept', async (_label, allowCp) => {
    const src = join(dir, `src-${allowCp}.raw`);
    const dest = join(dir, `dest-${allowCp}.raw`);
    makeSparseSource(src, 64 * MiB, blocks);
    const seen: number[] = [];
    await sparseCopy({ src, dest, allowCp, onProgress: (done, total) => seen.push(done / total) });
    expect(statSync(dest).size).toBe(64 * MiB);
    expect(readFileSync(dest).equals(readFileSync(src))).toBe(true);
    // The loop writes whole 1 MiB chunks; a hole-aware copy allocates about what the source does.
    expect(allocatedBytes(dest)).toBeLessThanOrEqual(allocatedBytes(src) + 4 * MiB);
    expect(seen[0]).toBe(0);
    expect(seen[seen.length - 1]).toBe(1);
  });

  test.each([
    ['cp --sparse=always, then cut', true],
    ['the portable loop', false],
  ])('a range (the data of a fixed VHD, a sub-range) through %s', async (_label, allowCp) => {
    const src = join(dir, `range-${allowCp}.raw`);
    makeSparseSource(src, 8 * MiB + 512, [
      { offset: 2 * MiB, length: 4096 },
      { offset: 8 * MiB, length: 512 }, // the "footer": must not be copied
    ]);
    const dest = join(dir, `range-${allowCp}.out`);
    await sparseCopy({ src, dest, length: 8 * MiB, allowCp });
    expect(statSync(dest).size).toBe(8 * MiB);
    expect(holdsPattern(dest, 2 * MiB, 4096)).toBe(true);

    const sub = join(dir, `sub-${allowCp}.out`);
    await sparseCopy({ src, dest: sub, srcOffset: 2 * MiB, length: 3 * MiB, allowCp });
    expect(statSync(sub).size).toBe(3 * MiB);
    expect(holdsPattern(sub, 2 * MiB, 4096, 0)).toBe(true);
    expect(readAt(sub, 4096, 3 * MiB - 4096).every((b) => b === 0)).toBe(true);
  });

  test('a 127 GiB sparse disk takes seconds with cp, not a read of every hole', async () => {
    const src = join(dir, 'big.raw');
    const dest = join(dir, 'big.out');
    makeSparseSource(src, 127 * GiB, [
      { offset: MiB, length: MiB },
      { offset: 100 * GiB, length: MiB },
    ]);
    const started = Date.now();
    await sparseCopy({ src, dest });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(statSync(dest).size).toBe(127 * GiB);
    expect(holdsPattern(dest, 100 * GiB, MiB)).toBe(true);
    expect(allocatedBytes(dest)).toBeLessThanOrEqual(allocatedBytes(src) + MiB);
  });

  test('stops when aborted, on either path', async () => {
    const src = join(dir, 'abort.raw');
    makeSparseSource(src, 16 * MiB, [{ offset: 0, length: MiB }]);
    for (const allowCp of [true, false]) {
      const ac = new AbortController();
      const run = sparseCopy({ src, dest: join(dir, `abort-${allowCp}.out`), allowCp, signal: ac.signal, onProgress: () => ac.abort() });
      await expect(run).rejects.toBeInstanceOf(CancelledError);
    }
  });

  describe('a cp that is not GNU cp, or none at all: the loop copies instead', () => {
    const savedPath = process.env.PATH;
    afterEach(() => {
      process.env.PATH = savedPath;
    });

    test.each([
      ['a cp that refuses --sparse (busybox says so)', `#!/bin/sh\necho "cp: unrecognized option '--sparse=always'" >&2\nexit 1\n`],
      ['no cp on the PATH', null],
    ])('%s', async (_label, script) => {
      const bin = join(dir, `bin-${script ? 'busybox' : 'none'}`);
      mkdirSync(bin, { recursive: true });
      if (script) writeFileSync(join(bin, 'cp'), script, { mode: 0o755 });
      process.env.PATH = bin;
      let fresh: typeof import('../../src/disk/sparseCopy') | undefined;
      jest.isolateModules(() => {
        fresh = require('../../src/disk/sparseCopy');
      });
      const src = join(dir, `fallback-${script ? 'busybox' : 'none'}.raw`);
      const dest = `${src}.out`;
      makeSparseSource(src, 16 * MiB, blocks.slice(0, 2));
      await fresh!.sparseCopy({ src, dest });
      expect(readFileSync(dest).equals(readFileSync(src))).toBe(true);
      // Asked once: the next copy goes straight to the loop.
      await fresh!.sparseCopy({ src, dest: `${dest}.2` });
      expect(readFileSync(`${dest}.2`).equals(readFileSync(src))).toBe(true);
    });

    test('a real copy error from GNU cp is still an error, not a quiet fallback', async () => {
      const src = join(dir, 'real-error.raw');
      makeSparseSource(src, 2 * MiB, blocks.slice(0, 1));
      await expect(sparseCopy({ src, dest: join(dir, 'no-such-folder', 'x.out') })).rejects.toThrow(/^Copying .* failed: cp: cannot create regular file/);
    });
  });
});
