import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { VCenterFake, inspectVmdk, startVCenterFake } from '../support/vcenter';
import { ADMIN, ADMIN_PW, idOf, login, putVmfsDisk, request, sparseVmdk, standardFake } from './helpers';

interface Placement { folder: string; host: string; datastore: string; network: string }

async function placement(fake: VCenterFake, session: string): Promise<Placement> {
  return {
    folder: await idOf(fake, session, 'folder', 'names=Packaging&type=VIRTUAL_MACHINE'),
    host: await idOf(fake, session, 'host', 'names=esx1.lab'),
    datastore: await idOf(fake, session, 'datastore', 'names=ds1'),
    network: await idOf(fake, session, 'network', 'names=VM%20Network'),
  };
}

function createSpec(p: Placement, name: string, vmdk: string) {
  return {
    name,
    guest_OS: 'WINDOWS_9_SERVER_64',
    placement: { folder: p.folder, host: p.host, datastore: p.datastore },
    cpu: { count: 4 },
    memory: { size_MiB: 8192 },
    disks: [{ backing: { type: 'VMDK_FILE', vmdk_file: vmdk } }],
    nics: [{ backing: { type: 'STANDARD_PORTGROUP', network: p.network } }],
  };
}

describe('vCenter fake: virtual machines', () => {
  let fake: VCenterFake;
  let session: string;
  let p: Placement;
  beforeAll(async () => {
    fake = await standardFake();
    session = await login(fake);
    p = await placement(fake, session);
  });
  afterAll(() => fake.stop());

  const post = (url: string, body?: unknown) => request(fake, url, { method: 'POST', session, body });

  it('refuses names where ids are expected (404 NOT_FOUND) and creates nothing', async () => {
    putVmfsDisk(fake, 'elm/names.vmdk');
    const r = await post('/api/vcenter/vm', createSpec({ ...p, folder: 'Packaging' }, 'PKG-NAMES', '[ds1] elm/names.vmdk'));
    expect(r.status).toBe(404);
    expect(r.json()).toMatchObject({ error_type: 'NOT_FOUND', messages: [expect.objectContaining({ default_message: expect.stringContaining('Packaging') })] });
    expect(fake.vm('PKG-NAMES')).toBeUndefined();
  });

  it('refuses a disk backing whose file is not on the datastore', async () => {
    const r = await post('/api/vcenter/vm', createSpec(p, 'PKG-NODISK', '[ds1] elm/missing.vmdk'));
    expect(r.status).toBe(404);
    expect(r.json<{ messages: { default_message: string }[] }>().messages[0].default_message).toContain('[ds1] elm/missing.vmdk');
    expect(fake.vm('PKG-NODISK')).toBeUndefined();
  });

  it('refuses a NIC backing whose type does not match the network', async () => {
    putVmfsDisk(fake, 'elm/nic.vmdk');
    const spec = createSpec(p, 'PKG-NIC', '[ds1] elm/nic.vmdk');
    spec.nics[0].backing.type = 'DISTRIBUTED_PORTGROUP';
    const r = await post('/api/vcenter/vm', spec);
    expect(r.status).toBe(400);
    expect(r.json()).toMatchObject({ error_type: 'INVALID_ARGUMENT' });
  });

  it('creates a VM (201, the id), shows it, powers it, refuses deletion while on, deletes its files', async () => {
    putVmfsDisk(fake, 'elm/pkg01.vmdk', 4 * 1024 * 1024);
    const created = await post('/api/vcenter/vm', createSpec(p, 'PKG-01', '[ds1] elm/pkg01.vmdk'));
    expect(created.status).toBe(201);
    const id = created.json<string>();
    expect(id).toMatch(/^vm-\d+$/);

    const dup = await post('/api/vcenter/vm', createSpec(p, 'PKG-01', '[ds1] elm/pkg01.vmdk'));
    expect(dup.status).toBe(400);
    expect(dup.json()).toMatchObject({ error_type: 'ALREADY_EXISTS' });

    const info = (await request(fake, `/api/vcenter/vm/${id}`, { session })).json<Record<string, unknown>>();
    expect(info).toMatchObject({
      name: 'PKG-01', guest_OS: 'WINDOWS_9_SERVER_64', power_state: 'POWERED_OFF',
      cpu: { count: 4 }, memory: { size_MiB: 8192 },
      disks: { 2000: { backing: { type: 'VMDK_FILE', vmdk_file: '[ds1] elm/pkg01.vmdk' }, capacity: 4 * 1024 * 1024 } },
      nics: { 4000: { backing: { type: 'STANDARD_PORTGROUP', network: p.network } } },
    });
    expect(fake.vm('PKG-01')).toMatchObject({ id, folder: 'Packaging', host: 'esx1.lab', datastore: 'ds1', powerState: 'POWERED_OFF', disks: [{ vmdkFile: '[ds1] elm/pkg01.vmdk', createType: 'vmfs' }] });
    expect(fake.datastoreFiles().map((f) => f.dsPath)).toContain('[ds1] PKG-01/PKG-01.vmx');
    const listed = await request(fake, '/api/vcenter/vm?names=PKG-01', { session });
    expect(listed.json()).toEqual([{ vm: id, name: 'PKG-01', power_state: 'POWERED_OFF', cpu_count: 4, memory_size_MiB: 8192 }]);

    expect((await post(`/api/vcenter/vm/${id}/power?action=start`)).status).toBe(204);
    expect((await request(fake, `/api/vcenter/vm/${id}/power`, { session })).json()).toEqual({ state: 'POWERED_ON' });
    const again = await post(`/api/vcenter/vm/${id}/power?action=start`);
    expect(again.status).toBe(400);
    expect(again.json()).toMatchObject({ error_type: 'ALREADY_IN_DESIRED_STATE' });
    const wrong = await post(`/api/vcenter/vm/${id}/power?action=shutdown`);
    expect(wrong.status).toBe(404);
    expect(wrong.json()).toMatchObject({ error_type: 'OPERATION_NOT_FOUND' });

    const refused = await request(fake, `/api/vcenter/vm/${id}`, { method: 'DELETE', session });
    expect(refused.status).toBe(400);
    expect(refused.json()).toMatchObject({ error_type: 'NOT_ALLOWED_IN_CURRENT_STATE' });
    expect(fake.vm('PKG-01')).toBeDefined();

    expect((await post(`/api/vcenter/vm/${id}/power?action=stop`)).status).toBe(204);
    expect((await request(fake, `/api/vcenter/vm/${id}`, { method: 'DELETE', session })).status).toBe(204);
    expect(fake.vm('PKG-01')).toBeUndefined();
    expect((await request(fake, `/api/vcenter/vm/${id}`, { session })).status).toBe(404);
    const left = fake.datastoreFiles().map((f) => f.path);
    expect(left).not.toContain('elm/pkg01.vmdk');
    expect(left).not.toContain('elm/pkg01-flat.vmdk');
    expect(left).not.toContain('PKG-01/PKG-01.vmx');
  });

  it('does not power on a hosted (sparse / stream-optimized) VMDK, as ESXi', async () => {
    fake.putDatastoreFile('DC1', 'ds1', 'elm/sparse.vmdk', sparseVmdk(64 * 1024 * 1024));
    const created = await post('/api/vcenter/vm', createSpec(p, 'PKG-SPARSE', '[ds1] elm/sparse.vmdk'));
    expect(created.status).toBe(201);
    expect(fake.vm('PKG-SPARSE')?.disks[0]).toMatchObject({ createType: 'monolithicSparse', capacity: 64 * 1024 * 1024 });
    const start = await post(`/api/vcenter/vm/${created.json<string>()}/power?action=start`);
    expect(start.status).toBe(500);
    expect(start.json<{ messages: { default_message: string }[] }>().messages[0].default_message).toMatch(/monolithicSparse.*imported/);
    expect(fake.vm('PKG-SPARSE')?.powerState).toBe('POWERED_OFF');
  });

  it('acceptHostedDisks lets a hosted VMDK power on', async () => {
    const lax = await startVCenterFake({ users: { [ADMIN]: ADMIN_PW }, acceptHostedDisks: true, inventory: { datacenters: ['DC1'], datastores: ['ds1'], hosts: ['h'], folders: ['F'] } });
    try {
      lax.putDatastoreFile('DC1', 'ds1', 'so.vmdk', sparseVmdk(1024 * 1024, 'streamOptimized'));
      lax.inventory({ vms: [{ name: 'VM-SO', folder: 'F', disks: ['[ds1] so.vmdk'] }] });
      const s = await login(lax);
      const id = lax.vm('VM-SO')!.id;
      expect((await request(lax, `/api/vcenter/vm/${id}/power?action=start`, { method: 'POST', session: s })).status).toBe(204);
    } finally {
      await lax.stop();
    }
  });

  it('clones from a template VM into the folder, copying its disk; an unknown source is 404', async () => {
    putVmfsDisk(fake, 'templates/win2019.vmdk', 2 * 1024 * 1024);
    fake.inventory({ templates: [{ name: 'win-disk-tpl', disks: ['[ds1] templates/win2019.vmdk'] }] });
    const tpl = await idOf(fake, session, 'vm', 'names=win-disk-tpl');
    const r = await post('/api/vcenter/vm?action=clone', { source: tpl, name: 'PKG-CLONE', placement: { folder: p.folder, host: p.host, datastore: p.datastore } });
    expect(r.status).toBe(200);
    const vm = fake.vm('PKG-CLONE')!;
    expect(vm).toMatchObject({ id: r.json<string>(), folder: 'Packaging', powerState: 'POWERED_OFF', disks: [{ vmdkFile: '[ds1] PKG-CLONE/PKG-CLONE.vmdk', createType: 'vmfs' }] });
    const files = fake.datastoreFiles().map((f) => f.path);
    expect(files).toEqual(expect.arrayContaining(['PKG-CLONE/PKG-CLONE.vmdk', 'PKG-CLONE/PKG-CLONE-flat.vmdk', 'templates/win2019-flat.vmdk']));

    const missing = await post('/api/vcenter/vm?action=clone', { source: 'vm-999999', name: 'X', placement: { folder: p.folder } });
    expect(missing.status).toBe(404);
    expect(missing.json()).toMatchObject({ error_type: 'NOT_FOUND' });
  });

  it('attaches, reads and detaches a disk; re-points a NIC', async () => {
    const id = fake.vm('PKG-CLONE')!.id;
    putVmfsDisk(fake, 'elm/packaging.vmdk');
    const add = await post(`/api/vcenter/vm/${id}/hardware/disk`, { backing: { type: 'VMDK_FILE', vmdk_file: '[ds1] elm/packaging.vmdk' } });
    expect(add.status).toBe(201);
    const key = add.json<string>();
    expect((await request(fake, `/api/vcenter/vm/${id}/hardware/disk`, { session })).json()).toEqual([{ disk: '2000' }, { disk: key }]);
    expect((await request(fake, `/api/vcenter/vm/${id}/hardware/disk/${key}`, { session })).json()).toMatchObject({ backing: { vmdk_file: '[ds1] elm/packaging.vmdk' } });
    expect((await request(fake, `/api/vcenter/vm/${id}/hardware/disk/${key}`, { method: 'DELETE', session })).status).toBe(204);
    expect(fake.datastoreFiles().map((f) => f.path)).toContain('elm/packaging.vmdk'); // detach keeps the file

    const nics = (await request(fake, `/api/vcenter/vm/${id}/hardware/ethernet`, { session })).json<{ nic: string }[]>();
    fake.inventory({ networks: ['PVS Net'] });
    const pvsNet = await idOf(fake, session, 'network', 'names=PVS%20Net');
    const patch = await request(fake, `/api/vcenter/vm/${id}/hardware/ethernet/${nics[0].nic}`, { method: 'PATCH', session, body: { backing: { type: 'STANDARD_PORTGROUP', network: pvsNet } } });
    expect(patch.status).toBe(204);
    expect(fake.vm('PKG-CLONE')!.nics[0].network).toBe('PVS Net');
  });

  it('deploys a content-library template', async () => {
    fake.inventory({ templates: [{ name: 'Golden', kind: 'library' }] });
    const [item] = (await post('/api/content/library/item?action=find', { name: 'Golden' })).json<string[]>();
    const r = await post(`/api/vcenter/vm-template/library-items/${item}?action=deploy`, {
      name: 'PKG-LIB', placement: { folder: p.folder, host: p.host }, disk_storage: { datastore: p.datastore }, powered_on: true,
    });
    expect(r.status).toBe(200);
    expect(fake.vm('PKG-LIB')).toMatchObject({ id: r.json<string>(), powerState: 'POWERED_ON', folder: 'Packaging' });
    const tplId = fake.vms().find((v) => v.name === 'Golden')!.id;
    expect((await post('/api/vcenter/vm?action=clone', { source: tplId, name: 'NOPE' })).status).toBe(404); // not a VM in the REST API
  });

  it('shuts the guest down through guest/power; VMware Tools state follows', async () => {
    const id = fake.vm('PKG-LIB')!.id;
    expect((await request(fake, `/api/vcenter/vm/${id}/tools`, { session })).json()).toMatchObject({ run_state: 'RUNNING' });
    expect((await request(fake, `/api/vcenter/vm/${id}/guest/identity`, { session })).json()).toMatchObject({ family: 'WINDOWS', host_name: 'PKG-LIB' });
    expect((await post(`/api/vcenter/vm/${id}/guest/power?action=shutdown`)).status).toBe(204);
    for (let i = 0; i < 50 && fake.vm('PKG-LIB')!.powerState !== 'POWERED_OFF'; i++) await new Promise((r) => setTimeout(r, 20));
    expect((await request(fake, `/api/vcenter/vm/${id}/power`, { session })).json()).toEqual({ state: 'POWERED_OFF' });
    expect((await request(fake, `/api/vcenter/vm/${id}/tools`, { session })).json()).toMatchObject({ run_state: 'NOT_RUNNING' });
    const again = await post(`/api/vcenter/vm/${id}/guest/power?action=shutdown`);
    expect(again.status).toBe(400);
    expect(again.json()).toMatchObject({ error_type: 'NOT_ALLOWED_IN_CURRENT_STATE' });
  });
});

const hasQemuImg = (() => {
  try {
    execFileSync('qemu-img', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

(hasQemuImg ? describe : describe.skip)('vCenter fake: VMDK types written by qemu-img', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vcfake-vmdk-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  it.each([
    ['monolithicSparse', 'monolithicSparse'],
    ['streamOptimized', 'streamOptimized'],
    ['monolithicFlat', 'monolithicFlat'],
  ])('reads subformat %s as createType %s', (subformat, createType) => {
    const file = path.join(dir, `${subformat}.vmdk`);
    execFileSync('qemu-img', ['create', '-f', 'vmdk', '-o', `subformat=${subformat}`, file, '32M'], { stdio: 'ignore' });
    expect(inspectVmdk(file)).toMatchObject({ createType, capacityBytes: 32 * 1024 * 1024 });
  });
});
