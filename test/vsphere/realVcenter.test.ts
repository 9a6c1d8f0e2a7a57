/**
 * What a real vCenter does and the plain fake once let slide (issue 11): a datacenter inside a
 * folder (dcPath is its inventory path), no folder created by a PUT, answers that are not JSON,
 * a 404 that is not vAPI's NOT_FOUND, the server's version, every check of `connector test` on its
 * own line, and vCenter's list limit.
 */
import os from 'node:os';
import path from 'node:path';
import { promises as fs } from 'node:fs';
import type { CheckResult, Connector } from '../../src/connectors/connector';
import { createVsphereConnector } from '../../src/connectors/vsphere/vsphereConnector';
import type { VsphereSettings } from '../../src/connectors/vsphere/settings';
import type { ConnectorConfig } from '../../src/domain/state';
import { startVCenterFake, type VCenterFake, type VCenterFakeOptions } from '../support/vcenter';
import { login, request } from '../vcenter-support/helpers';

const MiB = 1024 * 1024;
const ADMIN = 'administrator@vsphere.local';
const ADMIN_PW = 'Vc-Secret1!';
const ENV = { ELM_VSPHERE_PASSWORD: ADMIN_PW, ELM_GUEST_USER: 'Administrator', ELM_GUEST_PASSWORD: 'Guest-Pw1!' };
const INVENTORY = { datacenters: ['Europe/Lab/DC1'], datastores: ['ds1'], hosts: ['esx1.lab'], networks: ['VM Network'], folders: ['Packaging'] };

const fakes: VCenterFake[] = [];
let dir: string;

async function fake(opts: VCenterFakeOptions = {}): Promise<VCenterFake> {
  const f = await startVCenterFake({ users: { [ADMIN]: ADMIN_PW }, inventory: INVENTORY, ...opts });
  fakes.push(f);
  return f;
}

function connector(f: VCenterFake, over: Partial<VsphereSettings> = {}): Connector {
  const settings: VsphereSettings = {
    server: f.host,
    user: ADMIN,
    passwordEnv: 'ELM_VSPHERE_PASSWORD',
    datacenter: 'DC1',
    datastore: 'ds1',
    host: 'esx1.lab',
    network: 'VM Network',
    folder: 'Packaging',
    template: null,
    guestUserEnv: 'ELM_GUEST_USER',
    guestPasswordEnv: 'ELM_GUEST_PASSWORD',
    ...over,
  };
  return createVsphereConnector(
    { id: '9', name: 'vs', type: 'vsphere', createdAt: '2026-01-01T00:00:00Z', settings: { ...settings } } as unknown as ConnectorConfig,
    { home: path.join(dir, 'home'), env: ENV },
    { ca: f.caPem, retryBaseMs: 5 },
  );
}

const byName = (checks: CheckResult[]) => Object.fromEntries(checks.map((c) => [c.name, c]));

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'elm-vc-real-'));
});
afterAll(async () => {
  for (const f of fakes) await f.stop();
  await fs.rm(dir, { recursive: true, force: true });
});

