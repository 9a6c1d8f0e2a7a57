/**
 * The seed's Azure flow through the real binary, with Microsoft Entra auth everywhere (Azurite
 * `--oauth basic` over HTTPS, the ARM/identity fake): connector add and test (with the location
 * mismatch), layer create with a sparse VHD uploaded as a page blob, the portal deploy link,
 * machine deploy, verify with blockers then clean, shutdown, finalize; nothing of the version
 * left in Azure, the layer's VHD byte-identical to the machine's disk, and no secret anywhere.
 */
import { stateBytes } from '../support/cli';
import { AZURITE_SAS_VERSION, azuriteBlobService } from '../support/azure';
import {
  blobExists,
  browserPreflight,
  Cloud,
  connectorFlags,
  Doc,
  Env,
  expectCode,
  expectNoSecrets,
  httpsRequest,
  LOCATION,
  MACHINE_FLAGS,
  MiB,
  OS_DATA,
  pageRanges,
  probeStandIn,
  readBlob,
  report,
  RG,
  scratch,
  startCloud,
  SUBNET,
  VM,
  VNET,
} from './helpers';

let cloud: Cloud;
let e: Env;
let blockers: string[] = ['ngenInProgress', 'postInstallReboot'];

const PORTAL = 'https://portal.azure.com';
/** A CORS rule the customer had before elm: --fix must keep it. */
const CUSTOMER_RULE = { allowedOrigins: 'https://intranet.example', allowedMethods: 'GET,PUT', allowedHeaders: '*', exposedHeaders: '*', maxAgeInSeconds: 60 };

beforeAll(async () => {
  cloud = await startCloud({ oauth: true });
  e = await scratch(cloud);
  cloud.fake.onRunCommand(VM, probeStandIn(() => blockers));
  await azuriteBlobService(cloud.azurite).setProperties({ cors: [CUSTOMER_RULE] });
});

afterAll(async () => {
  const problems = { unhandled: cloud.fake.unhandled, internalErrors: cloud.fake.internalErrors.map((x) => x.message) };
  await cloud.stop();
  await e.cleanup();
  expect(problems).toEqual({ unhandled: [], internalErrors: [] });
});

const secretAuth = () => ['--client-id', cloud.env.ELM_TEST_AZURE_CLIENT_ID, '--client-secret-env', 'ELM_TEST_AZURE_CLIENT_SECRET'];
let created: Doc;
let packagingDisk: string;

test('connector add and test: every check passes but the portal\'s CORS rule, which --fix adds later; the stored settings hold no secret', async () => {
  const add = await e.json(connectorFlags(cloud, 'az', secretAuth()));
  expect(add.name).toBe('az');
  const t = await e.json(['connector', 'test', 'az'], 1);
  expect(t.ok).toBe(false);
  expect(t.checks.filter((c: Doc) => c.ok !== true).map((c: Doc) => c.name)).toEqual(['portal link (Blob CORS)']);
  expect(t.checks.find((c: Doc) => c.name === 'portal link (Blob CORS)').detail).toMatch(/no Blob service CORS rule admits https:\/\/portal\.azure\.com \(GET, HEAD, OPTIONS\).*elm connector test az --fix/);
  const names = t.checks.map((c: Doc) => c.name);
  expect(names).toEqual(expect.arrayContaining(['credential', 'resource group', 'storage account', 'resource group location = storage account location', 'container', 'read-only links']));
  expect(t.checks.find((c: Doc) => c.name === 'storage account').detail).toMatch(/StorageV2.*westeurope/);
  // The secret came from the environment variable, not from the default credential chain.
  expect(cloud.fake.countRequests({ kind: 'identity' })).toBeGreaterThan(0);
});

test('a resource group in another region: connector test says so, layer create refuses (exit 2, nothing changed)', async () => {
  await e.json(connectorFlags(cloud, 'az-east', secretAuth(), 'elm-east'));
  const t = await e.run(['connector', 'test', 'az-east', '--json']);
  expectCode(t, 1);
  const check = JSON.parse(t.stdout).checks.find((c: Doc) => c.name === 'resource group location = storage account location');
  expect(check.ok).toBe(false);
  expect(check.detail).toMatch(/Resource group "elm-east" is in eastus but storage account "elmstore" is in westeurope.*fails to deploy/);

  await e.json(['os-layer', 'import', '--name', 'win', '--version', '1', '--disk', e.osDisk]);
  const before = await stateBytes(e.home);
  const r = await e.run(['layer', 'create', '--name', 'east', '--version', '1.0', '--os-layer', 'win', '--connector', 'az-east', '--purpose', 'packaging', '--hypervisor', 'azure', '--disk-format', 'vhd', '--wait']);
  expectCode(r, 2);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.stderr).toContain(check.detail);
  expect((await stateBytes(e.home))?.equals(before!)).toBe(true);
});

