/**
 * elm layer create without a terminal: flags and -f spec, the packaging disk on the file share
 * (checked with qemu-img), the --json document, and every refusal (exit 2, state unchanged).
 */
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import {
  baseSetup,
  createLayer,
  diskStatus,
  escapeRe,
  expectOk,
  expectRefused,
  json,
  MARKER,
  MARKER_OFFSET,
  MiB,
  GiB,
  readState,
  scratch,
  tinyPng,
  withQemu,
  type Scratch,
} from '../support/e2e';

// An OS disk whose size is not a whole MiB: the packaging disk is rounded up to the next MiB.
const OS_BYTES = 48 * MiB + 4096;
const DISK_BYTES = 49 * MiB;

let s: Scratch;
let paddedRaw: string; // the OS disk padded to the packaging disk's size, for qemu-img compare
beforeAll(async () => {
  s = await scratch(OS_BYTES);
  await baseSetup(s);
  paddedRaw = path.join(s.dir, 'os-padded.raw');
  await fs.copyFile(s.osDisk, paddedRaw);
  await fs.truncate(paddedRaw, DISK_BYTES);
});
afterAll(() => s.cleanup());

function qemuInfo(file: string, fmt: string): { format: string; 'virtual-size': number } {
  return JSON.parse(execFileSync('qemu-img', ['info', '--output=json', '-f', fmt, file], { encoding: 'utf8' }));
}
function qemuCompare(raw: string, file: string, fmt: string): number {
  try {
    execFileSync('qemu-img', ['compare', '-q', '-f', 'raw', '-F', fmt, raw, file]);
    return 0;
  } catch (e) {
    return (e as { status: number }).status;
  }
}

