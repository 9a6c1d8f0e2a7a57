/**
 * Issue 21 point 2, `layer create --appliance` on a terminal: the wizard's tabs offer the
 * appliance's OS layers and versions, connector configurations, platform types and icons (from the strict fake),
 * flags given are not asked again, and the answers reach the fake as CreatePlatformLayer's ids;
 * Ctrl-C leaves nothing created on the appliance.
 */
import { elm, stateBytes, tempHome } from '../support/cli';
import { KEY, PtySession } from '../support/pty';
import { startApplianceFake, type ApplianceFakeOptions } from '../support/appliance/server';

jest.setTimeout(120_000);

const BASE: ApplianceFakeOptions = {
  fileShares: [{ id: '1', name: 'Layers', path: '\\\\files01\\elm' }],
  connectors: [{ id: 'c1-guid', name: 'Azure West', type: 'Azure' }, { id: 'c2-guid', name: 'Share', type: 'Fileshare' }],
  osLayers: [{ id: '11', name: 'Windows 11', revisions: [{ id: '111', version: '1.0', state: 'Deployable' }, { id: '112', version: '2.0', state: 'Deployable' }] }],
  platformLayers: [],
  iconIds: ['196608', '196609'],
  // The appliance's own names (QueryPlatformTypes), which the Platform Types tab must show.
  platformTypes: [
    { id: 'azure', name: 'Azure (on corp)', entityType: 'HypervisorPlatformType' },
    { id: 'vsphere', name: 'vSphere (on corp)', entityType: 'HypervisorPlatformType' },
    { id: 'mcs', name: 'MCS (on corp)', entityType: 'ProvisioningPlatformType' },
    { id: 'xendesktop', name: 'CVAD (on corp)', entityType: 'BrokerPlatformType' },
  ],
};

async function setup(opts: ApplianceFakeOptions = {}) {
  const fake = await startApplianceFake({ ...structuredClone(BASE), ...opts });
  const t = await tempHome('elm-appliance-wizard-');
  const env = { ELM_HOME: t.home, NODE_EXTRA_CA_CERTS: fake.caCertPath, ELM_APPLIANCE_PASSWORD: 'Unidesk1', ELM_APPLIANCE: 'corp' };
  const added = await elm(['appliance', 'add', '--name', 'corp', '--server', fake.host, '--user', 'administrator'], { home: t.home, env });
  expect(added.code).toBe(0);
  return { fake, t, env };
}

/**
 * Runs `answer` against the wizard on the terminal, then its last tabs (the first icon, no
 * comment, yes), and expects exit 0; a failure shows the screen. The terminal and the fake end either way.
 */
async function drive(s: PtySession, fake: { stop(): Promise<void> }, answer: () => Promise<void>): Promise<void> {
  try {
    await answer();
    await s.waitFor(/Icon/);
    await s.answer('');
    await s.waitFor(/Comment/);
    await s.answer('');
    await s.waitFor(/(Create Layer|Add Version)\?/);
    await s.answer('y');
    const { exitCode } = await s.exit;
    if (exitCode !== 0) throw new Error(`exit ${exitCode}`);
  } catch (e) {
    throw new Error(`${(e as Error).message}\n--- screen ---\n${s.output.slice(-3000)}`);
  } finally {
    s.kill();
    await fake.stop();
  }
}

for (const cols of [120, 80]) {
  test(`walks the tabs with the appliance's objects and creates the layer on it (${cols} columns)`, async () => {
    const { fake, t, env } = await setup();
    const before = await stateBytes(t.home);
    const s = new PtySession(['layer', 'create', '--version', '1.0', '--no-wait'], env, { cols });
    try {
      await s.waitFor(/Layer Details/);
      await s.waitFor(/Layer Name/);
      await s.answer('Azure tools');
      await s.waitFor(/Layer Description/);
      await s.answer('');
      await s.waitFor(/Version Description/);
      await s.answer('');
      await s.waitFor(/Max Layer Size/);
      await s.answer('20');
      await s.waitFor(/OS Layer/);
      await s.waitFor(/Windows 11/);
      await s.answer('');
      await s.waitFor(/OS Layer version/);
      await s.answer(KEY.down); // 1.0, the older one
      await s.waitFor(/Connector/);
      await s.waitFor(/Azure West/);
      await s.answer('');
      await s.waitFor(/Platform Types/);
      await s.waitFor(/used for/);
      await s.answer(''); // Packaging
      await s.waitFor(/Hypervisor/);
      const types = await s.waitFor(/vSphere \(on corp\)/);
      expect(types).toMatch(/Azure \(on corp\)/);
      expect(types).not.toMatch(/Nutanix|Hyper-V/); // only what the appliance lists
      await s.answer(''); // Azure, the connector's own
      await s.waitFor(/Packaging Disk file name/);
      await s.answer('');
      await s.waitFor(/Icon Assignment/);
      await s.waitFor(/196609/);
      await s.answer(KEY.down);
      const summary = await s.waitFor(/Comment/);
      expect(summary).toMatch(/Hypervisor\s+Azure \(on corp\)/);
      await s.answer('from the wizard');
      await s.waitFor(/Create Layer\?/);
      await s.answer('y');
      const { exitCode } = await s.exit;
      if (exitCode !== 0) throw new Error(`exit ${exitCode}\n${s.output}`);
    } catch (e) {
      throw new Error(`${(e as Error).message}\n--- screen ---\n${s.output.slice(-3000)}`);
    } finally {
      s.kill();
      await fake.stop();
    }
    const [sent] = fake.calls('CreatePlatformLayer');
    expect(sent.fields).toMatchObject({
      OsLayerRevisionId: '111',
      'LayerInfo.Name': 'Azure tools',
      'LayerInfo.IconId': '196609',
      'RevisionInfo.LayerSizeMiB': '20480',
      PlatformConnectorConfigId: 'c1-guid',
      HypervisorPlatformTypeId: 'azure',
      'Reason.Description': 'from the wizard',
    });
    expect(await stateBytes(t.home)).toEqual(before);
    await t.cleanup();
  });
}