test('layer create uploads the sparse VHD as a page blob: only ranges with data are written', async () => {
  created = await e.json(['layer', 'create', '--name', 'azplat', '--version', '1.0', '--os-layer', 'win', '--connector', 'az', '--purpose', 'packaging', '--hypervisor', 'azure', '--disk-name', 'azplat', '--disk-format', 'vhd', '--wait']);
  expect(created.task).toMatchObject({ kind: 'CreatePackagingDisk', state: 'ActionRequired' });
  packagingDisk = created.packagingDisk.location;
  expect(packagingDisk).toBe(`${cloud.azurite.blobEndpoint}/elm/packaging/${created.layer.id}/1.0/azplat.vhd`);
  expect(created.task.description).toMatch(/^The packaging disk is ready: /);
  expect(created.task.description).toContain(packagingDisk);
  expect(created.task.description).not.toMatch(/\?/); // the location, never a SAS

  expect(Buffer.compare(await readBlob(cloud.azurite, packagingDisk), e.osVhd)).toBe(0);
  // 4 MiB ranges holding data (0, 8-12 MiB, 40-44 MiB) and the footer; the zeros between were never sent.
  const ranges = await pageRanges(cloud.azurite, packagingDisk);
  const covered = (at: number) => ranges.some(([s, end]) => s <= at && at < end);
  for (const r of OS_DATA) expect(covered(r.offset)).toBe(true);
  expect(covered(64 * MiB)).toBe(true);
  expect(covered(20 * MiB)).toBe(false);
  expect(ranges.reduce((n, [s, end]) => n + end - s, 0)).toBe(3 * 4 * MiB + 512);

  const status = await e.json(['disk', 'status', 'azplat']);
  expect(status.disk).toMatchObject({ format: 'vhd', location: packagingDisk, sizeBytes: 64 * MiB + 512 });
});