describe('layer create: the packaging disk', () => {
  let doc: Awaited<ReturnType<typeof createLayer>>;
  let vhd: string;

  test('--wait --json: the document of the README (Conventions), task ActionRequired naming the disk path', async () => {
    doc = await createLayer(s, 'Citrix VDA', ['--description', 'VDA for Azure', '--comment', 'first cut']);
    expect(doc).toMatchObject({
      layer: { id: expect.any(String), name: 'Citrix VDA' },
      version: { name: '1', state: 'Editing' },
      task: { id: expect.any(String), kind: 'CreatePackagingDisk', state: 'ActionRequired', description: expect.any(String) },
    });
    vhd = path.join(s.share, 'Citrix-VDA.vhd'); // the default disk name comes from the layer name
    expect(doc.task.description).toContain(vhd);
    expect(doc.task.description).toMatch(/elm machine deploy-link/);
    // --wait runs the task in the command's own process, and its task log says so.
    const log = await fs.readFile(path.join(s.home, 'logs', `task-${doc.task.id}.log`), 'utf8');
    expect(log).toMatch(new RegExp(`running task ${doc.task.id} in waiting process \\d+\\n[\\s\\S]*step writeDisk: done[\\s\\S]*step recordDisk: done`));
  });

  test('disk status --json: disk.location is the absolute path of an existing file', async () => {
    const st = await diskStatus(s, 'Citrix VDA');
    expect(st).toMatchObject({
      layer: { id: doc.layer.id, name: 'Citrix VDA' },
      version: { name: '1', state: 'Editing' },
      task: { id: doc.task.id, state: 'ActionRequired', description: doc.task.description },
      disk: { name: 'Citrix-VDA', format: 'vhd', location: vhd, sizeBytes: DISK_BYTES + 512 },
    });
    expect(path.isAbsolute(st.disk.location)).toBe(true);
    expect((await fs.stat(st.disk.location)).size).toBe(DISK_BYTES + 512);
    // The text form says the same for a human.
    const text = await s.run(['disk', 'status', 'Citrix VDA']);
    expectOk(text);
    expect(text.stdout).toContain(`Packaging disk: ${vhd}`);
    expect(text.stdout).toContain('ActionRequired');
  });

  test('the VHD carries the OS layer bytes at the same offset, then a footer', async () => {
    const fh = await fs.open(vhd, 'r');
    try {
      const buf = Buffer.alloc(MARKER.length);
      await fh.read(buf, 0, buf.length, MARKER_OFFSET);
      expect(buf.toString('latin1')).toBe(MARKER);
      const footer = Buffer.alloc(8);
      await fh.read(footer, 0, 8, DISK_BYTES);
      expect(footer.toString('latin1')).toBe('conectix');
    } finally {
      await fh.close();
    }
  });

  withQemu('qemu-img: format vpc, virtual size rounded up to the MiB, same bytes as the OS disk', () => {
    const info = qemuInfo(vhd, 'vpc');
    expect(info.format).toBe('vpc');
    expect(info['virtual-size']).toBe(DISK_BYTES);
    expect(qemuCompare(paddedRaw, vhd, 'vpc')).toBe(0);
  });

  test('audit and the stored version record the wizard values', async () => {
    const show = json(await s.run(['layer', 'show', 'Citrix VDA', '--json']));
    expect(show.description).toBe('VDA for Azure');
    expect(show.versions[0]).toMatchObject({ maxSizeGiB: 10, osLayer: { name: 'win', version: '1' }, connector: 'share', platform: { purpose: 'packaging' } });
    expect(show.audit).toEqual([expect.objectContaining({ action: 'Create Layer', comment: 'first cut', user: expect.any(String), at: expect.any(String) })]);
  });

  for (const [format, qemuFmt, hypervisor] of [
    ['vhdx', 'vhdx', 'hyperv'],
    ['qcow2', 'qcow2', 'acropolis'],
    ['vmdk', 'vmdk', 'vsphere'],
  ] as const) {
    withQemu(`--disk-format ${format}: a ${qemuFmt} image with the OS layer's bytes`, async () => {
      const d = await createLayer(s, `fmt-${format}`, ['--hypervisor', hypervisor, '--disk-format', format]);
      expect(d.task.state).toBe('ActionRequired');
      const st = await diskStatus(s, `fmt-${format}`);
      expect(st.disk).toMatchObject({ format, location: path.join(s.share, `fmt-${format}.${format}`) });
      const info = qemuInfo(st.disk.location, qemuFmt);
      expect(info.format).toBe(qemuFmt);
      expect(info['virtual-size']).toBe(DISK_BYTES);
      expect(qemuCompare(paddedRaw, st.disk.location, qemuFmt)).toBe(0);
      execFileSync('qemu-img', ['check', '-q', '-f', qemuFmt, st.disk.location]);
    });
  }

  test('--disk-format raw and --disk-name', async () => {
    await createLayer(s, 'rawdisk', ['--hypervisor', 'acropolis', '--disk-format', 'raw', '--disk-name', 'my_disk-01']);
    const st = await diskStatus(s, 'rawdisk');
    expect(st.disk.location).toBe(path.join(s.share, 'my_disk-01.raw'));
    const bytes = await fs.readFile(st.disk.location);
    expect(bytes.length).toBe(DISK_BYTES);
    expect(bytes.subarray(MARKER_OFFSET, MARKER_OFFSET + MARKER.length).toString('latin1')).toBe(MARKER);
  });

  test('without --wait: returns at once with the task; task wait brings it to ActionRequired', async () => {
    const r = json(await s.run(['layer', 'create', '--name', 'nowait', '--version', '1', '--os-layer', 'win', '--connector', 'share', '--hypervisor', 'xenserver', '--json']));
    expect(r.layer.name).toBe('nowait');
    expect(r.task.kind).toBe('CreatePackagingDisk');
    expect(['Pending', 'Running', 'ActionRequired']).toContain(r.task.state);
    const w = json(await s.run(['task', 'wait', r.task.id, '--json']));
    expect(w).toMatchObject({ id: r.task.id, kind: 'CreatePackagingDisk', state: 'ActionRequired' });
    expect(w.description).toContain(path.join(s.share, 'nowait.vhd'));
  });

  test('human output: data (the description) on stdout, messages on stderr', async () => {
    const r = await s.run(['layer', 'create', '--name', 'human', '--version', '1', '--os-layer', 'win', '--connector', 'share', '--hypervisor', 'xenserver', '--wait']);
    expectOk(r);
    expect(r.stdout).toMatch(new RegExp(`^The packaging disk is ready: ${escapeRe(path.join(s.share, 'human.vhd'))}`));
    expect(r.stderr).toMatch(/Created layer "human" 1 \(Editing\); task \d+ ActionRequired/);
  });

  test('--icon FILE imports the PNG and assigns it; --icon ID assigns a built-in', async () => {
    const png = path.join(s.dir, 'vda.png');
    await fs.writeFile(png, tinyPng());
    await createLayer(s, 'with-icon', ['--icon', png]);
    await createLayer(s, 'builtin-icon', ['--icon', 'citrix']);
    const state = await readState(s.home);
    const withIcon = state.layers.find((l: { name: string }) => l.name === 'with-icon');
    const icon = state.icons.find((i: { id: string }) => i.id === withIcon.icon);
    expect(icon).toMatchObject({ format: 'png' });
    expect(state.layers.find((l: { name: string }) => l.name === 'builtin-icon').icon).toBe('citrix');
  });

  test('a big, mostly empty OS disk gives a sparse packaging disk (holes stay holes)', async () => {
    const t = await scratch(8 * GiB);
    try {
      await baseSetup(t);
      const started = Date.now();
      await createLayer(t, 'sparse');
      const st = await diskStatus(t, 'sparse');
      const stat = await fs.stat(st.disk.location);
      expect(stat.size).toBe(8 * GiB + 512);
      expect(stat.blocks * 512).toBeLessThan(4 * MiB);
      expect(Date.now() - started).toBeLessThan(20_000);
    } finally {
      await t.cleanup();
    }
  });
});

