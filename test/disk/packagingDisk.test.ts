import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CancelledError } from '../../src/domain/errors';
import { writePackagingDisk } from '../../src/disk/packagingDisk';
import { probeDiskImage } from '../../src/disk/probe';
import { parseVhdFooter } from '../../src/disk/vhd';
import {
  allocatedBytes,
  GiB,
  hasQemuImg,
  holdsPattern,
  MiB,
  makeSparseSource,
  makeTempDir,
  qemuImg,
  qemuImgStatus,
  qemuInfo,
  readAt,
  withQemu,
} from './helpers';

describe('writePackagingDisk', () => {
  let dir: string;
  let cleanup: () => void;
  beforeAll(() => ({ dir, cleanup } = makeTempDir()));
  afterAll(() => cleanup());
  afterEach(() => delete process.env.ELM_QEMU_IMG);

  // An OS layer whose size is not a whole MiB, with data at the start, the middle and the very end.
  const SOURCE_SIZE = 24 * MiB + 4096;
  const BLOCKS = [
    { offset: 0, length: 512 * 1024 },
    { offset: 7 * MiB + 512, length: 2 * MiB },
    { offset: 24 * MiB, length: 4096 },
  ];
  const source = () => {
    const path = join(dir, 'oslayer.raw');
    if (!existsSync(path)) makeSparseSource(path, SOURCE_SIZE, BLOCKS);
    return path;
  };
  const holdsLayer = (path: string) => BLOCKS.every((b) => holdsPattern(path, b.offset, b.length));

  test('vhd: a fixed VHD of a whole number of MiB plus the footer, the layer bytes in place', async () => {
    const dest = join(dir, 'pack.vhd');
    const fractions: number[] = [];
    const bytes: ({ done: number; total: number } | undefined)[] = [];
    const result = await writePackagingDisk({
      source: source(),
      dest,
      format: 'vhd',
      onProgress: (f, b) => {
        fractions.push(f);
        bytes.push(b);
      },
    });

    expect(result).toEqual({ location: dest, sizeBytes: 25 * MiB + 512, virtualSizeBytes: 25 * MiB, format: 'vhd' });
    expect(statSync(dest).size).toBe(25 * MiB + 512);
    expect(holdsLayer(dest)).toBe(true);
    expect(readAt(dest, SOURCE_SIZE, MiB - 4096).every((b) => b === 0)).toBe(true); // the padding
    const footer = parseVhdFooter(readAt(dest, 25 * MiB, 512));
    expect(footer).toMatchObject({ diskType: 2, currentSize: 25 * MiB, creatorApp: 'win ' });
    expect(fractions[fractions.length - 1]).toBe(1);
    // Every report names the bytes written of the disk's size (what --wait turns into a rate and time left).
    expect(bytes.every((b) => b !== undefined && b.total === 25 * MiB && b.done <= b.total)).toBe(true);
    expect(bytes[bytes.length - 1]).toEqual({ done: 25 * MiB, total: 25 * MiB });
    expect(readdirSync(dir).filter((f) => f.includes('partial'))).toEqual([]);
  });

  withQemu('vhd: qemu-img reads it as vpc with exactly the virtual size, the same bytes as the source', async () => {
    const dest = join(dir, 'checked.vhd');
    await writePackagingDisk({ source: source(), dest, format: 'vhd' });
    const info = qemuInfo(dest, 'vpc');
    expect(info.format).toBe('vpc');
    expect(info['virtual-size']).toBe(25 * MiB);
    // compare: the common part identical and the longer image's tail all zeros.
    expect(qemuImg('compare', '-f', 'raw', '-F', 'vpc', source(), dest)).toMatch(/Images are identical/);
    // qemu-img 7.x has no consistency check for vpc (exit 63, "does not support checks"); any
    // other non-zero exit would be a corruption report.
    const check = qemuImgStatus('check', '-f', 'vpc', dest);
    if (check.status !== 0) expect(check).toEqual({ status: 63, output: expect.stringMatching(/does not support checks/) });
  });

  test('vhd: 127 GiB from a sparse source takes seconds and about the source\'s space', async () => {
    const big = join(dir, 'big.raw');
    makeSparseSource(big, 127 * GiB, [
      { offset: 0, length: 2 * MiB },
      { offset: 40 * GiB, length: 3 * MiB },
      { offset: 127 * GiB - MiB, length: MiB },
    ]);
    const dest = join(dir, 'big.vhd');
    const started = Date.now();
    const result = await writePackagingDisk({ source: big, dest, format: 'vhd' });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(result.sizeBytes).toBe(127 * GiB + 512);
    expect(allocatedBytes(dest)).toBeLessThanOrEqual(allocatedBytes(big) + MiB);
    expect(holdsPattern(dest, 40 * GiB, 3 * MiB)).toBe(true);
    expect(holdsPattern(dest, 127 * GiB - MiB, MiB)).toBe(true);
    expect(parseVhdFooter(readAt(dest, 127 * GiB, 512))).toMatchObject({
      currentSize: 127 * GiB,
      geometry: { cylinders: 65278, heads: 16, sectorsPerTrack: 255 },
    });
    if (hasQemuImg) expect(qemuInfo(dest, 'vpc')['virtual-size']).toBe(127 * GiB);
  });

  test('raw: the layer rounded up to a whole MiB', async () => {
    const dest = join(dir, 'pack.img');
    const result = await writePackagingDisk({ source: source(), dest, format: 'raw' });
    expect(result.sizeBytes).toBe(25 * MiB);
    expect(holdsLayer(dest)).toBe(true);
  });

  test('a fixed VHD source is read natively: its footer does not leak into the new disk', async () => {
    const vhd = join(dir, 'layer-as.vhd');
    await writePackagingDisk({ source: source(), dest: vhd, format: 'vhd' });
    process.env.ELM_QEMU_IMG = '/nonexistent'; // proves no qemu-img is needed
    const dest = join(dir, 'again.vhd');
    const result = await writePackagingDisk({ source: vhd, dest, format: 'vhd' });
    expect(result.sizeBytes).toBe(25 * MiB + 512);
    expect(holdsLayer(dest)).toBe(true);
    expect(readAt(dest, SOURCE_SIZE, 25 * MiB - SOURCE_SIZE).every((b) => b === 0)).toBe(true);
  });

  describe.each(['vhdx', 'vmdk', 'qcow2'] as const)('%s through qemu-img', (format) => {
    withQemu('has the format, the whole-MiB size and the layer bytes', async () => {
      const dest = join(dir, `pack.${format}`);
      const result = await writePackagingDisk({ source: source(), dest, format });
      expect(result).toMatchObject({ location: dest, format, sizeBytes: statSync(dest).size });
      const info = qemuInfo(dest, format);
      expect(info).toMatchObject({ format, 'virtual-size': 25 * MiB });
      expect(qemuImg('compare', '-f', 'raw', '-F', format, source(), dest)).toMatch(/Images are identical/);
      expect(await probeDiskImage(dest)).toMatchObject({ format, virtualSizeBytes: 25 * MiB });
      if (format === 'vmdk') expect(readFileSync(dest).toString('latin1', 512, 4096)).toMatch(/createType="monolithicSparse"/);
      expect(readdirSync(dir).filter((f) => f.includes('partial'))).toEqual([]);
    });
  });

  withQemu('a whole-MiB source is converted in one step', async () => {
    const src = join(dir, 'aligned.raw');
    makeSparseSource(src, 16 * MiB, [{ offset: 3 * MiB, length: MiB }]);
    const dest = join(dir, 'aligned.qcow2');
    await writePackagingDisk({ source: src, dest, format: 'qcow2' });
    expect(qemuInfo(dest, 'qcow2')['virtual-size']).toBe(16 * MiB);
    expect(qemuImg('compare', '-f', 'raw', '-F', 'qcow2', src, dest)).toMatch(/identical/);
  });

  describe.each([
    ['qcow2', ['-f', 'qcow2']],
    ['dynamic VHD', ['-f', 'vpc', '-o', 'subformat=dynamic']],
    ['vmdk', ['-f', 'vmdk']],
    ['vhdx', ['-f', 'vhdx']],
  ])('from a %s OS layer', (label, createArgs) => {
    withQemu('converts it first, then writes a fixed VHD with the same bytes', async () => {
      const osLayer = join(dir, `oslayer-${label.replace(/\W/g, '')}.img`);
      qemuImg('convert', '-O', ...createArgs.slice(1), source(), osLayer);
      const dest = join(dir, `from-${label.replace(/\W/g, '')}.vhd`);
      const result = await writePackagingDisk({ source: osLayer, dest, format: 'vhd' });
      const osSize = qemuInfo(osLayer, createArgs[1])['virtual-size'];
      const size = Math.ceil(osSize / MiB) * MiB;
      expect(result.sizeBytes).toBe(size + 512);
      expect(qemuInfo(dest, 'vpc')['virtual-size']).toBe(size);
      expect(holdsLayer(dest)).toBe(true);
      expect(qemuImg('compare', '-f', createArgs[1], '-F', 'vpc', osLayer, dest)).toMatch(/identical/);
    });
  });

  test('vhdx without qemu-img: the error names the package, and nothing is left behind', async () => {
    process.env.ELM_QEMU_IMG = '/nonexistent';
    const dest = join(dir, 'noqemu.vhdx');
    await expect(writePackagingDisk({ source: source(), dest, format: 'vhdx' })).rejects.toThrow(
      'qemu-img is not installed; it is needed for vhdx disks. Install it: sudo apt-get install qemu-utils (Debian/Ubuntu), or choose the vhd format.',
    );
    expect(existsSync(dest)).toBe(false);
    expect(readdirSync(dir).filter((f) => f.startsWith('noqemu'))).toEqual([]);
  });

  test.each(['vhd', 'vhdx'] as const)('%s: aborting leaves neither the disk nor a partial file', async (format) => {
    if (format !== 'vhd' && !hasQemuImg) return;
    const ac = new AbortController();
    const dest = join(dir, `aborted.${format}`);
    const run = writePackagingDisk({ source: source(), dest, format, signal: ac.signal, onProgress: () => ac.abort() });
    await expect(run).rejects.toBeInstanceOf(CancelledError);
    expect(readdirSync(dir).filter((f) => f.startsWith('aborted'))).toEqual([]);
  });

  withQemu('aborting while qemu-img converts stops it and leaves nothing', async () => {
    const src = join(dir, 'abort-aligned.raw');
    makeSparseSource(src, 64 * MiB, [{ offset: 0, length: 8 * MiB }]);
    const ac = new AbortController();
    const run = writePackagingDisk({ source: src, dest: join(dir, 'qabort.vhdx'), format: 'vhdx', signal: ac.signal, onProgress: () => ac.abort() });
    await expect(run).rejects.toBeInstanceOf(CancelledError);
    expect(readdirSync(dir).filter((f) => f.startsWith('qabort'))).toEqual([]);
  });

  test('a killed earlier run\'s partial file is replaced, and an existing disk overwritten', async () => {
    const dest = join(dir, 'rerun.vhd');
    writeFileSync(`${dest}.partial`, 'junk');
    writeFileSync(dest, 'old');
    await writePackagingDisk({ source: source(), dest, format: 'vhd' });
    expect(statSync(dest).size).toBe(25 * MiB + 512);
    expect(existsSync(`${dest}.partial`)).toBe(false);
  });

  test('refuses to write over its own source', async () => {
    await expect(writePackagingDisk({ source: source(), dest: source(), format: 'raw' })).rejects.toThrow(/cannot overwrite its source/);
  });
});
