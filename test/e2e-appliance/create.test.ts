/**
 * `layer create --appliance NAME` from flags through the real binary: CreatePlatformLayer with
 * the generated client's elements (checked by the strict fake), --wait following the work ticket
 * to the state the appliance reports, the ticket id without --wait, exit 1 for a failed ticket,
 * 4 on --timeout, the appliance's duplicate-name refusal and unknown names as exit 2 with one
 * line, every value escaped in the envelope; nothing is written to the local state.
 */
import { elm, oneLine, stateBytes, tempHome, type CliResult } from '../support/cli';
import { ApplianceFake, startApplianceFake, type ApplianceFakeOptions } from '../support/appliance/server';

jest.setTimeout(120_000);

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Doc = any;

function expectCode(r: CliResult, code: number): void {
  if (r.code !== code) throw new Error(`expected exit ${code}, got ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
}

const BASE: ApplianceFakeOptions = {
  fileShares: [{ id: '1', name: 'Layers', path: '\\\\files01\\elm' }],
  connectors: [{ id: 'c1-guid', name: 'Azure West', type: 'Azure' }, { id: 'c2-guid', name: 'Share', type: 'Fileshare' }],
  osLayers: [{ id: '11', name: 'Windows 11', revisions: [{ id: '111', version: '1.0', state: 'Deployable' }, { id: '112', version: '2.0', state: 'Deployable' }, { id: '113', version: '3.0', state: 'Editing' }] }],
  platformLayers: [{ id: '21', name: 'Citrix VDA', revisions: [{ id: '211', version: '1', state: 'Deployable' }] }],
  iconIds: ['196608', '196609'],
};

async function setup(opts: ApplianceFakeOptions = {}) {
  const fake = await startApplianceFake({ ...structuredClone(BASE), ...opts });
  const t = await tempHome('elm-appliance-create-');
  const run = (args: string[], env: NodeJS.ProcessEnv = {}) =>
    elm(args, { home: t.home, env: { NODE_EXTRA_CA_CERTS: fake.caCertPath, ELM_APPLIANCE_PASSWORD: 'Unidesk1', ELM_APPLIANCE: 'corp', ...env } });
  expectCode(await run(['appliance', 'add', '--name', 'corp', '--server', fake.host, '--user', 'administrator']), 0);
  return { fake, t, run };
}

const FLAGS = ['--version', '1.0', '--os-layer', 'Windows 11', '--connector', 'Azure West'];

describe('layer create --appliance', () => {
  let fake: ApplianceFake;
  let t: { dir: string; home: string; cleanup(): Promise<void> };
  let run: (args: string[], env?: NodeJS.ProcessEnv) => Promise<CliResult>;

  beforeAll(async () => ({ fake, t, run } = await setup()));
  afterAll(async () => {
    await fake?.stop();
    await t?.cleanup();
  });

  it('--wait: CreatePlatformLayer as the WSDL defines it, then the ticket to ActionRequired with the disk ready, the version Editing', async () => {
    const before = await stateBytes(t.home);
    const r = await run(['layer', 'create', '--name', 'Azure tools', ...FLAGS, '--max-size', '20', '--comment', 'for the VDA', '--wait', '--json']);
    expectCode(r, 0);
    const doc: Doc = JSON.parse(r.stdout);
    expect(doc.layer).toEqual({ id: expect.any(String), name: 'Azure tools' });
    expect(doc.version).toEqual({ name: '1.0', state: 'Editing' });
    expect(doc.task).toMatchObject({ kind: 'CreatePackagingDisk', state: 'ActionRequired' });
    expect(doc.task.description).toContain('\\\\files01\\elm\\Unidesk\\Packaging Disks\\Azure-tools.vhd');
    expect(doc.packagingDisk).toEqual({ name: 'Azure-tools', format: 'vhd', location: null, sizeBytes: null });
    const [sent] = fake.calls('CreatePlatformLayer');
    expect(sent.headers.soapaction).toBe('"http://www.unidesk.com/CreatePlatformLayer"');
    // The newest Deployable OS version, the first file share, the size in MiB, Azure as the connector's hypervisor.
    expect(sent.fields).toMatchObject({
      OsLayerRevisionId: '112',
      'LayerInfo.Name': 'Azure tools',
      'LayerInfo.IconId': '196608',
      'RevisionInfo.Name': '1.0',
      'RevisionInfo.LayerSizeMiB': '20480',
      SelectedFileShare: '1',
      PackagingDiskFilename: 'Azure-tools',
      PackagingDiskFormat: 'VhdDiskFormat',
      'Reason.Description': 'for the VDA',
      PlatformConnectorConfigId: 'c1-guid',
      HypervisorPlatformTypeId: 'azure',
    });
    expect(sent.fields).not.toHaveProperty('ProvisioningPlatformTypeId');
    expect(await stateBytes(t.home)).toEqual(before);
    // The layer is the appliance's now: layer list --appliance shows it.
    const list = await run(['layer', 'list', '--json']);
    expect(JSON.parse(list.stdout).map((l: Doc) => l.name)).toContain('Azure tools');
  });

  it('without --wait: the ticket id and how to follow it', async () => {
    const r = await run(['layer', 'create', '--name', 'Quick', ...FLAGS, '--os-layer', 'Windows 11@1.0']);
    expectCode(r, 0);
    const ticket = fake.calls('QueryWorkTicketsAsPendingOp').length;
    expect(ticket).toBeGreaterThan(0);
    expect(r.stdout + r.stderr).toMatch(/Created layer "Quick" 1\.0 \(Editing\) on the appliance "corp"; task \d+ Running/);
    expect(r.stdout + r.stderr).toMatch(/elm task wait \d+ --appliance corp/);
    expect(fake.calls('CreatePlatformLayer').at(-1)?.fields?.OsLayerRevisionId).toBe('111');
  });

  it('every value is escaped in the envelope: a name and comment with &<>"\' arrive as typed', async () => {
    const name = `R&D <"lab"> 'x'`;
    const r = await run(['layer', 'create', '--name', name, ...FLAGS, '--disk-name', 'rnd', '--description', '</Name><Name>evil', '--comment', `a & b < c > d " e ' f`, '--json']);
    expectCode(r, 0);
    const sent = fake.calls('CreatePlatformLayer').at(-1)!;
    expect(sent.fields).toMatchObject({ 'LayerInfo.Name': name, 'LayerInfo.Description': '</Name><Name>evil', 'Reason.Description': `a & b < c > d " e ' f` });
    expect(sent.body).toContain('R&amp;D &lt;');
    expect(sent.body).not.toContain('<Name>evil');
    expect(JSON.parse(r.stdout).layer.name).toBe(name);
  });

  it('a duplicate layer name: the appliance\'s refusal, exit 2, one line', async () => {
    const r = await run(['layer', 'create', '--name', 'citrix vda', ...FLAGS]);
    expectCode(r, 2);
    expect(oneLine(r.stderr)).toBe(true);
    expect(r.stderr).toMatch(/The appliance refused CreatePlatformLayer: A layer with the name 'citrix vda' already exists\. \(DuplicateName\); pick another name/);
    expect(fake.requests.at(-1)?.refused).toBe('DuplicateName');
  });

  it.each([
    [['--os-layer', 'Windows 12'], /--os-layer: the appliance "corp" has no OS layer named "Windows 12" \(Windows 11\); see elm os-layer list --appliance corp\./],
    [['--os-layer', 'Windows 11@9.9'], /OS layer "Windows 11" on the appliance has no version "9\.9" \(versions: 1\.0, 2\.0, 3\.0\)/],
    [['--connector', 'Nope'], /--connector: the appliance "corp" has no connector configuration named "Nope" \(Azure West, Share\); see elm connector list --appliance corp\./],
    [['--icon', '42'], /--icon 42: the appliance "corp" has no icon with that id/],
    [['--disk-format', 'vmdk'], /--disk-format vmdk is not accepted by the appliance's connector configuration "Azure West"; it accepts vhd\./],
    [['--connector', 'Share', '--hypervisor', 'vsphere', '--disk-format', 'vhd'], /--disk-format vhd: a vsphere packaging machine does not boot a vhd disk/],
    [['--max-size', 'big', '--purpose', 'both'], /^error: 2 values are refused: --max-size: .*; --purpose: purpose must be packaging or publishing \(got "both"\)\.$/m],
    [['--recipe', 'PVS farm'], /--recipe: the appliance takes no recipe when a platform layer is created; name where layered images go as its platform types instead \(--purpose publishing --provisioning ID --broker ID/],
  ])('bad input %p: exit 2, one line, nothing created', async (extra, message) => {
    const created = fake.calls('CreatePlatformLayer').length;
    const r = await run(['layer', 'create', '--name', 'Bad', ...FLAGS, ...extra]);
    expectCode(r, 2);
    expect(oneLine(r.stderr)).toBe(true);
    expect(r.stderr).toMatch(message);
    expect(fake.calls('CreatePlatformLayer')).toHaveLength(created);
  });

  it('a connector that names no hypervisor needs --hypervisor (exit 2 naming it); with it, the id is sent', async () => {
    const r = await run(['layer', 'create', '--name', 'On share', ...FLAGS, '--connector', 'Share']);
    expectCode(r, 2);
    expect(r.stderr).toMatch(/Missing --hypervisor/);
    const ok = await run(['layer', 'create', '--name', 'On share', ...FLAGS, '--connector', 'Share', '--hypervisor', 'vsphere', '--json']);
    expectCode(ok, 0);
    expect(fake.calls('CreatePlatformLayer').at(-1)?.fields).toMatchObject({ HypervisorPlatformTypeId: 'vsphere', PackagingDiskFormat: 'VmdkDiskFormat' });
  });
});