describe('layer create from a spec file (-f), flags win', () => {
  test('spec values are used; a flag given beside the spec overrides it', async () => {
    const spec = path.join(s.dir, 'spec.yaml');
    await fs.writeFile(
      spec,
      [
        'name: from-spec',
        'version: "2024.1"',
        'description: from the spec',
        'versionDescription: first version',
        'maxSize: 20',
        'osLayer: win@1',
        'connector: share',
        'purpose: packaging',
        'hypervisor: hyperv',
        'diskFormat: raw',
        'comment: spec comment',
        '',
      ].join('\n'),
    );
    const d = json(await s.run(['layer', 'create', '-f', spec, '--description', 'from the flag', '--disk-format', 'vhd', '--wait', '--json']));
    expect(d).toMatchObject({ layer: { name: 'from-spec' }, version: { name: '2024.1', state: 'Editing' }, task: { state: 'ActionRequired' } });
    const show = json(await s.run(['layer', 'show', 'from-spec', '--json']));
    expect(show.description).toBe('from the flag');
    expect(show.versions[0]).toMatchObject({
      description: 'first version',
      maxSizeGiB: 20,
      platform: { purpose: 'packaging', hypervisor: 'hyperv' },
      packagingDisk: { format: 'vhd', location: path.join(s.share, 'from-spec.vhd') },
    });
    expect(show.audit[0].comment).toBe('spec comment');
  });
});