test('Ctrl-C in the wizard exits 130 and creates nothing on the appliance', async () => {
  const { fake, t, env } = await setup();
  const s = new PtySession(['layer', 'create'], env);
  try {
    await s.waitFor(/Layer Name/);
    s.write(KEY.ctrlC);
    expect((await s.exit).exitCode).toBe(130);
  } finally {
    s.kill();
  }
  expect(fake.calls('CreatePlatformLayer')).toHaveLength(0);
  await fake.stop();
  await t.cleanup();
});

test('layer version add --appliance on a terminal: the tabs ask what the flags left out, the revision carries the chosen ids', async () => {
  const { fake, t, env } = await setup({ platformLayers: [{ id: '21', name: 'Citrix VDA', revisions: [{ id: '211', version: '1', state: 'Deployable' }] }] });
  const s = new PtySession(['layer', 'version', 'add', 'Citrix VDA', '--version', '2', '--max-size', '15', '--version-description', 'vd', '--no-wait'], env, { cols: 80 });
  await drive(s, fake, async () => {
    const screen = await s.waitFor(/Windows 11/);
    expect(screen).toMatch(/Layer Name\s+Citrix VDA/); // the layer's name is given by the command, not asked
    await s.answer('');
    await s.waitFor(/OS Layer version/);
    await s.answer(''); // 2.0, the newest
    await s.waitFor(/Share \(fileshare\)/);
    await s.answer(KEY.down); // Share
    await s.waitFor(/used for/);
    await s.answer('');
    await s.waitFor(/Hypervisor/);
    await s.answer('');
    await s.waitFor(/Packaging Disk file name/);
    await s.answer('');
  });
  const [sent] = fake.calls('CreatePlatformLayerRevision');
  expect(sent.fields).toMatchObject({ LayerId: '21', BaseLayerRevisionId: '211', OsLayerRevisionId: '112', 'RevisionInfo.Name': '2', 'RevisionInfo.LayerSizeMiB': '15360', PlatformConnectorConfigId: 'c2-guid' });
  await t.cleanup();
});

for (const cols of [80, 40]) {
  test(`the PVS flow on a terminal: provisioning PVS from the appliance's list, no recipe tab, no IPv6 verdict of elm's on the appliance's OS layer (${cols} columns)`, async () => {
    const { fake, t, env } = await setup({
      connectors: [{ id: 'c3-guid', name: 'vCenter', type: 'VMware vSphere' }],
      platformTypes: [
        { id: 'vsphere', name: 'vSphere (on corp)', entityType: 'HypervisorPlatformType' },
        { id: 'pvs', name: 'PVS (on corp)', entityType: 'ProvisioningPlatformType' },
        { id: 'xendesktop', name: 'CVAD (on corp)', entityType: 'BrokerPlatformType' },
      ],
    });
    const given = ['--name', 'PVS VDA', '--version', '1.0', '--description', 'd', '--version-description', 'v', '--max-size', '10', '--os-layer', 'Windows 11@2.0', '--purpose', 'publishing'];
    const s = new PtySession(['layer', 'create', ...given, '--no-wait'], env, { cols });
    await drive(s, fake, async () => {
      await s.waitFor(/vCenter/);
      await s.answer('');
      await s.waitFor(/Hypervisor/);
      await s.answer(''); // vSphere, the connector's own
      await s.waitFor(/PVS \(on corp\)/);
      await s.answer('');
      await s.waitFor(/CVAD \(on corp\)/);
      await s.answer('');
      const disk = await s.waitFor(/Packaging Disk file name/);
      expect(disk).not.toMatch(/Recipe Associations|IPv6/);
      await s.answer('');
    });
    expect(fake.calls('CreatePlatformLayer').at(-1)?.fields).toMatchObject({
      OsLayerRevisionId: '112',
      PlatformConnectorConfigId: 'c3-guid',
      HypervisorPlatformTypeId: 'vsphere',
      ProvisioningPlatformTypeId: 'pvs',
      BrokerPlatformTypeId: 'xendesktop',
      PackagingDiskFormat: 'VmdkDiskFormat',
    });
    await t.cleanup();
  });
}
