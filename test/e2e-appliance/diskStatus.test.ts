/**
 * `disk status` and `machine deploy-link` with --appliance, through the real binary: both show
 * the description the appliance writes in the version's packaging-disk ticket: the Azure link for
 * an Azure connector configuration, the VM and disk for a vSphere one. deploy-link before the
 * appliance said it is exit 3; the local machine flags are exit 2; nothing is written locally.
 */
import { elm, oneLine, stateBytes, tempHome, type CliResult } from '../support/cli';
import { startApplianceFake, type ApplianceFakeOptions } from '../support/appliance/server';

jest.setTimeout(120_000);

function expectCode(r: CliResult, code: number): void {
  if (r.code !== code) throw new Error(`expected exit ${code}, got ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
}

const AZURE_LINK = 'https://portal.azure.com/#create/Microsoft.Template/uri/https%3A%2F%2Felmdisks.blob.core.windows.net%2Fpkg%2FAzure-tools.json';

async function setup(opts: ApplianceFakeOptions) {
  const fake = await startApplianceFake({
    fileShares: [{ id: '1', name: 'Layers', path: '\\\\files01\\elm' }],
    connectors: [{ id: 'c1-guid', name: 'Azure West', type: 'Azure' }, { id: 'c2-guid', name: 'vCenter', type: 'vSphere' }],
    osLayers: [{ id: '11', name: 'Windows 11', revisions: [{ id: '111', version: '1.0', state: 'Deployable' }] }],
    ...opts,
  });
  const t = await tempHome('elm-appliance-disk-');
  const run = (args: string[]) => elm(args, { home: t.home, env: { NODE_EXTRA_CA_CERTS: fake.caCertPath, ELM_APPLIANCE_PASSWORD: 'Unidesk1', ELM_APPLIANCE: 'corp' } });
  expectCode(await run(['appliance', 'add', '--name', 'corp', '--server', fake.host, '--user', 'administrator']), 0);
  return { fake, t, run, done: async () => (await fake.stop(), await t.cleanup()) };
}

describe('--appliance: the packaging-disk task\'s description', () => {
  it('Azure: disk status and deploy-link show the Azure link the appliance wrote', async () => {
    const s = await setup({ createTicketSteps: [{ state: 'Running', status: 'Uploading the packaging disk', atMs: 0 }, { state: 'ActionRequired', status: `Deploy the packaging machine: ${AZURE_LINK}`, atMs: 300 }] });
    try {
      expectCode(await s.run(['layer', 'create', '--name', 'Azure tools', '--version', '1.0', '--os-layer', 'Windows 11', '--connector', 'Azure West', '--wait']), 0);
      const before = await stateBytes(s.t.home);
      const status = await s.run(['disk', 'status', 'Azure tools', '--json']);
      expectCode(status, 0);
      const doc = JSON.parse(status.stdout);
      expect(doc.version).toEqual({ name: '1.0', state: 'Editing' });
      expect(doc.task).toMatchObject({ kind: 'CreatePackagingDisk', state: 'ActionRequired', description: `Deploy the packaging machine: ${AZURE_LINK}` });
      expect(doc.disk).toEqual({ name: 'Azure-tools', format: 'vhd', location: '\\\\files01\\elm\\Unidesk\\Packaging Disks\\Azure-tools.vhd', sizeBytes: null, kind: 'packaging' });
      const text = await s.run(['disk', 'status', 'Azure tools']);
      expect(text.stdout).toContain(AZURE_LINK);
      const link = await s.run(['machine', 'deploy-link', 'Azure tools', '--json']);
      expectCode(link, 0);
      expect(JSON.parse(link.stdout)).toMatchObject({ link: AZURE_LINK, note: `Deploy the packaging machine: ${AZURE_LINK}` });
      const plain = await s.run(['machine', 'deploy-link', 'Azure tools']);
      expect(plain.stdout.trim()).toBe(AZURE_LINK);
      expect(await stateBytes(s.t.home)).toEqual(before);
    } finally {
      await s.done();
    }
  });

  it('vSphere: the VM and the disk the appliance names', async () => {
    const vm = 'The packaging machine elm-pkg-Citrix-VDA is ready in vCenter (Datacenter/Layers), with the packaging disk {disk} attached; install the software on it.';
    const s = await setup({ createTicketSteps: [{ state: 'ActionRequired', status: vm, atMs: 0 }] });
    try {
      expectCode(await s.run(['layer', 'create', '--name', 'Citrix VDA', '--version', '1.0', '--os-layer', 'Windows 11', '--connector', 'vCenter', '--provisioning', 'pvs', '--broker', 'xendesktop', '--purpose', 'publishing', '--wait']), 0);
      const disk = '\\\\files01\\elm\\Unidesk\\Packaging Disks\\Citrix-VDA.vmdk';
      const doc = JSON.parse((await s.run(['disk', 'status', 'Citrix VDA', '--json'])).stdout);
      expect(doc.task.description).toBe(vm.replace('{disk}', disk));
      expect(doc.disk.location).toBe(disk);
      const link = await s.run(['machine', 'deploy-link', 'Citrix VDA']);
      expectCode(link, 0);
      expect(link.stdout).toContain('elm-pkg-Citrix-VDA is ready in vCenter (Datacenter/Layers)');
    } finally {
      await s.done();
    }
  });

  it('deploy-link before the appliance wrote it: exit 3 naming the task; a machine flag: exit 2; a failed task: disk status exit 1', async () => {
    const s = await setup({ createTicketSteps: [{ state: 'Running', status: 'Copying', atMs: 0 }, { state: 'Failed', status: 'The file share is full', atMs: 3_600_000 }] });
    try {
      expectCode(await s.run(['layer', 'create', '--name', 'Slow', '--version', '1.0', '--os-layer', 'Windows 11', '--connector', 'Azure West']), 0);
      const early = await s.run(['machine', 'deploy-link', 'Slow']);
      expectCode(early, 3);
      expect(oneLine(early.stderr)).toBe(true);
      expect(early.stderr).toMatch(/has not said how to deploy the packaging machine of "Slow" 1\.0 yet \(task (\d+) is Running: elm task wait \1 --appliance corp\)/);
      const size = await s.run(['machine', 'deploy-link', 'Slow', '--size', 'Standard_D4s_v5']);
      expectCode(size, 2);
      expect(oneLine(size.stderr)).toBe(true);
      expect(size.stderr).toMatch(/--size: with --appliance the appliance's connector configuration decides/);
    } finally {
      await s.done();
    }
    const f = await setup({ createTicketSteps: [{ state: 'Failed', status: 'The file share is full', atMs: 0 }] });
    try {
      await f.run(['layer', 'create', '--name', 'Full', '--version', '1.0', '--os-layer', 'Windows 11', '--connector', 'Azure West']);
      const status = await f.run(['disk', 'status', 'Full', '--json']);
      expectCode(status, 1);
      expect(JSON.parse(status.stdout).task).toMatchObject({ state: 'Failed', description: 'The file share is full' });
    } finally {
      await f.done();
    }
  });
});
