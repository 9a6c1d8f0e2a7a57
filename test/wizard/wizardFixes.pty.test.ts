/**
 * Issue 12 point 5, the wizard on a real terminal: Ctrl-D is a cancel (130), a bad answer is asked
 * again, prerequisites come before questions, the PVS IPv6 refusal comes with a version to pick,
 * disk format and name defaults, and values given as flags shown as answered.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { elm, makeOsDisk, stateBytes, tempHome } from '../support/cli';
import { KEY, PtySession } from '../support/pty';

jest.setTimeout(90_000);

async function seededHome() {
  const t = await tempHome('elm-wizfix-');
  const os = path.join(t.dir, 'win11.raw');
  await makeOsDisk(os, 64 * 1024 * 1024);
  const run = async (args: string[]) => {
    const r = await elm(args, { home: t.home });
    expect(r).toMatchObject({ code: 0 });
  };
  await run(['connector', 'add', 'fileshare', '--name', 'share']);
  await run(['connector', 'add', 'pvs', '--name', 'pvs-farm', '--console', '127.0.0.1', '--user', 'CORP\\svc', '--site', 'Site1', '--store', 'Store1', '--license-mode', 'mak', '--server', 'pvs01=2203.0.0,agent,console']);
  await run(['os-layer', 'import', '--name', 'win11', '--version', '1', '--disk', os]); // IPv6 enabled
  await run(['os-layer', 'version', 'add', 'win11', '--version', '2', '--disk', os, '--ipv6', 'disabled']);
  return { ...t, os };
}

test('Ctrl-D at a prompt exits 130 like Ctrl-C, and changes nothing', async () => {
  const t = await seededHome();
  const before = await stateBytes(t.home);
  const s = new PtySession(['layer', 'create'], { ELM_HOME: t.home });
  try {
    await s.waitFor(/Layer Name/);
    s.write(KEY.ctrlD);
    expect((await s.exit).exitCode).toBe(130);
    expect(s.output).toMatch(/Cancelled: the wizard was closed/);
  } finally {
    s.kill();
  }
  expect(await stateBytes(t.home)).toEqual(before);
  await t.cleanup();
});

test('no OS layer yet: refused before any question (exit 2)', async () => {
  const t = await tempHome('elm-wizfix-');
  const s = new PtySession(['layer', 'create'], { ELM_HOME: t.home });
  try {
    expect((await s.exit).exitCode).toBe(2);
    expect(s.output).toMatch(/No OS layers yet: import one first/);
    expect(s.output).not.toMatch(/Layer Name/);
  } finally {
    s.kill();
  }
  await t.cleanup();
});

test('a bad share folder is asked again; flags are shown as answered; PVS with an IPv6 OS version picks another version', async () => {
  const t = await seededHome();
  const good = path.join(t.dir, 'newshare');
  await fs.mkdir(good);
  const s = new PtySession(['layer', 'create', '--name', 'PVS Platform', '--purpose', 'publishing', '--hypervisor', 'vsphere', '--provisioning', 'pvs', '--broker', 'xenapp'], { ELM_HOME: t.home });
  try {
    let screen = await s.waitFor(/\? Version/);
    expect(screen).toMatch(/✔ Layer Name PVS Platform \(given\)/);
    await s.answer('');
    await s.waitFor(/Layer Description/);
    await s.answer('');
    await s.waitFor(/Version Description/);
    await s.answer('');
    await s.waitFor(/Max Layer Size/);
    await s.answer('');
    await s.waitFor(/OS Layer/);
    await s.waitFor(/win11/);
    await s.answer('');
    await s.waitFor(/OS Layer version/);
    await s.answer(KEY.down); // version 1: IPv6 enabled

    await s.waitFor(/Connector Configuration/);
    await s.answer(KEY.down); // New file share connector…
    await s.waitFor(/New connector name/);
    await s.answer('share2');
    await s.waitFor(/Share folder/);
    for (let i = 0; i < 200; i++) s.write(KEY.backspace);
    await s.answer('/nonexistent-elm/deeper/share');
    await s.waitFor(/parent folder \/nonexistent-elm\/deeper does not exist/);
    for (let i = 0; i < 40; i++) s.write(KEY.backspace);
    await s.answer(good);
    await s.waitFor(/machine's path of the share/);
    await s.answer('');

    screen = await s.waitFor(/Recipe Associations/);
    expect(screen).toMatch(/✔ Hypervisor vsphere \(given\)/);
    await s.waitFor(/pvs-farm \(pvs\)/);
    await s.answer(KEY.space);
    // Not the end of the wizard: the one OS version with IPv6 disabled is taken instead.
    screen = await s.waitFor(/Packaging Disk/);
    expect(screen).toMatch(/PVS needs IPv6 disabled on the OS layer, and "win11" 1 has it enabled/);
    // vSphere boots one format: said, not asked.
    await s.waitFor(/Disk format vmdk \(the one vsphere boots\)/);
    await s.waitFor(/Packaging Disk file name/);
    await s.answer('');
    await s.waitFor(/Icon/);
    await s.answer('');
    screen = await s.waitFor(/Comment/);
    expect(screen).toMatch(/OS Layer\s+win11 2 \(IPv6 disabled\)/);
    await s.answer('');
    await s.waitFor(/Create Layer\?/);
    await s.answer('y');
    expect((await s.exit).exitCode).toBe(0);
  } finally {
    s.kill();
  }
  const layer = JSON.parse((await elm(['layer', 'show', 'PVS Platform', '--json'], { home: t.home })).stdout);
  expect(layer.versions[0]).toMatchObject({ osLayer: { name: 'win11', version: '2' }, connector: 'share2', recipes: ['pvs-farm'], packagingDisk: { format: 'vmdk' } });
  await t.cleanup();
});

test('defaults: the disk name keeps non-ASCII letters; a new version keeps its layer\'s disk format', async () => {
  const t = await seededHome();
  const base = ['--os-layer', 'win11@2', '--connector', 'share', '--hypervisor', 'xenserver', '--no-input', '--json', '--wait'];
  const r = await elm(['layer', 'create', '--name', 'Müller 東京', '--version', '1', ...base], { home: t.home });
  expect(r.code).toBe(0);
  expect(JSON.parse(r.stdout).packagingDisk).toMatchObject({ name: 'Müller-東京', format: 'vhd' });

  const q = await elm(['layer', 'create', '--name', 'KVM', '--version', '1', '--disk-format', 'qcow2', ...base, '--hypervisor', 'acropolis'], { home: t.home });
  expect(q.code).toBe(0);
  const v2 = await elm(['layer', 'version', 'add', 'KVM', '--version', '2', '--no-input', '--json', '--wait'], { home: t.home });
  expect(v2.code).toBe(0);
  expect(JSON.parse(v2.stdout).packagingDisk).toMatchObject({ format: 'qcow2' });
  await t.cleanup();
});