describe('layer create never prompts without a terminal', () => {
  const ALL = /Missing --name, --version, --os-layer, --connector/;
  test('every missing required value named in ONE error (stdin a pipe)', async () => {
    const r = await expectRefused(s, ['layer', 'create'], ALL);
    expect(r.stdout).toBe('');
  });
  test('with text waiting on stdin it still does not read answers from it', async () => {
    const before = await readState(s.home);
    const r = await s.run(['layer', 'create'], { input: 'answer\nanswer\n\n\n' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(ALL);
    expect((await readState(s.home)).layers).toHaveLength(before.layers.length);
  });
  test('CI=1', () => expectRefused(s, ['layer', 'create', '--name', 'ci'], /Missing --version, --os-layer, --connector/, { env: { CI: '1' } }));
  test('--no-input', () => expectRefused(s, ['layer', 'create', '--name', 'x', '--version', '1', '--no-input'], /Missing --os-layer, --connector, --hypervisor:/));
  test('--json', () => expectRefused(s, ['layer', 'create', '--json'], ALL));
  test('a spec that leaves values out: the missing ones are named', async () => {
    const spec = path.join(s.dir, 'partial.yaml');
    await fs.writeFile(spec, 'name: partial\nconnector: share\n');
    await expectRefused(s, ['layer', 'create', '-f', spec], /Missing --version, --os-layer, --hypervisor:/);
  });
});

describe('layer create bad input: exit 2, one line, state unchanged', () => {
  const base = ['layer', 'create', '--version', '1', '--os-layer', 'win', '--connector', 'share', '--hypervisor', 'xenserver'];
  test('duplicate layer name', () => expectRefused(s, [...base, '--name', 'Citrix VDA'], /A layer named "Citrix VDA" already exists/));
  test('bad layer name', () => expectRefused(s, [...base, '--name', 'a<b'], /--name: Layer Name must not contain "<"/));
  test('layer name too long', () => expectRefused(s, [...base, '--name', 'x'.repeat(65)], /--name: Layer Name must be at most 64 characters/));
  test('unknown OS layer', () =>
    expectRefused(s, ['layer', 'create', '--name', 'n', '--version', '1', '--os-layer', 'nope', '--connector', 'share', '--hypervisor', 'xenserver'], /No OS layer named "nope"/));
  test('unknown OS layer version', () =>
    expectRefused(s, ['layer', 'create', '--name', 'n', '--version', '1', '--os-layer', 'win@7', '--connector', 'share', '--hypervisor', 'xenserver'], /OS layer "win" has no version "7"/));
  test('unknown connector', () =>
    expectRefused(s, ['layer', 'create', '--name', 'n', '--version', '1', '--os-layer', 'win', '--connector', 'nope'], /--connector: no connector named "nope"/));
  test('not a disk format', () => expectRefused(s, [...base, '--name', 'n', '--disk-format', 'vdi'], /--disk-format "vdi" is not a disk format/));
  test('bad --max-size', () => expectRefused(s, [...base, '--name', 'n', '--max-size', '0'], /--max-size: Max Layer Size must be between 1 and 2048 GiB/));
  test('--max-size not a number', () => expectRefused(s, [...base, '--name', 'n', '--max-size', 'ten'], /--max-size: Max Layer Size must be a number/));
  test('bad --purpose', () => expectRefused(s, [...base, '--name', 'n', '--purpose', 'gaming'], /--purpose/));
  test('bad --hypervisor', () => expectRefused(s, [...base, '--name', 'n', '--hypervisor', 'qemu'], /--hypervisor/));
  test('--provisioning on a packaging layer', () => expectRefused(s, [...base, '--name', 'n', '--purpose', 'packaging', '--provisioning', 'mcs'], /--provisioning applies to publishing platform layers only/));
  test('unknown --recipe', () => expectRefused(s, [...base, '--name', 'n', '--recipe', 'nope'], /--recipe: no connector named "nope"/));
  test('bad --disk-name', () => expectRefused(s, [...base, '--name', 'n', '--disk-name', 'my disk'], /--disk-name: Packaging Disk file name may use only/));
  test('--disk-name with another format\'s extension is refused, never doubled (x.vhd.vmdk)', () =>
    expectRefused(
      s,
      ['layer', 'create', '--name', 'n', '--version', '1', '--os-layer', 'win', '--connector', 'share', '--hypervisor', 'vsphere', '--disk-format', 'vmdk', '--disk-name', 'x.vhd'],
      '--disk-name: x.vhd ends in .vhd but the disk is vmdk (it would become x.vhd.vmdk); name it x or x.vmdk, or choose the vhd format.',
    ));
  test('every bad value is named at once, not only the first', async () => {
    const r = await expectRefused(
      s,
      ['layer', 'create', '--name', 'a<b', '--version', '1', '--os-layer', 'win', '--connector', 'share', '--hypervisor', 'qemu', '--max-size', '0', '--disk-name', 'my disk'],
      / 4 values are refused: --name: Layer Name must not contain "<".*; --max-size: Max Layer Size must be between 1 and 2048 GiB.*; --hypervisor: hypervisor must be one of .*; --disk-name: Packaging Disk file name may use only .*\.$/m,
    );
    expect(r.stderr.match(/--/g)?.length).toBe(4);
  });
  test('--disk-name another version in progress already uses', () =>
    expectRefused(s, [...base, '--name', 'n', '--disk-name', 'Citrix-VDA'], /already uses the packaging disk Citrix-VDA\.vhd/));
  test('--icon: a .png file that is really text', async () => {
    const fake = path.join(s.dir, 'fake.png');
    await fs.writeFile(fake, 'not a picture');
    await expectRefused(s, [...base, '--name', 'n', '--icon', fake], /fake\.png is not a PNG or JPG image/);
  });
  test('--icon unknown id', () => expectRefused(s, [...base, '--name', 'n', '--icon', 'no-such-icon'], /--icon "no-such-icon" is neither an icon id/));
  test('malformed YAML spec', async () => {
    const spec = path.join(s.dir, 'bad.yaml');
    await fs.writeFile(spec, 'name: [unclosed\nversion: 1\n');
    await expectRefused(s, ['layer', 'create', '-f', spec], /Spec file .*bad\.yaml is not valid YAML/);
  });
  test('unknown spec field', async () => {
    const spec = path.join(s.dir, 'unknown.yaml');
    await fs.writeFile(spec, 'name: n\nversion: 1\nosLayer: win\nconnector: share\nhypervisor: xenserver\ndiskSize: 40\n');
    await expectRefused(s, ['layer', 'create', '-f', spec], /unknown.yaml: unknown field "diskSize"/);
  });
  test('spec field of the wrong type', async () => {
    const spec = path.join(s.dir, 'types.yaml');
    await fs.writeFile(spec, 'name: n\nversion: 1\nosLayer: win\nconnector: share\nhypervisor: xenserver\nmaxSize: big\n');
    await expectRefused(s, ['layer', 'create', '-f', spec], /maxSize must be a number of GiB/);
  });
  test('spec that is a list, not a mapping', async () => {
    const spec = path.join(s.dir, 'list.yaml');
    await fs.writeFile(spec, '- name\n- version\n');
    await expectRefused(s, ['layer', 'create', '-f', spec], /must be a YAML mapping/);
  });
  test('spec file that does not exist', () => expectRefused(s, ['layer', 'create', '-f', path.join(s.dir, 'nope.yaml')], /nope\.yaml does not exist/));
  test('unknown option', () => expectRefused(s, [...base, '--name', 'n', '--colour', 'red'], /Unknown option '--colour'/));
});

describe('a format the connector does not accept', () => {
  test('azure accepts only vhd, vsphere only vmdk: exit 2, state unchanged', async () => {
    const guid = '00000000-0000-0000-0000-000000000000';
    expectOk(
      await s.run(['connector', 'add', 'azure', '--name', 'az', '--subscription', guid, '--tenant', guid, '--storage-account', 'elmdisks', '--resource-group', 'rg', '--location', 'westeurope']),
    );
    expectOk(
      await s.run(['connector', 'add', 'vsphere', '--name', 'vs', '--server', 'vc.example', '--user', 'u', '--datacenter', 'dc', '--datastore', 'ds', '--host', 'h', '--network', 'n', '--folder', 'f']),
    );
    const base = ['layer', 'create', '--name', 'n', '--version', '1', '--os-layer', 'win'];
    await expectRefused(s, [...base, '--connector', 'az', '--disk-format', 'vmdk'], /--disk-format vmdk is not accepted by the azure connector "az"; it accepts vhd/);
    await expectRefused(s, [...base, '--connector', 'vs', '--disk-format', 'qcow2'], /--disk-format qcow2 is not accepted by the vsphere connector "vs"; it accepts vmdk/);
  });
});

describe('a corrupt or newer state file is refused and never overwritten', () => {
  let t: Scratch;
  beforeEach(async () => {
    t = await scratch(2 * MiB);
  });
  afterEach(() => t.cleanup());
  const args = ['layer', 'create', '--name', 'n', '--version', '1', '--os-layer', 'win', '--connector', 'share', '--hypervisor', 'xenserver'];

  test('garbage in state.json', async () => {
    await fs.mkdir(t.home, { recursive: true });
    await fs.writeFile(path.join(t.home, 'state.json'), 'garbage{{{');
    await expectRefused(t, args, /state file .*state\.json is corrupt/);
  });
  test('newer schemaVersion', async () => {
    await fs.mkdir(t.home, { recursive: true });
    await fs.writeFile(path.join(t.home, 'state.json'), JSON.stringify({ schemaVersion: 99, layers: [] }));
    await expectRefused(t, args, /schemaVersion 99, newer than this elm understands/);
  });
});
