/**
 * The vsphere connector in this process against the vCenter fake: every Connector method, the
 * disk representation ESXi powers on, retries (503, dropped transfers resumed), an expired
 * session, a content-library template, and the checks of `connector test`.
 */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { promises as fs, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Connector, DiskLocation, FinalizeRequest, MachineRef } from '../../src/connectors/connector';
import { createVsphereConnector } from '../../src/connectors/vsphere/vsphereConnector';
import type { VsphereSettings } from '../../src/connectors/vsphere/settings';
import type { ConnectorConfig } from '../../src/domain/state';
import { NotReadyError } from '../../src/domain/errors';
import { startVCenterFake, vmfsDescriptor, type VCenterFake } from '../support/vcenter';

const MiB = 1024 * 1024;
const ADMIN = 'administrator@vsphere.local';
const ADMIN_PW = 'Vc-Secret1!';
const GUEST = 'Administrator';
const GUEST_PW = 'Guest-Pw1!';
const ENV = { ELM_VSPHERE_PASSWORD: ADMIN_PW, ELM_GUEST_USER: GUEST, ELM_GUEST_PASSWORD: GUEST_PW };

const hasQemuImg = (() => {
  try {
    execFileSync('qemu-img', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

function settings(over: Partial<VsphereSettings> = {}): VsphereSettings {
  return {
    server: '',
    user: ADMIN,
    passwordEnv: 'ELM_VSPHERE_PASSWORD',
    datacenter: 'DC1',
    datastore: 'ds1',
    host: 'esx1.lab',
    network: 'VM Network',
    folder: 'Packaging',
    template: 'win2019-tpl',
    guestUserEnv: 'ELM_GUEST_USER',
    guestPasswordEnv: 'ELM_GUEST_PASSWORD',
    ...over,
  };
}

function reportFor(details: Record<string, unknown>, blockers: string[] = []) {
  return JSON.stringify({ schema: 1, machine: 'PKG', at: '2026-11-21T10:00:00Z', blockers, shutdownRequested: false, details });
}

describe('vsphere connector against the vCenter fake', () => {
  let fake: VCenterFake;
  let dir: string;
  let osDisk: string;
  let guestReport = reportFor({ ipv6Enabled: false, pvsTargetDeviceVersion: '2203.0.0', kmsRearmed: true });

  const connector = (over: Partial<VsphereSettings> = {}, env: NodeJS.ProcessEnv = ENV): Connector =>
    createVsphereConnector(
      { id: '7', name: 'vs', type: 'vsphere', createdAt: '2026-01-01T00:00:00Z', settings: { ...settings({ server: fake.host, ...over }) } } as ConnectorConfig,
      { home: path.join(dir, 'home'), env },
      { ca: fake.caPem, retryBaseMs: 5, toolsTimeoutMs: 2000 },
    );

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'elm-vsphere-'));
    osDisk = path.join(dir, 'os.raw');
    const fh = await fs.open(osDisk, 'w');
    await fh.truncate(8 * MiB);
    await fh.write(Buffer.from('ELM-OS-LAYER-BYTES'), 0, 18, MiB);
    await fh.write(Buffer.alloc(MiB, 0x5a), 0, MiB, 3 * MiB);
    await fh.close();
    fake = await startVCenterFake({
      users: { [ADMIN]: ADMIN_PW },
      guestUsers: { [GUEST]: GUEST_PW },
      inventory: { datacenters: ['Europe/Lab/DC1'], datastores: ['ds1'], hosts: ['esx1.lab'], networks: ['VM Network', 'Other Net'], folders: ['Packaging'] },
    });
    fake.putDatastoreFile('DC1', 'ds1', 'templates/tpl.vmdk', vmfsDescriptor(MiB, 'tpl-flat.vmdk'));
    fake.putDatastoreFile('DC1', 'ds1', 'templates/tpl-flat.vmdk', Buffer.alloc(MiB));
    fake.inventory({ templates: [{ name: 'win2019-tpl', disks: ['[ds1] templates/tpl.vmdk'], network: 'Other Net' }, { name: 'Golden', kind: 'library', disks: ['[ds1] templates/tpl.vmdk'] }] });
    fake.onGuestProcess('*', (_p, args) => {
      const reportPath = /-ReportPath\s+"([^"]+)"/.exec(args)?.[1];
      return { exitCode: 0, writeFiles: reportPath ? { [reportPath]: guestReport } : {} };
    });
  });
  afterAll(async () => {
    await fake.stop();
    await fs.rm(dir, { recursive: true, force: true });
  });

  const layer = { id: '3', name: 'pvsplat', version: '1' };
  let disk: DiskLocation;
  let machine: MachineRef;

  it('writes the packaging disk locally, uploads a flat extent and a vmfs descriptor, retrying a dropped upload', async () => {
    const c = connector();
    fake.drop({ method: 'PUT', path: /-flat\.vmdk/, afterBytes: 2 * MiB });
    fake.fail({ method: 'GET', path: '/api/vcenter/datastore', status: 503, headers: { 'retry-after': '0' } });
    const req = { layer, taskId: '4', osDisk: { location: osDisk, format: 'raw' as const, sizeBytes: 8 * MiB }, diskName: 'pvsplat', format: 'vmdk' as const };
    expect(c.packagingDiskLocation(req)).toBe('[ds1] elm-pvsplat.vmdk');
    const seen: string[] = [];
    const uploadBytes: { done: number; total: number }[] = [];
    disk = await c.createPackagingDisk({ ...req, signal: new AbortController().signal }, (f, m, bytes) => {
      if (m) seen.push(m);
      if (bytes && f > 0.2) uploadBytes.push(bytes); // the upload's share: --wait shows its rate and time left
    });
    expect(disk).toMatchObject({ location: '[ds1] elm-pvsplat.vmdk', format: 'vmdk', sizeBytes: 8 * MiB });
    expect(disk.description).toContain('[ds1] elm-pvsplat.vmdk');
    expect(disk.description).toContain(' Next:');
    expect(seen.some((m) => /retrying the upload/.test(m))).toBe(true);
    expect(uploadBytes.length).toBeGreaterThan(0);
    expect(uploadBytes.every((b) => b.total === 8 * MiB && b.done <= b.total)).toBe(true);
    const files = fake.datastoreFiles().filter((f) => f.path.startsWith('elm-'));
    expect(files.map((f) => [f.path, f.size])).toEqual([
      ['elm-pvsplat-flat.vmdk', 8 * MiB],
      ['elm-pvsplat.vmdk', expect.any(Number)],
    ]);
    const flat = readFileSync(files[0].localPath);
    expect(flat.subarray(MiB, MiB + 18).toString()).toBe('ELM-OS-LAYER-BYTES');
    expect(readFileSync(files[1].localPath, 'utf8')).toMatch(/createType="vmfs"[\s\S]*RW 16384 VMFS "elm-pvsplat-flat.vmdk"/);
    // The work folder under ELM_HOME is gone once the disk is on the datastore.
    await expect(fs.readdir(path.join(dir, 'home', 'work', 'vsphere-7'))).resolves.toEqual([]);
    if (hasQemuImg) {
      const info = JSON.parse(execFileSync('qemu-img', ['info', '--output=json', files[1].localPath], { encoding: 'utf8' }));
      expect(info).toMatchObject({ format: 'vmdk', 'virtual-size': 8 * MiB, 'format-specific': { data: { 'create-type': 'vmfs' } } });
    }
  });

  it('deploy-link says where the machine will be, then deploys it from the template without its disks, and powers it on', async () => {
    const c = connector();
    const link = await c.deployLink({ layer, taskId: '4', disk });
    expect(link.link).toContain('VM pvsplat-1-pkg in datacenter DC1, folder Packaging: not created yet');
    expect(link.link).toContain('restart it manually');
    expect(link.parameters).toMatchObject({ vsphereClientUrl: `https://${fake.host}/ui/`, vmId: null, machineName: 'pvsplat-1-pkg' });

    await expect(c.preflight!({ layer, taskId: '4', disk, machineName: 'a/b' })).rejects.toThrow(/--machine-name "a\/b"/);
    fake.fail({ method: 'POST', path: '/api/vcenter/vm?action=clone', status: 503 });
    const recorded: { vm: unknown; power: string | undefined }[] = [];
    machine = await c.deployMachine!({ layer, taskId: '4', disk }, () => undefined, async (m) => {
      recorded.push({ vm: m.resources.vm, power: fake.vm(m.name)?.powerState });
    });
    const vm = fake.vm('pvsplat-1-pkg')!;
    // The VM id reached the state before the disk was attached and the VM powered on.
    expect(recorded).toEqual([{ vm: vm.id, power: 'POWERED_OFF' }]);
    expect(machine).toMatchObject({ name: 'pvsplat-1-pkg', resources: { vm: vm.id, disk: '[ds1] elm-pvsplat.vmdk', datacenterName: 'DC1', folderName: 'Packaging' } });
    expect(vm).toMatchObject({ powerState: 'POWERED_ON', folder: 'Packaging', disks: [{ vmdkFile: '[ds1] elm-pvsplat.vmdk', createType: 'vmfs' }], nics: [{ network: 'VM Network' }] });
    expect(fake.requests.filter((r) => r.url === '/api/vcenter/vm?action=clone&vmw-task=true').map((r) => r.status)).toEqual([503, 200]);
    expect(await c.machineStatus(machine, disk)).toBe('running');

    // Again (a resumed task): the same VM is used, nothing new is created.
    const again = await c.deployMachine!({ layer, taskId: '4', disk }, () => undefined);
    expect(again.resources.vm).toBe(vm.id);
    expect(fake.vms().filter((v) => v.name === 'pvsplat-1-pkg')).toHaveLength(1);
    expect((await c.deployLink({ layer, taskId: '4', disk })).link).toContain(`exists (${vm.id}, powered on)`);
  });

  it('runs the probe through guest operations, with a new login after the session expired; shuts down only a clean machine', async () => {
    const c = connector();
    guestReport = reportFor({ ipv6Enabled: false }, ['ngenInProgress']);
    fake.expireSessions();
    const blocked = await c.probeIntegrity!(machine, { expediteNgen: true, shutdown: true });
    expect(JSON.parse(blocked)).toMatchObject({ blockers: ['ngenInProgress'], shutdownRequested: false });
    expect(fake.vm('pvsplat-1-pkg')!.powerState).toBe('POWERED_ON');
    const proc = fake.guestProcesses().at(-1)!;
    expect(proc.path).toBe('C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe');
    expect(proc.args).toMatch(/-File "C:\\Windows\\Temp\\ShutdownForFinalize.ps1" -ReportPath "C:\\Windows\\Temp\\elm-integrity-\d+\.json" -ExpediteNGen$/);
    // The probe ran from that file and elm deleted it once the report was read: nothing of elm's stays in the layer.
    expect(fake.guestFiles('pvsplat-1-pkg').text('C:\\Windows\\Temp\\ShutdownForFinalize.ps1')).toBeUndefined();

    guestReport = reportFor({ ipv6Enabled: false, pvsTargetDeviceVersion: '2203.0.0', kmsRearmed: true });
    const clean = await c.probeIntegrity!(machine, { expediteNgen: false, shutdown: true });
    expect(JSON.parse(clean)).toMatchObject({ blockers: [], shutdownRequested: true });
    expect(fake.vm('pvsplat-1-pkg')!.powerState).toBe('POWERED_OFF');
    expect(await c.machineStatus(machine, disk)).toBe('stopped');
    await expect(c.probeIntegrity!(machine, { expediteNgen: false, shutdown: false })).rejects.toThrow(/powered off.*--report/);
  });

  it('refuses the probe without the guest account, naming the variables', async () => {
    const c = connector({}, { ELM_VSPHERE_PASSWORD: ADMIN_PW });
    await expect(c.probeIntegrity!(machine, { expediteNgen: false, shutdown: false })).rejects.toThrow(/export ELM_GUEST_USER and ELM_GUEST_PASSWORD/);
  });

  it('finalize refuses (not ready) while a snapshot backs the disk, reading nothing; captures once it is deleted', async () => {
    const c = connector();
    const repositoryDir = path.join(dir, 'home', 'repository', '3', 'snap');
    fake.takeSnapshot('pvsplat-1-pkg');
    const req: FinalizeRequest = { layer, taskId: '8', disk, machine, repositoryDir, keepMachine: false, signal: new AbortController().signal };
    const seen = fake.requests.length;
    const refused = await c.finalize(req, () => undefined).catch((e: Error) => e);
    expect(refused).toBeInstanceOf(NotReadyError);
    expect((refused as Error).message).toMatch(/^The packaging machine pvsplat-1-pkg is backed by \[ds1\] pvsplat-1-pkg\/elm-pvsplat-000001\.vmdk, not the packaging disk \[ds1\] elm-pvsplat\.vmdk: .*Delete or consolidate/);
    expect(fake.requests.slice(seen).filter((r) => r.path.startsWith('/folder'))).toEqual([]);
    expect(await c.captureBlockers!(machine, disk)).toEqual([expect.stringContaining('a snapshot holds the work installed since it was taken')]);
    fake.deleteAllSnapshots('pvsplat-1-pkg');
    expect(await c.captureBlockers!(machine, disk)).toEqual([]);
  });

  it('captures the disk (a dropped download resumed with Range) and then deletes the VM and the datastore files', async () => {
    const c = connector();
    const repositoryDir = path.join(dir, 'home', 'repository', '3', '1');
    fake.drop({ method: 'GET', path: /pvsplat-flat\.vmdk/, afterBytes: 3 * MiB + 100 });
    const req: FinalizeRequest = { layer, taskId: '9', disk, machine, repositoryDir, keepMachine: false, signal: new AbortController().signal };
    const artifact = await c.finalize(req, () => undefined);
    const flat = readFileSync(path.join(repositoryDir, 'pvsplat-flat.vmdk'));
    const original = readFileSync(fake.datastoreFiles().find((f) => f.path === 'elm-pvsplat-flat.vmdk')!.localPath);
    expect(flat.equals(original)).toBe(true);
    expect(artifact).toEqual({
      location: path.join(repositoryDir, 'pvsplat.vmdk'),
      format: 'vmdk',
      sizeBytes: 8 * MiB,
      sha256: createHash('sha256').update(original).digest('hex'),
    });
    const ranges = fake.requests.filter((r) => /pvsplat-flat\.vmdk/.test(r.path) && r.method === 'GET').map((r) => r.headers.range);
    expect(ranges).toEqual([undefined, expect.stringMatching(/^bytes=\d+-$/)]);
    expect((await fs.readdir(repositoryDir)).sort()).toEqual(['pvsplat-flat.vmdk', 'pvsplat.vmdk']);
    // Sparse: the zero blocks were not written.
    const st = await fs.stat(path.join(repositoryDir, 'pvsplat-flat.vmdk'));
    expect(st.blocks * 512).toBeLessThan(4 * MiB);

    await c.cleanup(req, () => undefined);
    expect(fake.vm('pvsplat-1-pkg')).toBeUndefined();
    expect(fake.datastoreFiles().filter((f) => f.path.startsWith('elm-'))).toEqual([]);
    expect(fake.datastoreFiles().map((f) => f.path)).toContain('templates/tpl-flat.vmdk'); // the template keeps its disk
    await c.cleanup(req, () => undefined); // gone is done
    expect(await c.machineStatus(machine, disk)).toBe('absent');
    expect(fake.sessionCount()).toBe(0); // every session logged out
  });

  it('deploys from a content-library template, dropping the copied disk', async () => {
    const c = connector({ template: 'Golden' });
    const req = { layer: { ...layer, version: '2' }, taskId: '5', osDisk: { location: osDisk, format: 'raw' as const, sizeBytes: 8 * MiB }, diskName: 'lib', format: 'vmdk' as const };
    const d = await c.createPackagingDisk({ ...req, signal: new AbortController().signal }, () => undefined);
    const m = await c.deployMachine!({ layer: req.layer, taskId: '5', disk: d }, () => undefined);
    expect(fake.vm(m.name)).toMatchObject({ powerState: 'POWERED_ON', disks: [{ vmdkFile: '[ds1] elm-lib.vmdk' }] });
    // The deploy copied the template's disk next to the VM; it was detached and deleted.
    expect(fake.datastoreFiles().filter((f) => f.path.startsWith(`${m.name}/`) && f.path.endsWith('.vmdk'))).toEqual([]);
    fake.setPowerState(m.name, 'POWERED_OFF');
    const req2: FinalizeRequest = { layer: req.layer, taskId: '6', disk: d, machine: m, repositoryDir: path.join(dir, 'repo2'), keepMachine: true, signal: new AbortController().signal };
    // A datastore endpoint without HEAD: the size comes from a ranged GET.
    fake.fail({ method: 'HEAD', path: /lib-flat\.vmdk/, status: 405 });
    const artifact = await c.finalize(req2, () => undefined);
    expect(artifact).toMatchObject({ location: path.join(dir, 'repo2', 'lib.vmdk'), sizeBytes: 8 * MiB });
    expect(fake.requests.filter((r) => /lib-flat\.vmdk/.test(r.path) && r.method !== 'PUT').map((r) => [r.method, r.headers.range, r.status])).toEqual([
      ['HEAD', undefined, 405],
      ['GET', 'bytes=0-0', 206],
      ['GET', undefined, 200],
    ]);
    await c.cleanup(req2, () => undefined);
    expect(fake.vm(m.name)).toBeDefined(); // --keep-machine: the VM stays, and so does the disk it boots from
    expect(fake.datastoreFiles().map((f) => f.path)).toContain('elm-lib-flat.vmdk');
  });

  it('preflight (layer create): a wrong name is exit 2 with the right spelling, before anything is created', async () => {
    await expect(connector().preflight!()).resolves.toBeUndefined();
    const e = await connector({ datastore: 'DS1' }).preflight!().catch((x: Error & { exitCode?: number }) => x);
    expect(e).toMatchObject({ exitCode: 2, message: expect.stringContaining('vSphere --datastore: no datastore named "DS1" in datacenter DC1; names are case-sensitive: did you mean "ds1"?') });
    const pw = await connector({}, { ...ENV, ELM_VSPHERE_PASSWORD: 'x' }).preflight!().catch((x: Error & { exitCode?: number }) => x);
    expect(pw).toMatchObject({ exitCode: 2, message: expect.stringContaining('invalid user name or password') });
  });

  it('connector test: each check, names case-sensitive', async () => {
    const ok = await connector().test();
    expect(ok.map((c) => [c.name, c.ok])).toEqual([
      ['login', true],
      ['version', true],
      ['datacenter', true],
      ['datastore', true],
      ['host', true],
      ['network', true],
      ['folder', true],
      ['template', true],
      ['guest file transfers', null],
      ['guest account', true],
    ]);
    const wrong = await connector({ datastore: 'DS1', host: 'esx9', network: 'vm network', folder: 'packaging', template: 'WIN2019-TPL' }).test();
    const byName = Object.fromEntries(wrong.map((c) => [c.name, c]));
    expect(byName.datastore).toMatchObject({ ok: false, detail: expect.stringContaining('did you mean "ds1"') });
    expect(byName.host).toMatchObject({ ok: false, detail: expect.stringContaining('"esx1.lab"') });
    expect(byName.network.detail).toContain('did you mean "VM Network"');
    expect(byName.folder.detail).toContain('did you mean "Packaging"');
    expect(byName.template.detail).toContain('did you mean "win2019-tpl"');
    const noDc = await connector({ datacenter: 'dc1' }).test();
    expect(noDc.map((c) => c.ok)).toEqual([true, true, false, null, null, null, null, null, null, true]);
    const badPw = await connector({}, { ...ENV, ELM_VSPHERE_PASSWORD: 'nope' }).test();
    expect(badPw[0]).toMatchObject({ name: 'login', ok: false, detail: expect.stringContaining('invalid user name or password') });
    expect(JSON.stringify(badPw)).not.toContain('nope');
    const noPw = await connector({}, {}).test();
    expect(noPw[0].detail).toContain('export ELM_VSPHERE_PASSWORD');
    expect(noPw.at(-1)).toMatchObject({ name: 'guest account', ok: null });
  });
});
