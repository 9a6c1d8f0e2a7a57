import { execFileSync } from 'node:child_process';
import { existsSync, linkSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CancelledError } from '../../src/domain/errors';
import { importDisk } from '../../src/disk/importDisk';
import { allocatedBytes, MiB, makeSparseSource, makeTempDir } from './helpers';

describe('importDisk', () => {
  let dir: string;
  let cleanup: () => void;
  beforeAll(() => ({ dir, cleanup } = makeTempDir()));
  afterAll(() => cleanup());

  const makeDisk = (name: string, size: number) => {
    const path = join(dir, name);
    makeSparseSource(path, size, [
      { offset: 0, length: 4096 },
      { offset: 9 * MiB + 17, length: 3 * MiB },
      { offset: size - 512, length: 512 }, // a VHD footer's place
    ]);
    return path;
  };

  test('hashes every byte like sha256sum and writes a sparse, identical copy', async () => {
    const src = makeDisk('pack.vhd', 200 * MiB + 512);
    const dest = join(dir, 'layer.vhd');
    const fractions: number[] = [];
    const result = await importDisk(src, dest, { onProgress: (f) => fractions.push(f) });

    const expected = execFileSync('sha256sum', [src], { encoding: 'utf8' }).split(' ')[0];
    expect(result).toEqual({ sha256: expected, sizeBytes: 200 * MiB + 512 });
    expect(readFileSync(dest).equals(readFileSync(src))).toBe(true);
    // Only the chunks holding data are written: 1 MiB granularity, about 6 MiB here, not 200.
    expect(allocatedBytes(dest)).toBeLessThan(8 * MiB);
    expect(fractions[fractions.length - 1]).toBe(1);
    expect(fractions.length).toBeLessThanOrEqual(1002);
    expect(existsSync(`${dest}.partial`)).toBe(false);
  });

  test('an empty file hashes as the empty string', async () => {
    const src = join(dir, 'empty.raw');
    makeSparseSource(src, 0, []);
    const result = await importDisk(src, join(dir, 'empty.out'));
    expect(result).toEqual({ sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', sizeBytes: 0 });
  });

  test('aborting leaves neither the copy nor a partial file', async () => {
    const src = makeDisk('abort.vhd', 64 * MiB);
    const ac = new AbortController();
    const dest = join(dir, 'aborted-layer.vhd');
    const run = importDisk(src, dest, { signal: ac.signal, onProgress: (f) => f > 0.1 && ac.abort() });
    await expect(run).rejects.toBeInstanceOf(CancelledError);
    expect(readdirSync(dir).filter((f) => f.startsWith('aborted-layer'))).toEqual([]);
  });

  test('a source written to during the import is refused and leaves nothing', async () => {
    const src = makeDisk('busy.vhd', 96 * MiB);
    const dest = join(dir, 'busy-layer.vhd');
    let touched = false;
    const run = importDisk(src, dest, {
      onProgress: () => {
        if (touched) return;
        touched = true;
        // The packaging machine started again and wrote a sector.
        const later = new Date(Date.now() + 5000);
        utimesSync(src, later, later);
      },
    });
    await expect(run).rejects.toThrow(/The disk changed while it was imported/);
    expect(readdirSync(dir).filter((f) => f.startsWith('busy-layer'))).toEqual([]);
  });

  test('a missing source is a clear error and leaves nothing', async () => {
    const dest = join(dir, 'never.vhd');
    await expect(importDisk(join(dir, 'gone.vhd'), dest)).rejects.toThrow(/Disk to import not found: .*gone\.vhd/);
    expect(readdirSync(dir).filter((f) => f.startsWith('never'))).toEqual([]);
    expect(statSync(dir).isDirectory()).toBe(true);
  });

  test('a disposable source on the same filesystem is linked: the same file, no block copied', async () => {
    const src = makeDisk('share.vhd', 40 * MiB + 512);
    const expected = execFileSync('sha256sum', [src], { encoding: 'utf8' }).split(' ')[0];
    const dest = join(dir, 'linked-layer.vhd');
    const result = await importDisk(src, dest, { sourceIsDisposable: true });
    expect(result).toEqual({ sha256: expected, sizeBytes: 40 * MiB + 512 });
    expect(statSync(dest).ino).toBe(statSync(src).ino);
    expect(statSync(src).nlink).toBe(2); // the caller deletes the share's name next
    expect(existsSync(`${dest}.partial`)).toBe(false);
  });

  test('run again over its own earlier link (an interrupted finalize), nothing is left under the partial name', async () => {
    const src = makeDisk('again.vhd', 20 * MiB);
    const dest = join(dir, 'again-layer.vhd');
    linkSync(src, dest);
    await importDisk(src, dest, { sourceIsDisposable: true });
    expect(statSync(dest).ino).toBe(statSync(src).ino);
    expect(readdirSync(dir).filter((f) => f.startsWith('again-layer'))).toEqual(['again-layer.vhd']);
  });

  test('without the disposable flag the repository gets its own copy, even on the same filesystem', async () => {
    const src = makeDisk('kept.vhd', 20 * MiB);
    const dest = join(dir, 'kept-layer.vhd');
    await importDisk(src, dest);
    expect(statSync(dest).ino).not.toBe(statSync(src).ino);
    expect(statSync(src).nlink).toBe(1);
    expect(readFileSync(dest).equals(readFileSync(src))).toBe(true);
  });

  const otherFs = existsSync('/dev/shm') && statSync('/dev/shm').dev !== statSync(tmpdir()).dev;
  (otherFs ? test : test.skip)('a disposable source on another filesystem is copied (a link cannot cross)', async () => {
    const shm = mkdtempSync('/dev/shm/elm-import-');
    try {
      const src = join(shm, 'far.vhd');
      makeSparseSource(src, 20 * MiB + 512, [{ offset: 3 * MiB, length: MiB }]);
      const dest = join(dir, 'far-layer.vhd');
      const result = await importDisk(src, dest, { sourceIsDisposable: true });
      expect(result.sha256).toBe(execFileSync('sha256sum', [src], { encoding: 'utf8' }).split(' ')[0]);
      expect(statSync(dest).dev).not.toBe(statSync(src).dev);
      expect(readFileSync(dest).equals(readFileSync(src))).toBe(true);
      expect(allocatedBytes(dest)).toBeLessThanOrEqual(2 * MiB);
    } finally {
      rmSync(shm, { recursive: true, force: true });
    }
  });
});
