/**
 * `layer version add --appliance NAME LAYER` through the real binary: CreatePlatformLayerRevision
 * with the generated client's elements (checked by the strict fake), based on the newest
 * Deployable version, --wait following its ticket; the appliance's refusal of a second version
 * while one is edited (exit 5), a version name taken or flags missing (exit 2), a layer with no
 * Deployable version (exit 3), each one line; nothing written locally.
 */
import { elm, oneLine, stateBytes, tempHome, type CliResult } from '../support/cli';
import { ApplianceFake, startApplianceFake } from '../support/appliance/server';

jest.setTimeout(120_000);

function expectCode(r: CliResult, code: number): void {
  if (r.code !== code) throw new Error(`expected exit ${code}, got ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
}

const FLAGS = ['--os-layer', 'Windows 11', '--connector', 'Azure West'];

describe('layer version add --appliance', () => {
  let fake: ApplianceFake;
  let t: { dir: string; home: string; cleanup(): Promise<void> };
  let run: (args: string[]) => Promise<CliResult>;

  beforeAll(async () => {
    fake = await startApplianceFake({
      fileShares: [{ id: '1', name: 'Layers', path: '\\\\files01\\elm' }],
      connectors: [{ id: 'c1-guid', name: 'Azure West', type: 'Azure' }],
      osLayers: [{ id: '11', name: 'Windows 11', revisions: [{ id: '111', version: '1.0', state: 'Deployable' }] }],
      platformLayers: [
        { id: '21', name: 'Citrix VDA', revisions: [{ id: '211', version: '1', state: 'Deployable' }, { id: '212', version: '2', state: 'Deployable' }] },
        { id: '22', name: 'New', revisions: [{ id: '221', version: '1', state: 'Editing' }] },
        {
          id: '23',
          name: 'Published VDA',
          revisions: [{ id: '231', version: '1', state: 'Deployable', sizeMiB: 30720, osRevisionId: '111', platform: { hypervisor: 'azure', provisioning: 'mcs', broker: 'xendesktop' } }],
        },
      ],
      iconIds: ['196608'],
    });
    t = await tempHome('elm-appliance-version-');
    run = (args) => elm(args, { home: t.home, env: { NODE_EXTRA_CA_CERTS: fake.caCertPath, ELM_APPLIANCE_PASSWORD: 'Unidesk1', ELM_APPLIANCE: 'corp' } });
    expectCode(await run(['appliance', 'add', '--name', 'corp', '--server', fake.host, '--user', 'administrator']), 0);
  });
  afterAll(async () => {
    await fake?.stop();
    await t?.cleanup();
  });

  it('--wait: CreatePlatformLayerRevision from the newest Deployable version, then the ticket to ActionRequired', async () => {
    const before = await stateBytes(t.home);
    const r = await run(['layer', 'version', 'add', 'Citrix VDA', '--version', '3', ...FLAGS, '--max-size', '15', '--comment', 'VDA 2411', '--wait', '--json']);
    expectCode(r, 0);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ layer: { id: '21', name: 'Citrix VDA' }, version: { name: '3', state: 'Editing' }, base: { name: '2' }, task: { kind: 'CreatePackagingDisk', state: 'ActionRequired' } });
    expect(doc.task.description).toContain('\\\\files01\\elm\\Unidesk\\Packaging Disks\\Citrix-VDA.vhd');
    const [sent] = fake.calls('CreatePlatformLayerRevision');
    expect(sent.headers.soapaction).toBe('"http://www.unidesk.com/CreatePlatformLayerRevision"');
    expect(sent.fields).toMatchObject({
      LayerId: '21',
      BaseLayerRevisionId: '212',
      OsLayerRevisionId: '111',
      'RevisionInfo.Name': '3',
      'RevisionInfo.LayerSizeMiB': '15360',
      SelectedFileShare: '1',
      PackagingDiskFilename: 'Citrix-VDA',
      PackagingDiskFormat: 'VhdDiskFormat',
      'Reason.Description': 'VDA 2411',
      PlatformConnectorConfigId: 'c1-guid',
      HypervisorPlatformTypeId: 'azure',
    });
    expect(await stateBytes(t.home)).toEqual(before);
    const shown = JSON.parse((await run(['layer', 'show', 'Citrix VDA', '--json'])).stdout);
    expect(shown.versions.map((v: { name: string; state: string }) => `${v.name}:${v.state}`)).toEqual(['1:Deployable', '2:Deployable', '3:Editing']);
  });

  it('what the flags leave out comes from the base version: its OS layer, Max Layer Size and platform types (layer show shows them too)', async () => {
    const shown = JSON.parse((await run(['layer', 'show', 'Published VDA', '--json'])).stdout);
    expect(shown.versions[0]).toMatchObject({ maxSizeGiB: 30, osLayer: { name: 'Windows 11' }, platform: { purpose: 'publishing', hypervisor: 'azure', provisioning: 'mcs', broker: 'xendesktop' } });
    const r = await run(['layer', 'version', 'add', 'Published VDA', '--version', '2', '--connector', 'Azure West', '--json']);
    expectCode(r, 0);
    expect(fake.calls('CreatePlatformLayerRevision').at(-1)?.fields).toMatchObject({
      LayerId: '23',
      BaseLayerRevisionId: '231',
      OsLayerRevisionId: '111',
      'RevisionInfo.LayerSizeMiB': '30720',
      HypervisorPlatformTypeId: 'azure',
      ProvisioningPlatformTypeId: 'mcs',
      BrokerPlatformTypeId: 'xendesktop',
    });
  });

  it('a second version while one is edited: the appliance refuses, exit 5, one line', async () => {
    const r = await run(['layer', 'version', 'add', 'Citrix VDA', '--version', '4', ...FLAGS]);
    expectCode(r, 5);
    expect(oneLine(r.stderr)).toBe(true);
    expect(r.stderr).toMatch(/The appliance refused CreatePlatformLayerRevision: .*\(PlatformLayerInUseByTasks\); wait for the appliance's task on it to end/);
  });

  it.each([
    [['Citrix VDA', '--version', '2', ...FLAGS], 2, /--version: layer "Citrix VDA" on the appliance already has a version "2"/],
    [['Citrix VDA', '--version', '5', '--os-layer', 'Windows 11'], 2, /Missing --connector: elm layer version add needs it/],
    [['Nope', '--version', '5', ...FLAGS], 2, /The appliance "corp" has no platform layer named "Nope"/],
    [['New', '--version', '2', ...FLAGS], 3, /Layer "New" on the appliance has no Deployable version to base a new one on/],
  ])('%p: exit %p, one line, nothing sent', async (args, code, message) => {
    const sent = fake.calls('CreatePlatformLayerRevision').length;
    const r = await run(['layer', 'version', 'add', ...args]);
    expectCode(r, code);
    expect(oneLine(r.stderr)).toBe(true);
    expect(r.stderr).toMatch(message);
    expect(fake.calls('CreatePlatformLayerRevision')).toHaveLength(sent);
  });
});