describe('a datacenter inside a folder, and no folder made by a PUT', () => {
  it('uploads, sizes, downloads and deletes with dcPath = the inventory path, into the datastore root', async () => {
    const f = await fake();
    const osDisk = path.join(dir, 'os.raw');
    const fh = await fs.open(osDisk, 'w');
    await fh.truncate(4 * MiB);
    await fh.close();
    const c = connector(f);
    const layer = { id: '1', name: 'app', version: '1' };
    const disk = await c.createPackagingDisk(
      { layer, taskId: '2', osDisk: { location: osDisk, format: 'raw', sizeBytes: 4 * MiB }, diskName: 'app', format: 'vmdk', signal: new AbortController().signal },
      () => undefined,
    );
    expect(disk.location).toBe('[ds1] elm-app.vmdk');
    expect(f.datastoreFiles().map((x) => x.path)).toEqual(['elm-app-flat.vmdk', 'elm-app.vmdk']);
    const artifact = await c.finalize(
      { layer, taskId: '3', disk, machine: null, repositoryDir: path.join(dir, 'repo'), keepMachine: false, signal: new AbortController().signal },
      () => undefined,
    );
    expect(path.basename(artifact.location)).toBe('app.vmdk');
    await c.cleanup({ layer, taskId: '3', disk, machine: null, repositoryDir: path.join(dir, 'repo'), keepMachine: false, signal: new AbortController().signal }, () => undefined);
    expect(f.datastoreFiles()).toEqual([]);
    const folderCalls = f.requests.filter((r) => r.path.startsWith('/folder'));
    expect(new Set(folderCalls.map((r) => r.method))).toEqual(new Set(['PUT', 'HEAD', 'GET', 'DELETE']));
    for (const r of folderCalls) expect(new URL(r.url, f.url).searchParams.get('dcPath')).toBe('Europe/Lab/DC1');
    expect(folderCalls.every((r) => r.status !== undefined && r.status < 400)).toBe(true);
    // Resolved once per session: one walk up the folders per operation, not one per file.
    const walks = f.requests.filter((r) => r.url.startsWith('/api/vcenter/folder?type=DATACENTER'));
    expect(walks.length).toBeLessThanOrEqual(3); // createPackagingDisk, finalize, cleanup
  });

  it('finds the path when the account cannot see the root folder', async () => {
    const f = await fake();
    const session = await login(f);
    const visible = ((await request(f, '/api/vcenter/folder?type=DATACENTER', { session })).json<{ folder: string }[]>()).filter((x) => x.folder !== 'group-d1');
    f.fail({ method: 'GET', path: '/api/vcenter/folder?type=DATACENTER', status: 200, body: visible, times: 5 });
    const c = byName(await connector(f).test());
    expect(c.datacenter.detail).toContain('inventory path Europe/Lab/DC1');
    expect(c.datastore.ok).toBe(true);
  });
});

describe('answers that are not JSON, and a 404 that is not NOT_FOUND', () => {
  it('an HTML error page is a one-line error naming method, path, server and status', async () => {
    const f = await fake();
    f.fail({ method: 'GET', path: '/api/vcenter/datacenter', status: 502, headers: { 'content-type': 'text/html' }, times: 10,
      body: '<html>\n<head><title>502 Bad Gateway</title></head>\n<body><h1>Bad Gateway</h1>\n<p>upstream vcenter.lab is down</p></body></html>' });
    const checks = byName(await connector(f).test());
    expect(checks.datacenter.ok).toBe(false);
    expect(checks.datacenter.detail).toBe(`vCenter ${f.host}: GET /api/vcenter/datacenter: HTTP 502 (text/html): 502 Bad Gateway Bad Gateway upstream vcenter.lab is down`);
    expect(checks.datastore).toMatchObject({ ok: null, detail: expect.stringContaining('not checked') });
  });

  it('a 200 that is a proxy page, not JSON, is an error naming the request, never a JSON parse error', async () => {
    const f = await fake();
    f.fail({ method: 'GET', path: '/api/vcenter/host', status: 200, headers: { 'content-type': 'text/html' }, body: '<html><body>Please log in to the proxy</body></html>' });
    const checks = byName(await connector(f).test());
    expect(checks.host).toMatchObject({ ok: false, detail: `vCenter ${f.host}: GET /api/vcenter/host: HTTP 200 answered text/html, not JSON (is there a proxy in front of vCenter, or is this not vCenter 7.0 U2 or later?)` });
    expect(checks.host.detail).not.toMatch(/Unexpected token|JSON\.parse|SyntaxError/);
  });

  it('a plain 404 (no vAPI NOT_FOUND) does not make the packaging machine "absent"', async () => {
    const f = await fake({ inventory: { ...INVENTORY, vms: [{ name: 'pkg', folder: 'Packaging', powerState: 'POWERED_OFF' }] } });
    const vm = f.vm('pkg')!;
    const c = connector(f);
    const ref = { name: 'pkg', resources: { vm: vm.id } };
    const disk = { location: '[ds1] elm-x.vmdk', format: 'vmdk' as const, sizeBytes: 0, description: '' };
    expect(await c.machineStatus(ref, disk)).toBe('stopped');
    f.fail({ method: 'GET', path: new RegExp(`/api/vcenter/vm/${vm.id}/power`), status: 404, headers: { 'content-type': 'text/plain' }, body: 'Not Found' });
    await expect(c.machineStatus(ref, disk)).rejects.toThrow(`vCenter ${f.host}: GET /api/vcenter/vm/${vm.id}/power: HTTP 404 (text/plain): Not Found`);
    expect(await c.machineStatus({ name: 'gone', resources: { vm: 'vm-999999' } }, disk)).toBe('absent'); // vAPI NOT_FOUND: gone
  });
});

