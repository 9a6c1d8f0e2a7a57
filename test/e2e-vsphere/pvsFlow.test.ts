/**
 * The seed's flow (Create a Platform Layer, PVS) through the real binary: connector add vsphere
 * and pvs, an OS layer with IPv6 disabled, layer create with the PVS recipe (packaging disk on the
 * datastore), deploy-link, deploy, verify through guest operations until every PVS prerequisite
 * holds, verify --shutdown, finalize, Deployable; the VM gone, the disk in the layer repository,
 * no password anywhere.
 */
import { createHash } from 'node:crypto';
import { promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import type { VCenterFake } from '../support/vcenter';
import { expectCode, expectNoSecrets, guestReport, hasQemuImg, MARKER, MiB, qemuInfo, scratch, startFake, tcpListener, vsphereArgs, type Doc, type Env } from './helpers';

jest.setTimeout(120_000);

describe('PVS platform layer packaged in vSphere, end to end', () => {
  let fake: VCenterFake;
  let s: Env;
  let pvs: { port: number; close(): Promise<void> };
  /** What ShutdownForFinalize.ps1 reports in the guest at this point of the story. */
  let report = guestReport({});
  const probeRuns: string[] = [];

  beforeAll(async () => {
    fake = await startFake();
    pvs = await tcpListener();
    s = await scratch(fake, 64 * MiB);
    fake.onGuestProcess('*', (program, args, files) => {
      probeRuns.push(args);
      if (!/powershell\.exe$/i.test(program) || !files.has('C:\\Windows\\Temp\\ShutdownForFinalize.ps1')) return { exitCode: 1 };
      const reportPath = /-ReportPath\s+"([^"]+)"/.exec(args)?.[1];
      return { exitCode: 0, writeFiles: reportPath ? { [reportPath]: report } : {} };
    });
  });
  afterAll(async () => {
    await fake?.stop();
    await pvs?.close();
    await s?.cleanup();
  });

  const vmName = 'pvsplat-1-pkg';
  let createTaskId = '';

  it('adds and tests the vsphere and pvs connectors (passwords only in the environment)', async () => {
    const vs = await s.json(vsphereArgs(fake, 'vs'));
    expect(vs).toMatchObject({ name: 'vs', type: 'vsphere', server: fake.host, passwordEnv: 'ELM_VSPHERE_PASSWORD', guestUserEnv: 'ELM_GUEST_USER', template: 'win2019-tpl' });
    const vsTest = await s.json(['connector', 'test', 'vs']);
    expect(vsTest.ok).toBe(true);
    expect(vsTest.checks.map((c: Doc) => [c.name, c.ok])).toEqual([
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

    const p = await s.json([
      'connector', 'add', 'pvs', '--name', 'pvs', '--console', `127.0.0.1:${pvs.port}`, '--user', 'CORP\\svc-elm',
      '--site', 'Site1', '--store', 'Store1', '--license-mode', 'kms', '--server', `127.0.0.1:${pvs.port}=2203.0.0,agent,console`,
    ]);
    expect(p).toMatchObject({ type: 'pvs', passwordEnv: 'ELM_PVS_PASSWORD', licenseMode: 'kms', servers: [{ version: '2203.0.0', agent: true, console: true }] });
    const pTest = await s.run(['connector', 'test', 'pvs']);
    expectCode(pTest, 0);
    expect(vsTest.checks.find((c: Doc) => c.name === 'datacenter').detail).toContain('inventory path Region/DC1');
    // What only the configuration says is not verified (`?`), never passed.
    expect(pTest.stdout).toMatch(/\? server 127\.0\.0\.1:\d+ agent: App Layering agent declared installed and registered \(--server …,agent\): not verified/);
    expect(pTest.stdout).toMatch(/\? server 127\.0\.0\.1:\d+ console: PVS Console declared installed/);
    expect(pTest.stdout).toMatch(/\? server 127\.0\.0\.1:\d+ snap-in: not verified from here/);
    expect(pTest.stderr).toMatch(/could not be verified from here/);
  });

  it('creates the layer with the PVS recipe: the packaging disk is a vmfs VMDK with a flat extent on the datastore', async () => {
    expectCode(await s.run(['os-layer', 'import', '--name', 'win2019', '--version', '0', '--disk', s.osDisk, '--guest-os', 'windows 2019']), 2);
    const os = await s.json(['os-layer', 'import', '--name', 'win2019', '--version', '1', '--disk', s.osDisk, '--ipv6', 'disabled']);
    // No partition table read (a raw test disk): generation V1, so BIOS; the guest OS follows the name.
    expect(os.versions[0]).toMatchObject({ generation: 'V1', firmware: 'BIOS', guestOs: 'WINDOWS_SERVER_2019' });
    const created = await s.json([
      'layer', 'create', '--name', 'pvsplat', '--version', '1', '--os-layer', 'win2019', '--connector', 'vs', '--recipe', 'pvs',
      '--provisioning', 'pvs', '--broker', 'xenapp', '--disk-name', 'pvsplat', '--comment', 'PVS platform layer', '--wait',
    ]);
    expect(created).toMatchObject({ version: { name: '1', state: 'Editing' }, task: { kind: 'CreatePackagingDisk', state: 'ActionRequired' } });
    expect(created.task.description).toContain('The packaging disk is ready: [ds1] elm-pvsplat.vmdk');
    expect(created.task.description).toContain('elm machine deploy pvsplat ');
    createTaskId = created.task.id;

    const status = await s.json(['disk', 'status', 'pvsplat']);
    expect(status.disk).toMatchObject({ format: 'vmdk', location: '[ds1] elm-pvsplat.vmdk', sizeBytes: 64 * MiB });

    const files = fake.datastoreFiles().filter((f) => f.path.startsWith('elm-'));
    expect(files.map((f) => f.dsPath)).toEqual(['[ds1] elm-pvsplat-flat.vmdk', '[ds1] elm-pvsplat.vmdk']);
    const flat = readFileSync(files[0].localPath);
    expect(flat.length).toBe(64 * MiB);
    expect(flat.subarray(MiB, MiB + MARKER.length).toString()).toBe(MARKER);
    if (hasQemuImg) {
      const info = qemuInfo(files[1].localPath);
      expect(info).toMatchObject({ format: 'vmdk', 'virtual-size': 64 * MiB, 'format-specific': { type: 'vmdk', data: { 'create-type': 'vmfs', extents: [{ filename: expect.stringContaining('pvsplat-flat.vmdk'), format: 'VMFS' }] } } });
    }
    // The local work copy is gone once the disk is on the datastore.
    const work = await fs.readdir(path.join(s.home, 'work'), { recursive: true });
    expect(work.filter((f) => f.endsWith('.vmdk'))).toEqual([]);
  });

  it('deploy-link says where the machine will be, the vSphere Client URL and the manual restart', async () => {
    const link = await s.json(['machine', 'deploy-link', 'pvsplat']);
    expect(link.link).toContain(`VM ${vmName} in datacenter DC1, folder Packaging: not created yet`);
    expect(link.link).toContain(`https://${fake.host}/ui/`);
    expect(link.link).toContain('If a software installation requires a system restart, restart it manually');
    expect(link.parameters).toMatchObject({ datacenter: 'DC1', folder: 'Packaging', machineName: vmName, vmId: null, vsphereClientUrl: `https://${fake.host}/ui/`, disk: '[ds1] elm-pvsplat.vmdk' });
    // The Packaging Disk task's description carries it too, as the console's does.
    const task = await s.json(['task', 'show', createTaskId]);
    expect(task.description).toContain(`Deploy link: Packaging machine for "pvsplat" 1 on vCenter ${fake.host}:`);
  });

  it('deploys the packaging machine from the template with the packaging disk as its boot disk, powered on', async () => {
    const deployed = await s.json(['machine', 'deploy', 'pvsplat']);
    const vm = fake.vm(vmName)!;
    expect(deployed.task).toMatchObject({ kind: 'DeployMachine', state: 'Complete' });
    expect(deployed.machine).toMatchObject({ name: vmName, resources: { vm: vm.id, datacenter: expect.stringMatching(/^datacenter-/), folder: vm.folderId, disk: '[ds1] elm-pvsplat.vmdk' } });
    // ESXi (and so the fake) powers on only its own disk types: the vmfs descriptor passed.
    expect(vm).toMatchObject({ powerState: 'POWERED_ON', folder: 'Packaging', disks: [{ vmdkFile: '[ds1] elm-pvsplat.vmdk', createType: 'vmfs' }], nics: [{ network: 'VM Network' }] });
    // The template is EFI (vSphere's pick for Windows Server); the OS layer's disk needs BIOS, and gets it.
    expect(vm.firmware).toBe('BIOS');
    expect(deployed.machine.resources).toMatchObject({ firmware: 'BIOS' });
    expect(await s.json(['machine', 'status', 'pvsplat'])).toMatchObject({ machine: { name: vmName, status: 'running' } });
    expect((await s.json(['machine', 'deploy-link', 'pvsplat'])).link).toContain(`exists (${vm.id}, powered on)`);
  });

  it('verify runs the probe in the guest and blocks (exit 3) on each PVS prerequisite until it holds', async () => {
    report = guestReport({ ipv6Enabled: false, pvsTargetDeviceVersion: '7.15.0.11', kmsRearmed: true });
    const mismatch = await s.json(['verify', 'pvsplat'], 3);
    expect(mismatch.blockers.map((b: Doc) => b.id)).toEqual(['pvsTargetDeviceMismatch']);
    expect(mismatch.blockers[0].message).toContain('7.15.0.11');
    expect(mismatch.blockers[0].message).toContain('2203.0.0');
    expect(mismatch.source).toBe(`vsphere machine ${vmName}`);
    expect(probeRuns.at(-1)).toMatch(/-File "C:\\Windows\\Temp\\ShutdownForFinalize\.ps1" -ReportPath "C:\\Windows\\Temp\\elm-integrity-\d+\.json"$/);

    report = guestReport({ ipv6Enabled: false, pvsTargetDeviceVersion: null, kmsRearmed: true });
    const missing = await s.run(['verify', 'pvsplat']);
    expectCode(missing, 3);
    expect(missing.stdout).toContain('The PVS Target Device software is not installed on the Packaging Machine - install version 2203.0.0');

    report = guestReport({ ipv6Enabled: false, pvsTargetDeviceVersion: '2203.0.0', kmsRearmed: null });
    const kms = await s.json(['verify', 'pvsplat'], 3);
    expect(kms.blockers).toEqual([expect.objectContaining({ id: 'kmsRearmPending', remedy: expect.stringContaining('slmgr /rearm') })]);

    report = guestReport({ ipv6Enabled: false, pvsTargetDeviceVersion: '2203.0.0', kmsRearmed: true }, ['ngenInProgress']);
    const ngen = await s.json(['verify', 'pvsplat', '--expedite-ngen', '--shutdown'], 3);
    expect(ngen.blockers.map((b: Doc) => b.id)).toEqual(['ngenInProgress']);
    expect(probeRuns.at(-1)).toMatch(/-ExpediteNGen$/);
    expect(fake.vm(vmName)!.powerState).toBe('POWERED_ON'); // never shut down with a blocker

    // Clean: IPv6 disabled on the machine is the OS layer's (disabled there), not a blocker.
    report = guestReport({ ipv6Enabled: false, pvsTargetDeviceVersion: '2203.0.0', kmsRearmed: true });
    const clean = await s.json(['verify', 'pvsplat']);
    expect(clean).toMatchObject({ ready: true, blockers: [], shutdownRequested: false });
  });

  it('finalize refuses while the machine runs; verify --shutdown shuts it down', async () => {
    const early = await s.run(['finalize', 'pvsplat']);
    expectCode(early, 3);
    expect(early.stderr).toContain('the packaging machine is running, not stopped');

    const shut = await s.json(['verify', 'pvsplat', '--shutdown']);
    expect(shut).toMatchObject({ ready: true, shutdownRequested: true });
    expect(fake.vm(vmName)!.powerState).toBe('POWERED_OFF');
    expect(await s.json(['machine', 'status', 'pvsplat'])).toMatchObject({ machine: { status: 'stopped' } });
    const shown = await s.json(['layer', 'show', 'pvsplat']);
    expect(shown.versions[0].state).toBe('Finalizable');
  });

  it('finalize copies the disk into the layer repository, deletes the VM and the datastore files: Deployable', async () => {
    const flatOnDatastore = readFileSync(fake.datastoreFiles().find((f) => f.path === 'elm-pvsplat-flat.vmdk')!.localPath);
    const done = await s.json(['finalize', 'pvsplat', '--wait', '--comment', 'PVS tools installed']);
    expect(done).toMatchObject({ task: { kind: 'Finalize', state: 'Complete' }, version: { name: '1', state: 'Deployable' } });
    expect(fake.vm(vmName)).toBeUndefined();
    expect(fake.vms().map((v) => v.name)).toEqual(['win2019-tpl']);
    expect(fake.datastoreFiles().filter((f) => f.path.startsWith('elm-') || f.path.startsWith(`${vmName}/`))).toEqual([]);

    const artifact = done.artifact;
    expect(artifact).toMatchObject({ format: 'vmdk', sizeBytes: 64 * MiB, location: expect.stringMatching(/repository.*pvsplat\.vmdk$/) });
    const repoFlat = path.join(path.dirname(artifact.location), 'pvsplat-flat.vmdk');
    const copied = readFileSync(repoFlat);
    expect(copied.equals(flatOnDatastore)).toBe(true);
    expect(artifact.sha256).toBe(createHash('sha256').update(copied).digest('hex'));
    expect(copied.subarray(MiB, MiB + MARKER.length).toString()).toBe(MARKER);
    expect((await fs.stat(repoFlat)).blocks * 512).toBeLessThan(8 * MiB); // sparse in the repository
    if (hasQemuImg) expect(qemuInfo(artifact.location)).toMatchObject({ format: 'vmdk', 'virtual-size': 64 * MiB, 'format-specific': { data: { 'create-type': 'monolithicFlat' } } });

    const shown = await s.json(['layer', 'show', 'pvsplat']);
    expect(shown.versions[0]).toMatchObject({ name: '1', state: 'Deployable' });
    expect(shown.audit.map((a: Doc) => a.action)).toContain('Finalize');
    const tasks = await s.json(['task', 'list', '--all']);
    expect(tasks.find((t: Doc) => t.kind === 'CreatePackagingDisk')).toMatchObject({ state: 'Complete' });
    expect(fake.sessionCount()).toBe(0); // every command logged out
  });

  it('never writes or prints a password', async () => {
    await expectNoSecrets(s);
  });
});
