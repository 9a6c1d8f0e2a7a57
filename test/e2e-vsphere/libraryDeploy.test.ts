/**
 * `--template` naming a content-library VM template: the deploy asks vCenter to leave every
 * template disk out (hardware_customization.disks_to_remove), so nothing is copied to the
 * datastore (a copy could outlast the request) and nothing has to be deleted after.
 */
import type { VCenterFake } from '../support/vcenter';
import { expectCode, MiB, scratch, startFake, vsphereArgs, type Env } from './helpers';

jest.setTimeout(120_000);

describe('packaging machine from a content-library template', () => {
  let fake: VCenterFake;
  let s: Env;

  beforeAll(async () => {
    fake = await startFake();
    fake.putDatastoreFile('DC1', 'ds1', 'templates/golden.vmdk', '# Disk DescriptorFile\ncreateType="vmfs"\nRW 8192 VMFS "golden-flat.vmdk"\n');
    fake.putDatastoreFile('DC1', 'ds1', 'templates/golden-flat.vmdk', Buffer.alloc(4 * MiB));
    fake.inventory({ templates: [{ name: 'Golden', kind: 'library', disks: ['[ds1] templates/golden.vmdk'] }] });
    s = await scratch(fake, 8 * MiB);
    expectCode(await s.run(vsphereArgs(fake, 'vs', { '--template': 'Golden' })), 0);
    expectCode(await s.run(['os-layer', 'import', '--name', 'win', '--version', '1', '--disk', s.osDisk, '--ipv6', 'disabled']), 0);
    expectCode(await s.run(['layer', 'create', '--name', 'lib', '--version', '1', '--os-layer', 'win', '--connector', 'vs', '--disk-name', 'lib', '--wait']), 0);
  });
  afterAll(async () => {
    await fake?.stop();
    await s?.cleanup();
  });

  it('deploys without copying a template disk, then attaches the packaging disk', async () => {
    const seen = fake.requests.length;
    const r = await s.json(['machine', 'deploy', 'lib']);
    const vm = fake.vm(r.machine.name)!;
    expect(vm).toMatchObject({ powerState: 'POWERED_ON', disks: [{ vmdkFile: '[ds1] elm-lib.vmdk' }] });
    const deploy = fake.requests.slice(seen).find((q) => q.url.includes('action=deploy'))!;
    expect(deploy.body).toMatchObject({ hardware_customization: { disks_to_remove: ['2000'] }, powered_on: false });
    // No copy next to the VM, so nothing to delete: the datastore holds the template's disk and the packaging disk only.
    expect(fake.datastoreFiles().filter((f) => f.path.endsWith('.vmdk')).map((f) => f.dsPath).sort()).toEqual(
      ['[ds1] elm-lib-flat.vmdk', '[ds1] elm-lib.vmdk', '[ds1] templates/golden-flat.vmdk', '[ds1] templates/golden.vmdk', '[ds1] templates/win2019-tpl-flat.vmdk', '[ds1] templates/win2019-tpl.vmdk'],
    );
    expect(fake.requests.slice(seen).filter((q) => q.method === 'DELETE' && q.path !== '/api/session')).toEqual([]);
  });
});
