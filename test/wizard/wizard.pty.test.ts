import path from 'node:path';
import { elm, makeOsDisk, stateBytes, tempHome } from '../support/cli';
import { KEY, PtySession } from '../support/pty';

jest.setTimeout(90_000);

/** A home with what the wizard picks from: a file share, a PVS connector, an OS layer with two versions. */
async function seededHome() {
  const t = await tempHome('elm-wizard-');
  const os = path.join(t.dir, 'win11.raw');
  await makeOsDisk(os, 64 * 1024 * 1024);
  const run = async (args: string[]) => {
    const r = await elm(args, { home: t.home });
    expect(r).toMatchObject({ code: 0 });
  };
  await run(['connector', 'add', 'fileshare', '--name', 'share']);
  await run(['connector', 'add', 'pvs', '--name', 'pvs-farm', '--console', '127.0.0.1', '--user', 'CORP\\svc', '--site', 'Site1', '--store', 'Store1', '--license-mode', 'mak', '--server', 'pvs01=2203.0.0,agent,console']);
  await run(['os-layer', 'import', '--name', 'win11', '--version', '1', '--disk', os]);
  await run(['os-layer', 'version', 'add', 'win11', '--version', '2', '--disk', os, '--ipv6', 'disabled']);
  return t;
}

describe('elm layer create on a terminal (the wizard)', () => {
  test('walks every tab in the console order, refuses a bad answer where it is typed, and creates the layer', async () => {
    const t = await seededHome();
    const s = new PtySession(['layer', 'create'], { ELM_HOME: t.home, ELM_USER: 'operator1' });
    try {
      await s.waitFor(/Layer Details/);
      await s.waitFor(/Layer Name/);
      await s.answer('bad/name');
      await s.waitFor(/must not contain "\/"/);
      for (let i = 0; i < 'bad/name'.length; i++) s.write(KEY.backspace);
      await s.answer('Citrix Platform');
      await s.waitFor(/Version/);
      await s.answer(''); // default 1.0
      await s.waitFor(/Layer Description/);
      await s.answer('VDA and PVS target device');
      await s.waitFor(/Version Description/);
      await s.answer('first build');
      await s.waitFor(/Max Layer Size \(GiB\)/);
      await s.answer('');

      await s.waitFor(/OS Layer/);
      await s.waitFor(/win11/);
      await s.answer('');
      await s.waitFor(/OS Layer version/);
      await s.answer(''); // newest: version 2, IPv6 disabled

      await s.waitFor(/Connector/);
      await s.waitFor(/share \(fileshare\)/);
      await s.answer('');

      await s.waitFor(/Platform Types/);
      await s.waitFor(/This platform layer will be used for/);
      await s.answer(KEY.down); // Publishing
      await s.waitFor(/Hypervisor/);
      await s.answer(KEY.down); // VMware vSphere
      await s.waitFor(/Provisioning Service/);
      await s.answer(KEY.down); // Citrix Provisioning (PVS)
      await s.waitFor(/Connection Broker/);
      await s.answer(''); // Citrix XenApp

      await s.waitFor(/Recipe Associations/);
      await s.waitFor(/pvs-farm \(pvs\)/);
      await s.answer(KEY.space);

      await s.waitFor(/Packaging Disk/);
      await s.waitFor(/Disk format vmdk \(the one vsphere boots\)/); // ESXi boots VMDK only: not asked
      await s.waitFor(/Packaging Disk file name/);
      await s.answer('');

      await s.waitFor(/Icon Assignment/);
      await s.answer('');

      const summary = await s.waitFor(/Comment/);
      for (const tab of ['Layer Details', 'OS Layer', 'Connector', 'Platform Types', 'Packaging Disk', 'Icon Assignment']) expect(summary).toContain(tab);
      expect(summary).toMatch(/Layer Name\s+Citrix Platform/);
      expect(summary).toMatch(/Recipe Associations\s+pvs-farm/);
      expect(summary).toMatch(/Provisioning Service\s+Citrix Provisioning/);
      await s.answer('first platform layer');
      await s.waitFor(/Create Layer\?/);
      await s.answer('y');
      await s.waitFor(/packaging disk is ready/, 60_000);
      const { exitCode } = await s.exit;
      expect(exitCode).toBe(0);
    } finally {
      s.kill();
    }
    const shown = await elm(['layer', 'show', 'Citrix Platform', '--json'], { home: t.home });
    const layer = JSON.parse(shown.stdout);
    expect(layer.description).toBe('VDA and PVS target device');
    expect(layer.versions[0]).toMatchObject({
      name: '1.0',
      state: 'Editing',
      osLayer: { name: 'win11', version: '2' },
      connector: 'share',
      platform: { purpose: 'publishing', hypervisor: 'vsphere', provisioning: 'pvs', broker: 'xenapp' },
      recipes: ['pvs-farm'],
      packagingDisk: { name: 'Citrix-Platform', format: 'vmdk' },
    });
    expect(layer.versions[0].packagingDisk.location).toBe(path.join(t.home, 'share', 'Citrix-Platform.vmdk'));
    expect(layer.audit).toEqual([expect.objectContaining({ user: 'operator1', action: 'Create Layer', comment: 'first platform layer' })]);
    await t.cleanup();
  });

  test('asks only what flags did not give', async () => {
    const t = await seededHome();
    const s = new PtySession(['layer', 'create', '--name', 'Flagged', '--version', '7', '--os-layer', 'win11', '--connector', 'share', '--purpose', 'packaging', '--hypervisor', 'hyperv', '--disk-format', 'vhd', '--disk-name', 'flagged', '--icon', 'default', '--description', 'd', '--version-description', 'vd', '--max-size', '20'], {
      ELM_HOME: t.home,
    });
    try {
      // Every required value given: no tab is asked, not even the optional comment.
      const screen = await s.waitFor(/Create Layer\?/);
      expect(screen).not.toMatch(/Layer Name\s*›|\? Layer Name/);
      expect(screen).not.toContain('Hypervisor\n');
      expect(screen).not.toMatch(/\? Comment/);
      await s.answer('y');
      expect((await s.exit).exitCode).toBe(0);
    } finally {
      s.kill();
    }
    await t.cleanup();
  });

  test('Ctrl-C in the wizard exits 130 and changes nothing', async () => {
    const t = await seededHome();
    const before = await stateBytes(t.home);
    const s = new PtySession(['layer', 'create'], { ELM_HOME: t.home });
    try {
      await s.waitFor(/Layer Name/);
      s.write(KEY.ctrlC);
      const { exitCode } = await s.exit;
      expect(exitCode).toBe(130);
    } finally {
      s.kill();
    }
    expect(await stateBytes(t.home)).toEqual(before);
    await t.cleanup();
  });
});
