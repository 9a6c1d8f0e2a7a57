import { execFileSync } from 'node:child_process';
import { existsSync, linkSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync } from 'node:fs';
import { promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CancelledError } from '../../src/domain/errors';
import { importDisk } from '../../src/disk/importDisk';
import { dropDigestsAhead, fileIdentity, startDigestAhead, takeDigestAhead } from '../../src/disk/digestAhead';
import { dropCopiesAhead, startCopyAhead } from '../../src/disk/copyAhead';
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

describe('a digest started ahead (a waiting finalize hashes while it records the task)', () => {
  let dir: string;
  let cleanup: () => void;
  beforeAll(() => ({ dir, cleanup } = makeTempDir()));
  afterAll(() => cleanup());
  afterEach(() => dropDigestsAhead());

  const sha256sum = (path: string) => execFileSync('sha256sum', [path], { encoding: 'utf8' }).split(' ')[0];
  const disk = (name: string) => {
    const path = join(dir, name);
    makeSparseSource(path, 48 * MiB + 512, [
      { offset: 0, length: 4096 },
      { offset: 7 * MiB + 3, length: 5 * MiB },
    ]);
    return path;
  };

  test('the import takes it over: the same SHA-256 as sha256sum, progress to the end', async () => {
    const src = disk('ahead.vhd');
    await startDigestAhead(src);
    const bytes: number[] = [];
    const result = await importDisk(src, join(dir, 'ahead-layer.vhd'), { onProgress: (_f, b) => b && bytes.push(b.done) });
    expect(result.sha256).toBe(sha256sum(src));
    expect(bytes[bytes.length - 1]).toBe(48 * MiB + 512);
    // Taken, not hashed twice: nothing is left for the import of another file to take.
    expect(takeDigestAhead(src, 'any', {})).toBeNull();
  });

  test('a disk replaced after the digest began is hashed again by the import, never given the old digest', async () => {
    const src = disk('replaced.vhd');
    await startDigestAhead(src); // it reads the file it opened, whatever the name points at later
    const other = disk('other.vhd');
    const fh0 = await fsp.open(other, 'r+');
    await fh0.write(Buffer.from('another disk'), 0, undefined, 30 * MiB);
    await fh0.close();
    renameSync(other, src);
    const result = await importDisk(src, join(dir, 'replaced-layer.vhd'));
    expect(result.sha256).toBe(sha256sum(src));
  });

  test('a disk written to after the digest ended is hashed again by the import, never given the old digest', async () => {
    const src = disk('changed.vhd');
    await startDigestAhead(src);
    await new Promise((r) => setTimeout(r, 2_000)); // 48 MiB: hashed long before this
    // The machine wrote to it once more (new bytes, new modification time) before the import.
    const fh = await fsp.open(src, 'r+');
    await fh.write(Buffer.from('written after the digest began'), 0, undefined, 20 * MiB);
    await fh.close();
    const later = new Date(Date.now() + 5_000);
    utimesSync(src, later, later);
    const result = await importDisk(src, join(dir, 'changed-layer.vhd'));
    expect(result.sha256).toBe(sha256sum(src));
  });

  test('the import cancelled stops the digest it took; one nobody took is dropped', async () => {
    const src = disk('cancel.vhd');
    await startDigestAhead(src);
    const ac = new AbortController();
    ac.abort();
    await expect(importDisk(src, join(dir, 'cancel-layer.vhd'), { signal: ac.signal })).rejects.toBeInstanceOf(CancelledError);
    expect(readdirSync(dir).filter((f) => f.startsWith('cancel-layer'))).toEqual([]);

    await startDigestAhead(src);
    const st = await fsp.stat(src, { bigint: true });
    const taken = takeDigestAhead(src, fileIdentity(st), {})!;
    dropDigestsAhead(); // taken already: dropping the others leaves it running
    expect(await taken).toBe(sha256sum(src));
  });

  test('a file that cannot be read fails the digest with the reason', async () => {
    const src = join(dir, 'gone.vhd');
    await expect(startDigestAhead(src)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('a copy started ahead (a waiting finalize of a share on another filesystem)', () => {
  let dir: string;
  let cleanup: () => void;
  beforeAll(() => ({ dir, cleanup } = makeTempDir()));
  afterAll(() => cleanup());
  afterEach(async () => {
    dropDigestsAhead();
    await dropCopiesAhead();
  });

  const disk = (name: string) => {
    const path = join(dir, name);
    makeSparseSource(path, 40 * MiB + 512, [
      { offset: 0, length: 4096 },
      { offset: 9 * MiB + 1, length: 6 * MiB },
    ]);
    return path;
  };
  const leftovers = () => readdirSync(dir).filter((f) => f.includes('.partial'));

  test('the import takes it over: the same bytes and holes, the right SHA-256, nothing left beside', async () => {
    const src = disk('far.vhd');
    const dest = join(dir, 'far-layer.vhd');
    await startCopyAhead(src, `${dest}.partial`);
    await startDigestAhead(src);
    await new Promise((r) => setTimeout(r, 200));
    const [ahead] = leftovers(); // this process's copy, beside the import's .partial
    expect(ahead).toBe(`far-layer.vhd.partial.ahead-${process.pid}`);
    const aheadInode = statSync(join(dir, ahead)).ino;
    const result = await importDisk(src, dest);
    expect(statSync(dest).ino).toBe(aheadInode); // taken over, not copied a second time
    expect(result.sha256).toBe(execFileSync('sha256sum', [src], { encoding: 'utf8' }).split(' ')[0]);
    expect(readFileSync(dest).equals(readFileSync(src))).toBe(true);
    expect(allocatedBytes(dest)).toBeLessThanOrEqual(allocatedBytes(src) + MiB);
    expect(leftovers()).toEqual([]);
  });

  test('a disk rewritten after the copy began is copied again by the import, never the old bytes', async () => {
    const src = disk('rewritten.vhd');
    const dest = join(dir, 'rewritten-layer.vhd');
    await startCopyAhead(src, `${dest}.partial`);
    await new Promise((r) => setTimeout(r, 1_000)); // 40 MiB: copied long before this
    const fh = await fsp.open(src, 'r+');
    await fh.write(Buffer.from('written after the copy began'), 0, undefined, 20 * MiB);
    await fh.close();
    const later = new Date(Date.now() + 5_000);
    utimesSync(src, later, later);
    await importDisk(src, dest);
    expect(readFileSync(dest).equals(readFileSync(src))).toBe(true);
    expect(leftovers()).toEqual([]);
  });

  test('a copy nobody took is stopped and removed; a second start of the same file is the same copy', async () => {
    const src = disk('untaken.vhd');
    const partial = join(dir, 'untaken-layer.vhd.partial');
    await startCopyAhead(src, partial);
    await startCopyAhead(src, partial);
    expect(leftovers().length).toBeLessThanOrEqual(1);
    await dropCopiesAhead();
    expect(leftovers()).toEqual([]);
  });
});