describe('the server: vCenter 7.0 Update 2 or later', () => {
  it('says plainly that a plain ESXi host is not vCenter', async () => {
    const f = await fake({ about: { apiType: 'HostAgent', version: '8.0.2' } });
    const checks = await connector(f).test();
    const c = byName(checks);
    expect(c.login).toMatchObject({ ok: false, detail: expect.stringContaining('POST /api/session (login as administrator@vsphere.local): HTTP 404 (text/html)') });
    expect(c.version).toMatchObject({ ok: false, detail: expect.stringContaining('VMware ESXi 8.0.2 build-22385739 is an ESXi host, not vCenter Server: elm needs vCenter Server 7.0 Update 2 or later') });
    expect(c.datacenter).toMatchObject({ ok: null, detail: 'not checked: the login failed' });
  });

  it('says plainly that vCenter 7.0 U1 is too old, and passes 7.0 U2', async () => {
    const old = byName(await connector(await fake({ about: { version: '7.0.1' } })).test());
    expect(old.version).toMatchObject({ ok: false, detail: expect.stringContaining('VMware vCenter Server 7.0.1 build-22385739 is older than vCenter 7.0 Update 2, which elm needs') });
    const u2 = byName(await connector(await fake({ about: { version: '7.0.2' } })).test());
    expect(u2.version).toMatchObject({ ok: true, detail: 'VMware vCenter Server 7.0.2 build-22385739 (7.0 Update 2 or later, as elm needs)' });
  });
});

describe('connector test shows every check', () => {
  it('in order, the datacenter with its inventory path and the datastore with file access', async () => {
    const f = await fake();
    const checks = await connector(f).test();
    expect(checks.map((c) => [c.name, c.ok])).toEqual([
      ['login', true], ['version', true], ['datacenter', true], ['datastore', true], ['host', true], ['network', true], ['folder', true], ['template', true], ['guest file transfers', null], ['guest account', true],
    ]);
    const c = byName(checks);
    expect(c.datacenter.detail).toMatch(/^DC1 \(datacenter-\d+, inventory path Europe\/Lab\/DC1\)$/);
    expect(c.datastore.detail).toContain('file access through /folder works (dcPath Europe/Lab/DC1)');
    expect(f.requests.some((r) => r.method === 'HEAD' && r.path === '/folder/' && r.url.includes('dsName=ds1'))).toBe(true);
  });

  it('no file access on the datastore fails the datastore check, naming the privileges', async () => {
    const f = await fake();
    f.fail({ method: 'HEAD', path: /^\/folder\/?\?/, status: 403, body: 'Forbidden' });
    const c = byName(await connector(f).test());
    expect(c.datastore).toMatchObject({ ok: false, detail: expect.stringContaining('grant Datastore > Browse datastore and Low level file operations on ds1') });
    expect(c.host.ok).toBe(true); // a miss is not a stop
  });

  it('after a check that could not run, the rest are listed as not checked, never folded into one line', async () => {
    const f = await fake();
    f.fail({ method: 'GET', path: '/api/vcenter/host', status: 500, times: 10 });
    const checks = await connector(f).test();
    expect(checks.map((c) => [c.name, c.ok])).toEqual([
      ['login', true], ['version', true], ['datacenter', true], ['datastore', true], ['host', false], ['network', null], ['folder', null], ['template', null], ['guest file transfers', null], ['guest account', true],
    ]);
    expect(byName(checks).network.detail).toBe('not checked: the host check could not run');
  });
});