describe('layer create --appliance: the platform types and disk formats the appliance lists', () => {
  const LISTS: ApplianceFakeOptions = {
    connectors: [{ id: 'c3-guid', name: 'Nutanix', type: 'Nutanix AHV', diskFormats: ['QCow2DiskFormat', 'RawDiskFormat', 'VmdkSparseDiskFormat'], selectedDiskFormat: 'RawDiskFormat' }],
    platformTypes: [
      { id: 'acropolis', name: 'Nutanix AHV', entityType: 'HypervisorPlatformType' },
      { id: 'gcp', name: 'Google Cloud', entityType: 'HypervisorPlatformType' },
      { id: 'mcs', name: 'Machine Creation Services', entityType: 'ProvisioningPlatformType' },
      { id: 'xendesktop', name: 'Citrix Virtual Apps and Desktops', entityType: 'BrokerPlatformType' },
    ],
  };
  const NUTANIX = ['--version', '1.0', '--os-layer', 'Windows 11', '--connector', 'Nutanix', '--json'];

  it('a type the appliance lists and elm does not know is sent; one it does not list is exit 2 naming what it lists; the connector\'s selected format is the default', async () => {
    const { fake, t, run } = await setup(LISTS);
    try {
      const ok = await run(['layer', 'create', '--name', 'On GCP', ...NUTANIX, '--hypervisor', 'gcp']);
      expectCode(ok, 0);
      expect(fake.calls('QueryPlatformTypes')).not.toHaveLength(0);
      expect(fake.calls('CreatePlatformLayer').at(-1)?.fields).toMatchObject({ HypervisorPlatformTypeId: 'gcp', PackagingDiskFormat: 'RawDiskFormat' });
      expect(JSON.parse(ok.stdout).packagingDisk.format).toBe('raw');

      const created = fake.calls('CreatePlatformLayer').length;
      const bad = await run(['layer', 'create', '--name', 'On Xen', ...NUTANIX, '--hypervisor', 'xenserver']);
      expectCode(bad, 2);
      expect(oneLine(bad.stderr)).toBe(true);
      expect(bad.stderr).toMatch(/--hypervisor: hypervisor "xenserver" is not a platform type of the appliance "corp"; it lists acropolis, gcp\./);
      const broker = await run(['layer', 'create', '--name', 'On AHV', ...NUTANIX, '--hypervisor', 'acropolis', '--provisioning', 'pvs', '--broker', 'xendesktop']);
      expectCode(broker, 2);
      expect(broker.stderr).toMatch(/--provisioning: provisioning "pvs" is not a platform type of the appliance "corp"; it lists mcs\./);
      const format = await run(['layer', 'create', '--name', 'On AHV', ...NUTANIX, '--hypervisor', 'acropolis', '--disk-format', 'vhd']);
      expectCode(format, 2);
      expect(format.stderr).toMatch(/--disk-format vhd is not accepted by the appliance's connector configuration "Nutanix"; it accepts qcow2, raw\./);
      expect(fake.calls('CreatePlatformLayer')).toHaveLength(created);
    } finally {
      await fake.stop();
      await t.cleanup();
    }
  });
});

describe('layer create --appliance: the ticket\'s end', () => {
  it('a ticket that fails: exit 1 with the appliance\'s words', async () => {
    const { fake, t, run } = await setup({ createTicketSteps: [{ state: 'Running', atMs: 0 }, { state: 'Failed', status: 'The file share is full', atMs: 300 }] });
    try {
      const r = await run(['layer', 'create', '--name', 'Fails', ...FLAGS, '--wait']);
      expectCode(r, 1);
      expect(oneLine(r.stderr)).toBe(true);
      expect(r.stderr).toMatch(/The appliance's packaging disk task \d+ failed: The file share is full/);
    } finally {
      await fake.stop();
      await t.cleanup();
    }
  });

  it('--timeout: exit 4, the ticket left running on the appliance', async () => {
    const { fake, t, run } = await setup({ createTicketSteps: [{ state: 'Running', status: 'Copying', atMs: 0 }, { state: 'ActionRequired', atMs: 3_600_000 }] });
    try {
      const r = await run(['layer', 'create', '--name', 'Slow', ...FLAGS, '--wait', '--timeout', '2s']);
      expectCode(r, 4);
      expect(oneLine(r.stderr)).toBe(true);
      expect(r.stderr).toMatch(/is still Running on the appliance after 2 s/);
      expect(fake.calls('CancelWorkTickets')).toHaveLength(0);
    } finally {
      await fake.stop();
      await t.cleanup();
    }
  });
});
