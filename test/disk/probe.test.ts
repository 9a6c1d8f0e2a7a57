import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { probeDiskImage } from '../../src/disk/probe';
import { buildFixedVhdFooter } from '../../src/disk/vhd';
import { GiB, MiB, makeSparseSource, makeTempDir, qemuImg, qemuInfo, withQemu } from './helpers';

const FIXTURE_SCRIPT = join(__dirname, '../../fixtures/disk/make-images.sh');

describe('probeDiskImage', () => {
  let dir: string;
  let cleanup: () => void;
  beforeAll(() => ({ dir, cleanup } = makeTempDir()));
  afterAll(() => cleanup());

  withQemu('recognises every format the fixture script makes, with the size qemu-img sees', async () => {
    const images = join(dir, 'images');
    execFileSync('sh', [FIXTURE_SCRIPT, images, '8M']);
    const expected: [string, string, Record<string, unknown>][] = [
      ['disk.raw', 'raw', { rawData: true, dataOffset: 0, dataLength: 8 * MiB }],
      ['fixed.vhd', 'vhd', { rawData: true, dataOffset: 0, dataLength: 8 * MiB }],
      ['dynamic.vhd', 'vhd', { rawData: false, dynamic: true }],
      ['disk.vhdx', 'vhdx', { rawData: false }],
      ['disk.qcow2', 'qcow2', { rawData: false }],
      ['sparse.vmdk', 'vmdk', { rawData: false }],
      ['flat.vmdk', 'vmdk', { rawData: false }],
      ['stream.vmdk', 'vmdk', { rawData: false }],
    ];
    for (const [file, format, extra] of expected) {
      const path = join(images, file);
      const probe = await probeDiskImage(path);
      const qemuFormat = { vhd: 'vpc' }[format] ?? format;
      expect({ file, ...probe }).toMatchObject({ file, format, ...extra, virtualSizeBytes: qemuInfo(path, qemuFormat)['virtual-size'] });
    }
  });

  withQemu('reads the VHDX metadata for sizes that are not the default', async () => {
    const path = join(dir, 'big.vhdx');
    qemuImg('create', '-q', '-f', 'vhdx', '-o', 'block_size=1M', path, '3000M');
    expect(await probeDiskImage(path)).toMatchObject({ format: 'vhdx', virtualSizeBytes: 3000 * MiB });
  });

  test('a fixed VHD is the data plus the footer; a raw disk is the whole file', async () => {
    const vhd = join(dir, 'own.vhd');
    makeSparseSource(vhd, 4 * MiB, [{ offset: MiB, length: 4096 }]);
    execFileSync('sh', ['-c', `cat >> "$1"`, 'sh', vhd], { input: buildFixedVhdFooter({ sizeBytes: 4 * MiB }) });
    expect(await probeDiskImage(vhd)).toEqual({
      format: 'vhd',
      virtualSizeBytes: 4 * MiB,
      dataOffset: 0,
      dataLength: 4 * MiB,
      fileSizeBytes: 4 * MiB + 512,
      rawData: true,
    });

    // A raw disk that merely ends in 512 bytes of junk, or that is tiny, stays raw.
    const raw = join(dir, 'plain.raw');
    writeFileSync(raw, Buffer.alloc(100, 7));
    expect(await probeDiskImage(raw)).toMatchObject({ format: 'raw', virtualSizeBytes: 100, dataLength: 100 });
  });

  test('only reads headers: a 1 TiB sparse disk probes at once', async () => {
    const path = join(dir, 'huge.raw');
    makeSparseSource(path, 1024 * GiB, []);
    const started = Date.now();
    expect(await probeDiskImage(path)).toMatchObject({ format: 'raw', virtualSizeBytes: 1024 * GiB });
    expect(Date.now() - started).toBeLessThan(1000);
  });

  test('a missing file is a clear error', async () => {
    await expect(probeDiskImage(join(dir, 'nope.vhd'))).rejects.toThrow(/Disk image not found: .*nope\.vhd/);
  });
});
