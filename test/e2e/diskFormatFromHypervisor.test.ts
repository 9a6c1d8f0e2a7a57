/**
 * The packaging disk's format follows the hypervisor that boots it: on the file share (which
 * writes every format) vsphere gets a VMDK, hyperv a VHDX, xenserver a VHD, acropolis a QCOW2;
 * a format the hypervisor cannot boot is refused from flags and from a spec (exit 2, nothing
 * recorded). The wizard offers only the formats that fit (test/wizard/operatorDay.pty.test.ts).
 */
import path from 'node:path';
import { baseSetup, diskStatus, expectRefused, hasQemuImg, json, MiB, readState, scratch, type Scratch } from '../support/e2e';

let s: Scratch;
beforeAll(async () => {
  s = await scratch(2 * MiB, 'elm-diskfmt-');
  await baseSetup(s);
});
afterAll(() => s.cleanup());

const create = (name: string, extra: string[]) => s.run(['layer', 'create', '--name', name, '--version', '1', '--os-layer', 'win', '--connector', 'share', '--wait', '--json', ...extra]);

// Formats other than VHD are written through qemu-img.
(hasQemuImg ? test.each : test.skip.each)([
  ['vsphere', 'vmdk'],
  ['hyperv', 'vhdx'],
  ['acropolis', 'qcow2'],
])('--hypervisor %s on the file share: the packaging disk is a %s', async (hypervisor, format) => {
  json(await create(`fmt-${hypervisor}`, ['--hypervisor', hypervisor]));
  const st = await diskStatus(s, `fmt-${hypervisor}`);
  expect(st.disk).toMatchObject({ format, location: path.join(s.share, `fmt-${hypervisor}.${format}`) });
});

test('--hypervisor xenserver: a VHD', async () => {
  json(await create('fmt-xen', ['--hypervisor', 'xenserver']));
  expect((await diskStatus(s, 'fmt-xen')).disk.format).toBe('vhd');
});

test.each([
  ['vsphere', 'vhd', /--disk-format vhd: a vsphere packaging machine does not boot a vhd disk; use vmdk/],
  ['hyperv', 'vmdk', /--disk-format vmdk: a hyperv packaging machine does not boot a vmdk disk; use vhdx or vhd/],
])('--hypervisor %s --disk-format %s is refused, nothing recorded', async (hypervisor, format, message) => {
  const before = (await readState(s.home)).layers.length;
  await expectRefused(s, ['layer', 'create', '--name', `bad-${hypervisor}`, '--version', '1', '--os-layer', 'win', '--connector', 'share', '--hypervisor', hypervisor, '--disk-format', format], message);
  expect((await readState(s.home)).layers).toHaveLength(before);
});