describe("vCenter's list limit", () => {
  it('a miss on a large inventory says so without tripping the limit', async () => {
    const hosts = Array.from({ length: 6 }, (_, i) => `esx${i + 1}.lab`);
    const f = await fake({ listLimit: 4, inventory: { ...INVENTORY, hosts } });
    const c = byName(await connector(f, { host: 'esx9.lab' }).test());
    expect(c.host).toMatchObject({ ok: false, detail: 'no host named "esx9.lab" in datacenter DC1' });
    expect(c.network.ok).toBe(true);
    // The fake does enforce it: a list past the limit is vCenter's UNABLE_TO_ALLOCATE_RESOURCE.
    expect(f.requests.some((r) => r.path === '/api/vcenter/host' && !r.url.includes('names=') && r.status === 500)).toBe(true);
  });
});

describe('guest OS and firmware follow the OS layer version', () => {
  const disk = { location: '[ds1] elm-gos.vmdk', format: 'vmdk' as const, sizeBytes: MiB, description: '' };

  it('a new VM gets the guest OS and the firmware (an MBR disk: BIOS, not the EFI vSphere would pick)', async () => {
    const f = await fake();
    f.putDatastoreFile('DC1', 'ds1', 'elm-gos.vmdk', '# Disk DescriptorFile\ncreateType="vmfs"\nRW 2048 VMFS "elm-gos-flat.vmdk"\n');
    f.putDatastoreFile('DC1', 'ds1', 'elm-gos-flat.vmdk', Buffer.alloc(MiB));
    const c = connector(f);
    const m = await c.deployMachine!({ layer: { id: '1', name: 'gos', version: '1' }, taskId: '1', disk, os: { firmware: 'BIOS', guestOs: 'WINDOWS_SERVER_2019' } }, () => undefined);
    expect(f.vm(m.name)).toMatchObject({ guestOS: 'WINDOWS_SERVER_2019', firmware: 'BIOS', powerState: 'POWERED_ON' });
    expect(m.resources).toMatchObject({ firmware: 'BIOS', guestOs: 'WINDOWS_SERVER_2019' });
    const create = f.requests.find((r) => r.method === 'POST' && r.url === '/api/vcenter/vm');
    expect(create?.body).toMatchObject({ guest_OS: 'WINDOWS_SERVER_2019', boot: { type: 'BIOS' } });
  });

  it('a clone of an EFI template gets the firmware the OS layer disk needs', async () => {
    const f = await fake({ inventory: { ...INVENTORY, templates: [{ name: 'tpl', firmware: 'EFI' }] } });
    f.putDatastoreFile('DC1', 'ds1', 'elm-gos.vmdk', '# Disk DescriptorFile\ncreateType="vmfs"\nRW 2048 VMFS "elm-gos-flat.vmdk"\n');
    f.putDatastoreFile('DC1', 'ds1', 'elm-gos-flat.vmdk', Buffer.alloc(MiB));
    const m = await connector(f, { template: 'tpl' }).deployMachine!({ layer: { id: '1', name: 'gos', version: '1' }, taskId: '1', disk, os: { firmware: 'BIOS' } }, () => undefined);
    expect(f.vm(m.name)).toMatchObject({ firmware: 'BIOS', powerState: 'POWERED_ON' });
  });
});