test('deploy-link: parameters checked first (exit 2 naming them), then the portal link to a read-only template', async () => {
  const bad = await e.run(['machine', 'deploy-link', 'azplat', '--machine-name', 'pkg_01.x']);
  expectCode(bad, 2);
  expect(bad.stderr).toMatch(/--size/);
  expect(bad.stderr).toMatch(/--vnet/);
  expect(bad.stderr).toMatch(/--subnet/);
  expect(bad.stderr).toMatch(/--machine-name "pkg_01.x".*must not contain "_", "\."/);
  for (const [name, why] of [['1234', /only digits/], ['pkg-', /hyphen/], ['much-too-long-name', /1 to 15/]] as const) {
    const r = await e.run(['machine', 'deploy-link', 'azplat', '--machine-name', name, '--size', 'Standard_D2s_v3', '--vnet', VNET, '--subnet', SUBNET]);
    expectCode(r, 2);
    expect(r.stderr).toMatch(why);
  }

  const started = Date.now();
  const link = await e.json(['machine', 'deploy-link', 'azplat', ...MACHINE_FLAGS, '--link-expiry', '2h']);
  const prefix = 'https://portal.azure.com/#create/Microsoft.Template/uri/';
  expect(link.link.startsWith(prefix)).toBe(true);
  const sasUrl = decodeURIComponent(link.link.slice(prefix.length));
  const u = new URL(sasUrl);
  expect(u.searchParams.get('sp')).toBe('r');
  expect(u.searchParams.get('skoid')).toBeTruthy(); // user-delegation SAS (Entra auth)
  expect(u.searchParams.get('sv')).toBe(AZURITE_SAS_VERSION);
  const expiry = Date.parse(u.searchParams.get('se')!);
  expect(expiry - started).toBeGreaterThan(2 * 3600_000 - 120_000);
  expect(expiry - started).toBeLessThan(2 * 3600_000 + 120_000);
  expect(link.parameters).toMatchObject({ machineName: VM, size: 'Standard_D2s_v3', virtualNetwork: VNET, subnet: SUBNET, resourceGroup: RG, packagingDisk });

  const fetched = await httpsRequest(sasUrl, cloud.fake.caPem);
  expect(fetched.status).toBe(200);
  const template = JSON.parse(fetched.text);
  expect(template.parameters.vmName).toMatchObject({ defaultValue: VM, maxLength: 15 });
  expect(template.parameters.vmSize.defaultValue).toBe('Standard_D2s_v3');
  expect(template.parameters.virtualNetworkName.defaultValue).toBe(VNET);
  expect(template.parameters.subnetName.defaultValue).toBe(SUBNET);
  expect(template.parameters.sourceVhdUri.defaultValue).toBe(packagingDisk);
  expect(template.parameters.resourceTags.defaultValue).toEqual({ 'elm-layer': 'azplat', 'elm-layer-id': created.layer.id, 'elm-version': '1.0', 'elm-task': created.task.id });
  expect(template.resources.map((r: Doc) => r.type)).toEqual(['Microsoft.Network/networkInterfaces', 'Microsoft.Compute/disks', 'Microsoft.Compute/virtualMachines']);
  expect(template.resources.every((r: Doc) => r.tags === "[parameters('resourceTags')]")).toBe(true);

  // The portal's browser is refused before elm's set-up (Azurite enforces CORS as Azure does) ...
  const before = await browserPreflight(sasUrl, cloud.fake.caPem, PORTAL);
  expect(before.status).toBe(403);
  expect(before.headers['access-control-allow-origin']).toBeUndefined();
  // ... connector test --fix adds the rule beside the customer's own rule ...
  const fixed = await e.json(['connector', 'test', 'az', '--fix']);
  expect(fixed.ok).toBe(true);
  expect(fixed.checks.find((c: Doc) => c.name === 'portal link (Blob CORS)').detail).toMatch(/added a Blob service CORS rule for https:\/\/portal\.azure\.com .*beside the existing rule/);
  const rules = (await azuriteBlobService(cloud.azurite).getProperties()).cors ?? [];
  expect(rules.map((r) => r.allowedOrigins)).toEqual([CUSTOMER_RULE.allowedOrigins, PORTAL]);
  // ... and the preflight now gets the allow headers; a second test finds the rule and adds nothing.
  const after = await browserPreflight(sasUrl, cloud.fake.caPem, PORTAL);
  expect(after.status).toBe(200);
  expect(after.headers['access-control-allow-origin']).toBe(PORTAL);
  expect(String(after.headers['access-control-allow-methods'])).toMatch(/GET/);
  expect((await e.json(['connector', 'test', 'az'])).ok).toBe(true);
  expect((await azuriteBlobService(cloud.azurite).getProperties()).cors).toHaveLength(2);

  // The link is read-only: writing through it is refused.
  const write = await httpsRequest(sasUrl, cloud.fake.caPem, 'PUT', '{"tampered":true}');
  expect(write.status).toBe(403);

  // The Packaging Disk task shows the link and the parameters.
  const task = await e.json(['task', 'show', created.task.id]);
  expect(task.description).toContain(`Deploy link: ${link.link}`);
  expect(task.description).toContain('"machineName":"pkg-01"');
});

test('machine deploy creates the tagged NIC, disk and VM; machine status reads the power state', async () => {
  const before = await e.json(['machine', 'status', 'azplat']);
  expect(before.machine.status).toBe('absent');
  const d = await e.json(['machine', 'deploy', 'azplat', ...MACHINE_FLAGS]);
  expect(d.task).toMatchObject({ kind: 'DeployMachine', state: 'Complete' });
  expect(d.machine.name).toBe(VM);
  expect(d.machine.resources).toMatchObject({ resourceGroup: RG, vmId: expect.stringMatching(/virtualMachines\/pkg-01$/), nicId: expect.stringMatching(/pkg-01-nic$/), diskId: expect.stringMatching(/pkg-01-osdisk$/) });
  const tagged = cloud.fake.inventory({ tag: ['elm-version', '1.0'] });
  expect(tagged.map((r) => r.type).sort()).toEqual(['Microsoft.Compute/disks', 'Microsoft.Compute/virtualMachines', 'Microsoft.Network/networkInterfaces']);
  expect(tagged.every((r) => r.tags['elm-layer'] === 'azplat' && r.tags['elm-task'] === created.task.id && r.location === LOCATION)).toBe(true);
  expect(Buffer.compare(await cloud.fake.readDisk(RG, `${VM}-osdisk`), e.osVhd)).toBe(0);
  expect((await e.json(['machine', 'status', 'azplat'])).machine.status).toBe('running');
});

