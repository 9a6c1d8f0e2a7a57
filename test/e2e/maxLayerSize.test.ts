/**
 * Max Layer Size is the packaging machine's room: on the file share the packaging disk's virtual
 * size grows to it (a hole, the OS layer's bytes where they were, a VHD footer that qemu-img reads
 * as that size), the task says the guest must extend its partition, and a size below the OS
 * disk's is refused (exit 2, nothing recorded) naming the OS disk's size.
 */
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { baseSetup, diskStatus, expectRefused, GiB, hasQemuImg, json, MARKER, MARKER_OFFSET, MiB, readState, scratch, type Scratch } from '../support/e2e';

let s: Scratch;
beforeAll(async () => {
  s = await scratch(2 * MiB, 'elm-maxsize-');
  await baseSetup(s);
});
afterAll(() => s.cleanup());

const withQemu = hasQemuImg ? test : test.skip;

function qemuInfo(file: string, format: string): { 'virtual-size': number } {
  const r = spawnSync('qemu-img', ['info', '--output=json', '-f', format, file], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`qemu-img info ${file}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

async function markerAt(file: string, offset: number): Promise<string> {
  const fh = await fs.open(file, 'r');
  try {
    const buf = Buffer.alloc(MARKER.length);
    await fh.read(buf, 0, buf.length, offset);
    return buf.toString('latin1');
  } finally {
    await fh.close();
  }
}

const create = (name: string, extra: string[]) =>
  s.run(['layer', 'create', '--name', name, '--version', '1', '--os-layer', 'win', '--connector', 'share', '--wait', '--json', ...extra]);

withQemu('--max-size 3 on a 2 MiB OS disk: a fixed VHD of 3 GiB, footer valid, OS bytes in place, extend-the-partition note', async () => {
  const doc = json(await create('grow-vhd', ['--hypervisor', 'xenserver', '--max-size', '3']));
  const disk = (await diskStatus(s, 'grow-vhd')).disk;
  const stat = await fs.stat(disk.location);
  expect(stat.size).toBe(3 * GiB + 512);
  // qemu reads the fixed VHD's footer (the image's size comes from it, -f vpc: see src/disk/qemuImg.ts).
  expect(qemuInfo(disk.location, 'vpc')['virtual-size']).toBe(3 * GiB);
  expect(await markerAt(disk.location, MARKER_OFFSET)).toBe(MARKER);
  expect(stat.blocks * 512).toBeLessThan(64 * MiB); // the growth is a hole
  expect(doc.task.description).toMatch(/virtual size is the Max Layer Size, 3\.0 GiB .*extend the OS partition/);
});

withQemu('--max-size 2 with --hypervisor hyperv: a VHDX whose virtual size is 2 GiB, qemu-img check clean', async () => {
  json(await create('grow-vhdx', ['--hypervisor', 'hyperv', '--max-size', '2']));
  const disk = (await diskStatus(s, 'grow-vhdx')).disk;
  expect(disk.format).toBe('vhdx');
  expect(qemuInfo(disk.location, 'vhdx')['virtual-size']).toBe(2 * GiB);
  expect(spawnSync('qemu-img', ['check', '-f', 'vhdx', disk.location]).status).toBe(0);
});

test('no --max-size: the packaging disk keeps the OS disk size (the default 10 GiB is no request)', async () => {
  const doc = json(await create('keep', ['--hypervisor', 'xenserver']));
  const disk = (await diskStatus(s, 'keep')).disk;
  expect((await fs.stat(disk.location)).size).toBe(2 * MiB + 512);
  expect(doc.task.description).not.toMatch(/Max Layer Size/);
});

describe('an OS disk larger than the asked size', () => {
  let big: Scratch;
  beforeAll(async () => {
    big = await scratch(GiB + 4 * MiB, 'elm-maxsize-big-');
    await baseSetup(big);
  });
  afterAll(() => big.cleanup());

  test('--max-size 1 is refused naming the OS disk size, nothing recorded', async () => {
    await expectRefused(
      big,
      ['layer', 'create', '--name', 'small', '--version', '1', '--os-layer', 'win', '--connector', 'share', '--hypervisor', 'xenserver', '--max-size', '1'],
      /--max-size 1: the OS layer disk of win is 1\.0 GiB \(1077936128 bytes\) and the packaging disk cannot be smaller; pass --max-size 2 or more/,
    );
    expect((await readState(big.home)).layers).toHaveLength(0);
  });
});
