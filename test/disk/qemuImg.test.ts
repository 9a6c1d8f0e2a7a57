import { statSync } from 'node:fs';
import { join } from 'node:path';
import { ElmError } from '../../src/domain/errors';
import { convertImage, qemuFormatName, qemuImgAvailable, qemuImgInfo } from '../../src/disk/qemuImg';
import { MiB, makeSparseSource, makeTempDir, qemuImg, withQemu } from './helpers';

describe('qemu-img', () => {
  let dir: string;
  let cleanup: () => void;
  beforeAll(() => ({ dir, cleanup } = makeTempDir()));
  afterAll(() => cleanup());
  afterEach(() => delete process.env.ELM_QEMU_IMG);

  test('VHD is "vpc" to qemu', () => {
    expect(qemuFormatName('vhd')).toBe('vpc');
    expect(qemuFormatName('vhdx')).toBe('vhdx');
  });

  test('when qemu-img is missing the error says how to install it', async () => {
    process.env.ELM_QEMU_IMG = '/nonexistent/qemu-img';
    const run = convertImage(join(dir, 'a.raw'), 'raw', join(dir, 'a.vmdk'), 'vmdk');
    await expect(run).rejects.toBeInstanceOf(ElmError);
    await expect(run).rejects.toThrow(
      'qemu-img is not installed; it is needed for vmdk disks. Install it: sudo apt-get install qemu-utils (Debian/Ubuntu), or choose the vhd format.',
    );
    await expect(qemuImgInfo(join(dir, 'a.qcow2'), 'qcow2')).rejects.toThrow(/needed for qcow2 disks.*qemu-utils/);
    expect(await qemuImgAvailable()).toBe(false);
  });

  withQemu('convert reports progress and info reads the result', async () => {
    const src = join(dir, 'src.raw');
    makeSparseSource(src, 32 * MiB, [{ offset: 3 * MiB, length: MiB }]);
    const dest = join(dir, 'out.qcow2');
    const fractions: number[] = [];
    await convertImage(src, 'raw', dest, 'qcow2', { onProgress: (f) => fractions.push(f) });
    expect(fractions[fractions.length - 1]).toBe(1);
    const info = await qemuImgInfo(dest, 'qcow2');
    expect(info).toMatchObject({ format: 'qcow2', virtualSizeBytes: 32 * MiB });
    expect(statSync(dest).size).toBeLessThan(4 * MiB);
    expect(qemuImg('compare', '-f', 'raw', '-F', 'qcow2', src, dest)).toMatch(/identical/);
    expect(await qemuImgAvailable()).toBe(true);
  });

  withQemu('a failed run names the subcommand and qemu-img\'s reason', async () => {
    await expect(qemuImgInfo(join(dir, 'missing.qcow2'), 'qcow2')).rejects.toThrow(/qemu-img info failed: .*No such file/);
  });
});