let machineDisk: Buffer;

test('Run Command as Azure runs it: agent not Ready refused before running (exit 1, the fix); a report cut to the last 4,096 bytes is called truncated; a run past the limit is killed', async () => {
  // No VM Agent in the OS layer: elm reads the instance view first and says what to install.
  cloud.fake.setVmAgent(RG, VM, 'NotReady');
  const commands = cloud.fake.runCommands.length;
  const noAgent = await e.run(['verify', 'azplat']);
  expectCode(noAgent, 1);
  expect(noAgent.stderr).toMatch(/VM agent of pkg-01 is not Ready \(Not Ready\)/);
  expect(noAgent.stderr).toMatch(/install the Azure VM Agent in the OS layer/i);
  expect(cloud.fake.runCommands.length).toBe(commands); // Run Command was never asked
  cloud.fake.setVmAgent(RG, VM, 'Ready');

  // A report longer than Run Command's 4,096 bytes: its start is lost, and elm says so.
  const long = JSON.stringify({ schema: 1, machine: 'PKG-01', at: new Date().toISOString(), blockers: [], shutdownRequested: false, details: { padding: 'x'.repeat(6000) } });
  cloud.fake.onRunCommand(VM, () => ({ stdout: `${long}\n` }));
  const cut = await e.run(['verify', 'azplat']);
  expectCode(cut, 1);
  expect(cut.stderr).toMatch(/report truncated: 4096 bytes/);
  expect(cut.stderr).toMatch(/verify --report/);

  // Past Run Command's limit (shortened here from 90 minutes) the run is killed: exit 1, saying so.
  cloud.fake.configureRunCommand({ limitMs: 300 });
  cloud.fake.onRunCommand(VM, async () => {
    await new Promise((r) => setTimeout(r, 1500));
    return report([]);
  });
  const slow = await e.run(['verify', 'azplat']);
  expectCode(slow, 1);
  expect(slow.stderr).toMatch(/VMExtensionProvisioningTimeout|timed out/);
  cloud.fake.configureRunCommand({ limitMs: 90 * 60_000 });
  cloud.fake.onRunCommand(VM, probeStandIn(() => blockers));
  await new Promise((r) => setTimeout(r, 1500)); // the killed handler ends
});

