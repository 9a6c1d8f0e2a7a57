import type { VCenterFake } from '../support/vcenter';
import { login, request, standardFake } from './helpers';

describe('vCenter fake: inventory lookups', () => {
  let fake: VCenterFake;
  let session: string;
  beforeAll(async () => {
    fake = await standardFake();
    fake.inventory({
      datacenters: ['DC2'],
      datastores: [{ name: 'ds1', datacenter: 'DC2' }, { name: 'vsan', datacenter: 'DC2', type: 'VSAN' }],
      networks: [{ name: 'PVS-DV', datacenter: 'DC2', type: 'DISTRIBUTED_PORTGROUP' }],
      folders: [{ name: 'Packaging', datacenter: 'DC2' }, { name: 'Packaging', datacenter: 'DC2', type: 'HOST' }],
      hosts: [{ name: 'esx9.lab', datacenter: 'DC2', connectionState: 'DISCONNECTED' }],
    });
    session = await login(fake);
  });
  afterAll(() => fake.stop());

  const get = async <T>(p: string) => {
    const r = await request(fake, p, { session });
    expect(r.status).toBe(200);
    return r.json<T>();
  };

  it('finds a datacenter by name, and nothing for another case', async () => {
    const dcs = await get<{ datacenter: string; name: string }[]>('/api/vcenter/datacenter?names=DC1');
    expect(dcs).toEqual([{ datacenter: expect.stringMatching(/^datacenter-/), name: 'DC1' }]);
    expect(await get('/api/vcenter/datacenter?names=dc1')).toEqual([]);
    const info = await get<Record<string, string>>(`/api/vcenter/datacenter/${dcs[0].datacenter}`);
    expect(info).toMatchObject({ name: 'DC1', vm_folder: expect.stringMatching(/^group-v/) });
  });

  it('takes repeated names= for a set', async () => {
    const all = await get<{ name: string }[]>('/api/vcenter/datacenter?names=DC1&names=DC2');
    expect(all.map((d) => d.name).sort()).toEqual(['DC1', 'DC2']);
  });

  it('scopes datastores by datacenter (names repeat across datacenters)', async () => {
    const both = await get<unknown[]>('/api/vcenter/datastore?names=ds1');
    expect(both).toHaveLength(2);
    const [dc1] = await get<{ datacenter: string }[]>('/api/vcenter/datacenter?names=DC1');
    const ds = await get<Record<string, unknown>[]>(`/api/vcenter/datastore?names=ds1&datacenters=${dc1.datacenter}`);
    expect(ds).toEqual([{ datastore: expect.stringMatching(/^datastore-/), name: 'ds1', type: 'VMFS', free_space: expect.any(Number), capacity: expect.any(Number) }]);
    expect(await get('/api/vcenter/datastore?names=DS1')).toEqual([]);
    expect(await get<unknown[]>('/api/vcenter/datastore?types=VSAN')).toHaveLength(1);
  });

  it('lists hosts with their connection state', async () => {
    expect(await get('/api/vcenter/host?names=esx1.lab')).toEqual([
      { host: expect.stringMatching(/^host-/), name: 'esx1.lab', connection_state: 'CONNECTED', power_state: 'POWERED_ON' },
    ]);
    expect(await get('/api/vcenter/host?names=esx9.lab')).toEqual([
      { host: expect.stringMatching(/^host-/), name: 'esx9.lab', connection_state: 'DISCONNECTED' },
    ]);
    expect(await get('/api/vcenter/host?names=ESX1.lab')).toEqual([]);
  });

  it('lists networks with their type and id prefix', async () => {
    expect(await get('/api/vcenter/network?names=VM%20Network')).toEqual([
      { network: expect.stringMatching(/^network-/), name: 'VM Network', type: 'STANDARD_PORTGROUP' },
    ]);
    expect(await get('/api/vcenter/network?names=PVS-DV')).toEqual([
      { network: expect.stringMatching(/^dvportgroup-/), name: 'PVS-DV', type: 'DISTRIBUTED_PORTGROUP' },
    ]);
    expect(await get('/api/vcenter/network?names=vm%20network')).toEqual([]);
  });

  it('filters folders by type (a host folder of the same name is not a VM folder)', async () => {
    const vmFolders = await get<{ type: string }[]>('/api/vcenter/folder?names=Packaging&type=VIRTUAL_MACHINE');
    expect(vmFolders).toHaveLength(2);
    expect(vmFolders.every((f) => f.type === 'VIRTUAL_MACHINE')).toBe(true);
    expect(await get<unknown[]>('/api/vcenter/folder?names=Packaging&type=HOST')).toHaveLength(1);
    expect(await get('/api/vcenter/folder?names=packaging&type=VIRTUAL_MACHINE')).toEqual([]);
    expect(await get<unknown[]>('/api/vcenter/folder?names=vm&type=VIRTUAL_MACHINE')).toHaveLength(2); // root folders
  });

  it('lists a template of kind vm as a powered-off VM', async () => {
    expect(await get('/api/vcenter/vm?names=win2019-tpl')).toEqual([
      { vm: expect.stringMatching(/^vm-/), name: 'win2019-tpl', power_state: 'POWERED_OFF', cpu_count: 2, memory_size_MiB: 4096 },
    ]);
    expect(await get('/api/vcenter/vm?names=WIN2019-tpl')).toEqual([]);
  });

  it('keeps content-library templates out of the VM list and finds them through the library', async () => {
    fake.inventory({ templates: [{ name: 'Win2022-Golden', kind: 'library', library: 'Gold' }] });
    expect(await get('/api/vcenter/vm?names=Win2022-Golden')).toEqual([]);
    const libs = await get<string[]>('/api/content/library');
    expect(libs).toHaveLength(1);
    expect(await get(`/api/content/library/${libs[0]}`)).toMatchObject({ name: 'Gold' });
    const items = await get<string[]>(`/api/content/library/item?library_id=${libs[0]}`);
    expect(await get(`/api/content/library/item/${items[0]}`)).toMatchObject({ name: 'Win2022-Golden', type: 'vm-template', library_id: libs[0] });
    const found = await request(fake, '/api/content/library/item?action=find', { method: 'POST', session, body: { name: 'win2022-golden' } });
    expect(found.status).toBe(200);
    expect(found.json()).toEqual(items);
  });
});
