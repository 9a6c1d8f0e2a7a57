/**
 * The fake is as strict as vCenter where elm once assumed otherwise (issue 11): dcPath is the
 * datacenter's inventory path, list calls stop at the list limit, the folder filters name direct
 * parents, and /sdk tells vCenter from ESXi (which serves no /api).
 */
import { startVCenterFake, type VCenterFake } from '../support/vcenter';
import { ADMIN, ADMIN_PW, login, request } from './helpers';

describe('vCenter fake: strict where vCenter is', () => {
  let fake: VCenterFake;
  let session: string;
  beforeAll(async () => {
    fake = await startVCenterFake({
      users: { [ADMIN]: ADMIN_PW },
      listLimit: 3,
      inventory: { datacenters: ['Region/DC1', 'DC2'], datastores: ['ds1'], hosts: ['h1', 'h2', 'h3', 'h4'], folders: ['Packaging'] },
    });
    session = await login(fake);
  });
  afterAll(() => fake.stop());
  const json = async (url: string) => JSON.parse((await request(fake, url, { session })).body.toString()) as Record<string, string>[];

  it('/folder takes the inventory path of a datacenter in a folder and refuses its bare name', async () => {
    fake.putDatastoreFile('DC1', 'ds1', 'a.txt', 'abc');
    expect((await request(fake, '/folder/a.txt?dcPath=Region/DC1&dsName=ds1', { session })).body.toString()).toBe('abc');
    const bare = await request(fake, '/folder/a.txt?dcPath=DC1&dsName=ds1', { session });
    expect(bare.status).toBe(404);
    expect(bare.headers['content-type']).toBe('text/plain');
  });

  it('datacenters and folders filter on their direct parent folder; the root folder is listed', async () => {
    const dcFolders = await json('/api/vcenter/folder?type=DATACENTER');
    expect(dcFolders.map((f) => f.name).sort()).toEqual(['Datacenters', 'Region']);
    const root = dcFolders.find((f) => f.name === 'Datacenters')!.folder;
    const region = dcFolders.find((f) => f.name === 'Region')!.folder;
    expect((await json(`/api/vcenter/datacenter?folders=${region}`)).map((d) => d.name)).toEqual(['DC1']);
    expect((await json(`/api/vcenter/datacenter?folders=${root}`)).map((d) => d.name)).toEqual(['DC2']);
    expect((await json(`/api/vcenter/folder?folders=${region}&parent_folders=${root}`)).map((f) => f.name)).toEqual(['Region']);
    expect(await json(`/api/vcenter/folder?folders=${root}&parent_folders=${region}`)).toEqual([]);
  });

  it('a list call matching more than the limit is UNABLE_TO_ALLOCATE_RESOURCE, not a short list', async () => {
    const all = await request(fake, '/api/vcenter/host', { session });
    expect(all.status).toBe(500);
    expect(JSON.parse(all.body.toString())).toMatchObject({ error_type: 'UNABLE_TO_ALLOCATE_RESOURCE' });
    expect((await json('/api/vcenter/host?names=h2')).map((h) => h.name)).toEqual(['h2']);
  });

  it('RetrieveServiceContent on /sdk needs no session and names the server; an ESXi host serves no /api', async () => {
    const soap = '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><RetrieveServiceContent xmlns="urn:vim25"><_this type="ServiceInstance">ServiceInstance</_this></RetrieveServiceContent></soapenv:Body></soapenv:Envelope>';
    const vc = await request(fake, '/sdk', { method: 'POST', body: soap, headers: { 'content-type': 'text/xml' } });
    expect(vc.body.toString()).toMatch(/<apiType>VirtualCenter<\/apiType>/);
    const esxi = await startVCenterFake({ users: { [ADMIN]: ADMIN_PW }, about: { apiType: 'HostAgent', version: '8.0.2' } });
    try {
      expect((await request(esxi, '/sdk', { method: 'POST', body: soap })).body.toString()).toMatch(/<apiType>HostAgent<\/apiType><apiVersion>8\.0\.2\.0<\/apiVersion>/);
      const api = await request(esxi, '/api/session', { method: 'POST' });
      expect([api.status, api.headers['content-type']]).toEqual([404, 'text/html']);
    } finally {
      await esxi.stop();
    }
  });
});