test('verify runs the probe through Run Command: blockers exit 3; then clean, --shutdown deallocates', async () => {
  const v1 = await e.json(['verify', 'azplat'], 3);
  expect(v1.ready).toBe(false);
  expect(v1.blockers.map((b: Doc) => b.id).sort()).toEqual(['ngenInProgress', 'postInstallReboot']);
  const cmd = cloud.fake.runCommands.at(-1)!;
  expect(cmd.commandId).toBe('RunPowerShellScript');
  expect(cmd.script).toContain('ShutdownForFinalize');
  expect(cmd.parameters).toEqual({});
  // Run Command's copy of the probe is removed from the guest once its report is read, so a
  // machine the operator stops after any verify holds nothing of elm's.
  expect(cloud.fake.guestFiles(VM)).toEqual([]);
  const afterRun = cloud.fake.requests.slice(cloud.fake.requests.map((r) => /\/runCommand$/.test(r.path)).lastIndexOf(true));
  expect(afterRun.some((r) => r.method === 'DELETE' && /pkg-01\/extensions\/RunCommandWindows$/.test(r.path))).toBe(true);

  // Finalize is refused while blockers are recorded and the machine runs.
  const early = await e.run(['finalize', 'azplat', '--wait']);
  expectCode(early, 3);

  // The operator installs the platform software (the disk changes), reboots, NGen finishes.
  await cloud.fake.writeDisk(RG, `${VM}-osdisk`, 20 * MiB, Buffer.alloc(2 * MiB, 0x5a));
  blockers = [];
  const ngen = await e.json(['verify', 'azplat', '--expedite-ngen']);
  expect(ngen.ready).toBe(true);
  // A time budget for NGen that ends before Run Command's 90 minutes, so a report comes back.
  const ngenParams = cloud.fake.runCommands.at(-1)!.parameters;
  expect(ngenParams).toEqual({ ExpediteNGen: 'True', NGenWaitMinutes: expect.stringMatching(/^\d+$/) });
  expect(Number(ngenParams.NGenWaitMinutes)).toBeGreaterThan(0);
  expect(Number(ngenParams.NGenWaitMinutes)).toBeLessThan(90);
  expect((await e.json(['machine', 'status', 'azplat'])).machine.status).toBe('running');

  const v2 = await e.json(['verify', 'azplat', '--shutdown']);
  expect(v2).toMatchObject({ ready: true, shutdownRequested: true });
  // The probe runs WITHOUT -Shutdown (stopping the guest would stop the VM agent under Run
  // Command); after its clean report elm deallocates through ARM.
  expect(cloud.fake.runCommands.at(-1)!.parameters).toEqual({});
  const paths = cloud.fake.requests.map((r) => `${r.method} ${r.path}`);
  const lastRun = paths.map((p) => /POST .*\/runCommand$/.test(p)).lastIndexOf(true);
  expect(paths.slice(lastRun).some((p) => /POST .*pkg-01\/deallocate$/.test(p))).toBe(true);
  expect(cloud.fake.inventory({ type: 'Microsoft.Compute/virtualMachines' })[0].powerState).toBe('deallocated');
  expect((await e.json(['machine', 'status', 'azplat'])).machine.status).toBe('stopped');
  machineDisk = await cloud.fake.readDisk(RG, `${VM}-osdisk`);
  expect(machineDisk.subarray(20 * MiB, 20 * MiB + 16)).toEqual(Buffer.alloc(16, 0x5a));
});

test('finalize --wait captures the disk into the repository container and removes everything of the version', async () => {
  const f = await e.json(['finalize', 'azplat', '--wait']);
  expect(f.task.state).toBe('Complete');
  expect(f.version).toEqual({ name: '1.0', state: 'Deployable' });
  const layerDisk = f.artifact.location;
  expect(layerDisk).toBe(`${cloud.azurite.blobEndpoint}/elm/layers/${created.layer.id}/1.0/azplat.vhd`);
  expect(f.artifact.sha256).toBeNull();
  expect(Buffer.compare(await readBlob(cloud.azurite, layerDisk), machineDisk)).toBe(0);

  expect(cloud.fake.inventory({ tag: ['elm-version', '1.0'] })).toEqual([]);
  expect(cloud.fake.deployments().map((d) => d.name)).toEqual([]);
  expect(await blobExists(cloud.azurite, packagingDisk)).toBe(false);
  expect(await blobExists(cloud.azurite, packagingDisk.replace(/azplat\.vhd$/, 'packaging-machine.template.json'))).toBe(false);
  // The disk was exported (grant, copy) and access revoked before the disk was deleted.
  const paths = cloud.fake.requests.map((r) => `${r.method} ${r.path}`);
  const at = (re: RegExp) => paths.findIndex((p) => re.test(p));
  expect(at(/POST .*\/deallocate$/)).toBeGreaterThan(-1);
  expect(at(/beginGetAccess$/)).toBeLessThan(at(/endGetAccess$/));
  expect(at(/DELETE .*virtualMachines\/pkg-01$/)).toBeLessThan(at(/DELETE .*networkInterfaces\/pkg-01-nic$/));
  expect(at(/DELETE .*networkInterfaces\/pkg-01-nic$/)).toBeLessThan(at(/DELETE .*disks\/pkg-01-osdisk$/));
  expect(at(/DELETE .*disks\/pkg-01-osdisk$/)).toBeLessThan(at(/DELETE .*deployments\//));

  const show = await e.json(['layer', 'show', 'azplat']);
  expect(show.versions[0]).toMatchObject({ name: '1.0', state: 'Deployable' });
  const task = await e.json(['task', 'show', created.task.id]);
  expect(task.state).toBe('Complete');
});

test('no secret in the state file, the task logs, task descriptions or any output', async () => {
  await expectNoSecrets(e, cloud);
});
