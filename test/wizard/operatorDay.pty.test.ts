/**
 * The wizard an operator can hand to a colleague, on a real terminal: a platform layer given
 * every value but its platform asks the Platform Types tab (not nothing); at Confirm and Complete
 * "No" offers to edit any tab with every other answer kept, or to leave; leaving, and "No" at the
 * confirmation of a command given every value, create nothing and exit 1, not 130 (Ctrl-C's).
 */
import path from 'node:path';
import { elm, makeOsDisk, stateBytes, tempHome } from '../support/cli';
import { KEY, PtySession } from '../support/pty';

jest.setTimeout(120_000);

async function seededHome() {
  const t = await tempHome('elm-opday-');
  const os = path.join(t.dir, 'win11.raw');
  await makeOsDisk(os, 16 * 1024 * 1024);
  for (const args of [
    ['connector', 'add', 'fileshare', '--name', 'share'],
    ['os-layer', 'import', '--name', 'win11', '--version', '1', '--disk', os, '--ipv6', 'disabled'],
  ]) expect(await elm(args, { home: t.home })).toMatchObject({ code: 0 });
  return t;
}

const show = async (home: string, name: string) => JSON.parse((await elm(['layer', 'show', name, '--json'], { home })).stdout);
const GIVEN = ['--version', '1', '--os-layer', 'win11', '--connector', 'share'];

test('every value but the platform, with --yes: the Platform Types tab is asked, and its answer recorded', async () => {
  const t = await seededHome();
  const s = new PtySession(['layer', 'create', '--name', 'No Platform', ...GIVEN, '--yes', '--wait'], { ELM_HOME: t.home });
  try {
    await s.waitFor(/Platform Types/);
    await s.waitFor(/This platform layer will be used for/);
    await s.answer(''); // Packaging
    await s.waitFor(/\? Hypervisor/);
    expect(s.output).not.toMatch(/Layer Description/);
    s.write(KEY.down); // VMware vSphere, after Microsoft Azure
    s.write(KEY.enter);
    expect((await s.exit).exitCode).toBe(0);
  } finally {
    s.kill();
  }
  expect((await show(t.home, 'No Platform')).versions[0]).toMatchObject({ platform: { purpose: 'packaging', hypervisor: 'vsphere' }, packagingDisk: { format: 'vmdk' } });
  await t.cleanup();
});

test('"No" at Create Layer?: edit a tab, the other answers kept, then create', async () => {
  const t = await seededHome();
  // No --version: the wizard runs, and asks what the flags leave open.
  const flags = ['--name', 'Edited', '--os-layer', 'win11', '--connector', 'share', '--purpose', 'packaging', '--hypervisor', 'xenserver', '--description', 'kept description', '--disk-name', 'first-name'];
  const s = new PtySession(['layer', 'create', ...flags], { ELM_HOME: t.home });
  try {
    await s.waitFor(/\? Version/);
    await s.answer('');
    await s.waitFor(/Version Description/);
    await s.answer('');
    await s.waitFor(/Max Layer Size/);
    await s.answer('');
    await s.waitFor(/Icon/);
    await s.answer('');
    await s.waitFor(/Comment/);
    await s.answer('my comment');
    await s.waitFor(/Create Layer\?/);
    await s.answer('n');
    await s.waitFor(/Edit a tab \(answers kept\), or leave/);
    for (let i = 0; i < 5; i++) s.write(KEY.down); // Edit Packaging Disk
    s.write(KEY.enter);
    await s.waitFor(/\? Packaging Disk file name/);
    for (let i = 0; i < 20; i++) s.write(KEY.backspace);
    await s.answer('second-name');
    await s.waitFor(/Create Layer\?/);
    await s.answer('y');
    expect((await s.exit).exitCode).toBe(0);
  } finally {
    s.kill();
  }
  const layer = await show(t.home, 'Edited');
  expect(layer.description).toBe('kept description');
  expect(layer.versions[0]).toMatchObject({ name: '1.0', packagingDisk: { name: 'second-name' }, platform: { hypervisor: 'xenserver' } });
  expect(layer.audit[0].comment).toBe('my comment');
  await t.cleanup();
});

