/**
 * The alternative auth: storage with the account key from the variable --account-key-env names
 * (account-signed read-only SAS for the link), ARM through DefaultAzureCredential (the AZURE_*
 * environment). Also: a raw OS disk (the VHD footer written by elm), an OS disk that is already a
 * blob (server-side copy), `machine deploy --no-wait`, and the lifecycle to a Deployable version
 * with nothing left behind and no secret anywhere. A storage account that disallows Shared Key
 * authorization is refused before anything is uploaded (Azurite itself takes the key: elm reads
 * the account's allowSharedKeyAccess through ARM).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { azuriteBlobService, fakeArmClients, uploadPageBlob } from '../support/azure';
import { makeOsDisk } from '../support/cli';
import {
  blobExists,
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
  probeStandIn,
  readBlob,
  report,
  RG,
  scratch,
  startCloud,
  VM,
} from './helpers';

let cloud: Cloud;
let e: Env;

beforeAll(async () => {
  cloud = await startCloud({ oauth: false });
  e = await scratch(cloud, 'elm-e2e-azure-key-');
  cloud.fake.onRunCommand('*', probeStandIn(() => []));
  cloud.fake.addStorageAccount('elmnokey', { resourceGroup: RG, location: LOCATION, allowSharedKeyAccess: false });
});

afterAll(async () => {
  const problems = { unhandled: cloud.fake.unhandled, internalErrors: cloud.fake.internalErrors.map((x) => x.message) };
  await cloud.stop();
  await e.cleanup();
  expect(problems).toEqual({ unhandled: [], internalErrors: [] });
});

const create = (name: string, osLayer: string) =>
  e.json(['layer', 'create', '--name', name, '--version', '2', '--os-layer', osLayer, '--connector', 'azk', '--purpose', 'publishing', '--hypervisor', 'azure', '--provisioning', 'mcs', '--broker', 'azurerdsh', '--disk-format', 'vhd', '--wait']);

test('account key auth: connector test, raw OS disk uploaded as a fixed VHD, account-signed read-only link', async () => {
  await e.json(connectorFlags(cloud, 'azk', ['--account-key-env', 'ELM_TEST_AZURE_STORAGE_KEY']));
  const t = await e.json(['connector', 'test', 'azk', '--fix']);
  expect(t.ok).toBe(true);
  expect(t.checks.find((c: Doc) => c.name === 'container').detail).toMatch(/account key from \$ELM_TEST_AZURE_STORAGE_KEY/);

  // The variable named but not set: a usage error naming it, before anything happens.
  const unset = await e.run(['connector', 'test', 'azk'], { env: { ELM_TEST_AZURE_STORAGE_KEY: '' } });
  expect(unset.stdout + unset.stderr).toMatch(/ELM_TEST_AZURE_STORAGE_KEY/);

  // A raw disk of 40 MiB + 4 KiB: elm pads it to 41 MiB and writes the footer itself.
  const raw = path.join(e.dir, 'os.raw');
  await makeOsDisk(raw, 40 * MiB + 4096, 'RAW-OS-LAYER', 3 * MiB);
  await e.json(['os-layer', 'import', '--name', 'rawos', '--version', '1', '--disk', raw]);
  const c = await create('rdsh', 'rawos');
  expect(c.task.state).toBe('ActionRequired');
  const blob = await readBlob(cloud.azurite, c.packagingDisk.location);
  expect(blob.length).toBe(41 * MiB + 512);
  expect(blob.subarray(3 * MiB, 3 * MiB + 12).toString()).toBe('RAW-OS-LAYER');
  expect(blob.subarray(41 * MiB, 41 * MiB + 8).toString()).toBe('conectix');

  const link = await e.json(['machine', 'deploy-link', 'rdsh', ...MACHINE_FLAGS]);
  const sasUrl = decodeURIComponent(link.link.split('/#create/Microsoft.Template/uri/')[1]);
  const q = new URL(sasUrl).searchParams;
  expect(q.get('sp')).toBe('r');
  expect(q.get('skoid')).toBeNull(); // signed with the account key, not a delegation key
  expect(Date.parse(q.get('se')!) - Date.now()).toBeGreaterThan(8 * 3600_000 - 120_000); // default 8h
  expect((await httpsRequest(sasUrl, cloud.fake.caPem)).status).toBe(200);
  expect((await httpsRequest(sasUrl, cloud.fake.caPem, 'PUT', '{}')).status).toBe(403);
}, 180_000);

test('machine deploy --no-wait, verify --shutdown, finalize: Deployable, nothing left, layer disk = machine disk', async () => {
  const started = await e.json(['machine', 'deploy', 'rdsh', ...MACHINE_FLAGS, '--no-wait']);
  expect(['Pending', 'Running', 'Complete']).toContain(started.task.state);
  const done = await e.json(['task', 'wait', started.task.id]);
  expect(done.state).toBe('Complete');
  expect((await e.json(['machine', 'status', 'rdsh'])).machine.status).toBe('running');

  await cloud.fake.writeDisk(RG, `${VM}-osdisk`, 7 * MiB, Buffer.alloc(MiB, 0x77));
  const v = await e.json(['verify', 'rdsh', '--shutdown']);
  expect(v).toMatchObject({ ready: true, shutdownRequested: true });
  const machineDisk = await cloud.fake.readDisk(RG, `${VM}-osdisk`);

  const f = await e.json(['finalize', 'rdsh', '--wait']);
  expect(f.version.state).toBe('Deployable');
  expect(Buffer.compare(await readBlob(cloud.azurite, f.artifact.location), machineDisk)).toBe(0);
  expect(cloud.fake.inventory({ tag: ['elm-layer', 'rdsh'] })).toEqual([]);
  expect(cloud.fake.inventory({ type: 'Microsoft.Compute/disks' })).toEqual([]);
}, 180_000);

test('an OS disk that is already a blob is checked and copied server-side', async () => {
  const vhd = e.osVhd;
  const source = await uploadPageBlob(cloud.azurite, 'elm', 'images/win2022.vhd', vhd);
  await e.json(['os-layer', 'import', '--name', 'blobos', '--version', '1', '--disk', source]);
  const c = await create('fromblob', 'blobos');
  expect(c.task.state).toBe('ActionRequired');
  expect(Buffer.compare(await readBlob(cloud.azurite, c.packagingDisk.location), vhd)).toBe(0);

  // Not a fixed VHD of N MiB + 512: refused before anything is copied.
  const bad = await uploadPageBlob(cloud.azurite, 'elm', 'images/odd.vhd', Buffer.alloc(3 * MiB, 1));
  await e.json(['os-layer', 'import', '--name', 'oddos', '--version', '1', '--disk', bad]);
  const r = await e.run(['layer', 'create', '--name', 'odd', '--version', '1', '--os-layer', 'oddos', '--connector', 'azk', '--disk-format', 'vhd', '--wait', '--json']);
  expectCode(r, 1);
  expect(JSON.parse(r.stdout).task.description).toMatch(/N MiB \+ 512|not a fixed VHD/);
  const odd = JSON.parse(r.stdout);
  expect(await blobExists(cloud.azurite, `${cloud.azurite.blobEndpoint}/elm/packaging/${odd.layer.id}/1/odd.vhd`)).toBe(false);

  // A fixed VHD whose footer checksum is wrong (one byte of the reserved area changed): refused
  // before the copy, as elm refuses the same file imported from disk.
  const damaged = Buffer.from(vhd);
  damaged[damaged.length - 100] ^= 1;
  const broken = await uploadPageBlob(cloud.azurite, 'elm', 'images/damaged.vhd', damaged);
  await e.json(['os-layer', 'import', '--name', 'damagedos', '--version', '1', '--disk', broken]);
  const d = await e.run(['layer', 'create', '--name', 'damaged', '--version', '1', '--os-layer', 'damagedos', '--connector', 'azk', '--disk-format', 'vhd', '--wait', '--json']);
  expectCode(d, 1);
  const dj = JSON.parse(d.stdout);
  expect(dj.task.description).toMatch(/damaged VHD footer \(bad checksum\)/);
  expect(await blobExists(cloud.azurite, `${cloud.azurite.blobEndpoint}/elm/packaging/${dj.layer.id}/1/damaged.vhd`)).toBe(false);
}, 180_000);

test('a machine deployed through the portal link (not by elm) is found by its tags: status, verify through Run Command, verify --report, finalize', async () => {
  const c = await create('portal', 'rawos');
  const link = await e.json(['machine', 'deploy-link', 'portal', '--machine-name', 'pkg-02', '--size', 'Standard_D2s_v3', '--vnet', 'elm-vnet', '--subnet', 'default']);
  const sasUrl = decodeURIComponent(link.link.split('/#create/Microsoft.Template/uri/')[1]);
  // What the portal's Custom deployment does with the link: deploy the template, parameters pre-filled.
  const { resources } = fakeArmClients(cloud.fake, { fastRetries: true });
  await resources.deployments.beginCreateOrUpdateAndWait(RG, 'Microsoft.Template-20261121', { properties: { mode: 'Incremental', templateLink: { uri: sasUrl } } });
  expect(cloud.fake.inventory({ tag: ['elm-layer', 'portal'] }).map((r) => r.name).sort()).toEqual(['pkg-02', 'pkg-02-nic', 'pkg-02-osdisk']);
  expect((await e.json(['machine', 'status', 'portal'])).machine.status).toBe('running');

  // verify finds the machine elm did not deploy by its tags and runs the probe through Run Command.
  cloud.fake.onRunCommand('pkg-02', () => report(['msiInProgress'], false));
  const blocked = await e.run(['verify', 'portal', '--json']);
  expectCode(blocked, 3);
  expect(JSON.parse(blocked.stdout).blockers.map((b: { id: string }) => b.id)).toEqual(['msiInProgress']);

  // The operator ran ShutdownForFinalize.ps1 -ReportPath … -Shutdown on the machine.
  cloud.fake.setPowerState(RG, 'pkg-02', 'stopped');
  const reportFile = path.join(e.dir, 'portal-report.json');
  await fs.writeFile(reportFile, report([], true));
  const v = await e.json(['verify', 'portal', '--report', reportFile]);
  expect(v.ready).toBe(true);
  const machineDisk = await cloud.fake.readDisk(RG, 'pkg-02-osdisk');
  // Something else the operator created for this version (tagged as the template tags), which
  // elm does not delete: cleanup finds it by its tags and fails loudly, naming it.
  const left = cloud.fake.addVirtualNetwork('portal-extra', { resourceGroup: RG, location: LOCATION, tags: { 'elm-layer-id': c.layer.id, 'elm-version': '2' } });
  const failed = await e.run(['finalize', 'portal', '--wait', '--json']);
  expectCode(failed, 1);
  const task = JSON.parse(failed.stdout).task;
  expect(task.state).toBe('Failed');
  expect(task.description).toMatch(/Cleanup left 1 resource tagged for this layer version/);
  expect(task.description).toContain(left.id);
  // The machine itself is gone; only the extra resource is left.
  expect(cloud.fake.inventory({ tag: ['elm-layer-id', c.layer.id] }).map((r) => r.name)).toEqual(['portal-extra']);
  await resources.resources.beginDeleteByIdAndWait(left.id, '2023-09-01');
  const f = await e.json(['task', 'resume', task.id]);
  expect(f.state).toBe('Complete');
  const shown = await e.json(['layer', 'show', 'portal']);
  expect(shown.versions[0].state).toBe('Deployable');
  expect(Buffer.compare(await readBlob(cloud.azurite, shown.versions[0].artifact.location), machineDisk)).toBe(0);
  expect(cloud.fake.inventory({ tag: ['elm-layer-id', c.layer.id] })).toEqual([]);
}, 240_000);

test('a storage account that disallows Shared Key authorization: connector test names it, layer create refuses with exit 2 before uploading', async () => {
  const flags = connectorFlags(cloud, 'nokey', ['--account-key-env', 'ELM_TEST_AZURE_STORAGE_KEY']);
  flags[flags.indexOf('--storage-account') + 1] = 'elmnokey';
  await e.json(flags);
  const t = await e.json(['connector', 'test', 'nokey'], 1);
  expect(t.ok).toBe(false);
  expect(t.checks.find((c: Doc) => c.name === 'shared key access')).toMatchObject({
    ok: false,
    detail: expect.stringMatching(/"elmnokey" disallows Shared Key authorization.*\$ELM_TEST_AZURE_STORAGE_KEY.*without --account-key-env.*allow storage account key access/),
  });
  // The account elm uses otherwise allows it: the check passes there.
  expect((await e.json(['connector', 'test', 'azk'])).checks.find((c: Doc) => c.name === 'shared key access')).toMatchObject({ ok: true });

  const blobs = async () => {
    const names: string[] = [];
    for await (const b of azuriteBlobService(cloud.azurite).getContainerClient('elm').listBlobsFlat()) names.push(b.name);
    return names.sort();
  };
  const before = await blobs();
  const r = await e.run(['layer', 'create', '--name', 'nokey', '--version', '1', '--os-layer', 'rawos', '--connector', 'nokey', '--disk-format', 'vhd', '--wait']);
  expectCode(r, 2);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.stderr).toMatch(/disallows Shared Key authorization \(allowSharedKeyAccess false\)/);
  expect(await blobs()).toEqual(before); // nothing uploaded
  expect((await e.json(['layer', 'list'])).map((l: Doc) => l.name)).not.toContain('nokey');
}, 180_000);

test('no secret (account key, client secret, writable SAS) in the state, logs, descriptions or outputs', async () => {
  await expectNoSecrets(e, cloud);
  const state = await fs.readFile(path.join(e.home, 'state.json'), 'utf8');
  expect(state).toContain('ELM_TEST_AZURE_STORAGE_KEY'); // the variable's name is what is stored
});