test('"No", then leave: nothing created, exit 1 saying so (not 130)', async () => {
  const t = await seededHome();
  const before = await stateBytes(t.home);
  // No --version: the wizard, to its Confirm and Complete.
  const flags = ['--name', 'Left', '--os-layer', 'win11', '--connector', 'share', '--purpose', 'packaging', '--hypervisor', 'xenserver', '--description', 'd', '--version-description', 'v', '--max-size', '10', '--icon', 'default', '--disk-name', 'left', '--comment', 'c'];
  const s = new PtySession(['layer', 'create', ...flags], { ELM_HOME: t.home });
  try {
    await s.waitFor(/\? Version/);
    await s.answer('');
    await s.waitFor(/Create Layer\?/);
    await s.answer('n');
    await s.waitFor(/Leave: create nothing/);
    s.write(KEY.up); // the last choice
    s.write(KEY.enter);
    expect((await s.exit).exitCode).toBe(1);
    expect(s.output).toMatch(/nothing was created/);
  } finally {
    s.kill();
  }
  expect(await stateBytes(t.home)).toEqual(before);
  await t.cleanup();
});

test('"No" at the confirmation of a command given every value: exit 1, nothing created', async () => {
  const t = await seededHome();
  const before = await stateBytes(t.home);
  const s = new PtySession(['layer', 'create', '--name', 'Declined', ...GIVEN, '--hypervisor', 'xenserver'], { ELM_HOME: t.home });
  try {
    await s.waitFor(/Create Layer\?/);
    await s.answer('n');
    expect((await s.exit).exitCode).toBe(1);
    expect(s.output).toMatch(/Not confirmed: nothing was created/);
  } finally {
    s.kill();
  }
  expect(await stateBytes(t.home)).toEqual(before);
  await t.cleanup();
});

test('--provisioning pvs chosen with an IPv6-enabled OS version: refused right after the choice, with the versions that fit offered there', async () => {
  const t = await seededHome();
  const os = path.join(t.dir, 'win11.raw');
  expect(await elm(['os-layer', 'version', 'add', 'win11', '--version', '2', '--disk', os, '--ipv6', 'enabled'], { home: t.home })).toMatchObject({ code: 0 });
  const flags = ['--name', 'PVS by type', '--version', '1', '--connector', 'share', '--purpose', 'publishing', '--hypervisor', 'vsphere', '--broker', 'xendesktop', '--description', 'd', '--version-description', 'v', '--max-size', '10', '--icon', 'default', '--comment', 'c'];
  const s = new PtySession(['layer', 'create', ...flags, '--wait'], { ELM_HOME: t.home });
  try {
    await s.waitFor(/\? OS Layer/);
    await s.answer('');
    await s.waitFor(/OS Layer version/);
    await s.answer(''); // the newest, 2: IPv6 enabled
    await s.waitFor(/Provisioning Service/);
    await s.answer(KEY.down); // Citrix Provisioning (PVS), after MCS
    const screen = await s.waitFor(/OS Layer version 1/);
    expect(screen).not.toMatch(/\? OS Layer version/);
    expect(screen).toMatch(/PVS needs IPv6 disabled on the OS layer, and "win11" 2 has it enabled/);
    // 1 is the only version with IPv6 disabled: taken, and said, without a question, before the next tab.
    await s.waitFor(/Packaging Disk file name/);
    const next = s.output;
    expect(next.indexOf('OS Layer version 1: the only one with IPv6 disabled')).toBeGreaterThan(-1);
    expect(next.indexOf('OS Layer version 1: the only one')).toBeLessThan(next.indexOf('── Packaging Disk ──'));
    await s.answer('');
    await s.waitFor(/Create Layer\?/);
    await s.answer('y');
    expect((await s.exit).exitCode).toBe(0);
  } finally {
    s.kill();
  }
  expect((await show(t.home, 'PVS by type')).versions[0]).toMatchObject({ osLayer: { name: 'win11', version: '1' }, platform: { provisioning: 'pvs' } });
  await t.cleanup();
});
