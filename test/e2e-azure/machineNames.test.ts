/**
 * Machine names on Azure, through the real binary against Azurite and the ARM fake (which, as
 * Azure, refuses a deployment that gives an existing disk another source): the default name is
 * unique per version, so version 2's deploy beside version 1's machine leaves it untouched; a
 * name whose VM, NIC or disk exists without this version's tags is refused (exit 5, naming the
 * resource and its tags) with nothing created or deleted; a failed deployment's clean-up deletes
 * only what is tagged for the version, never a same-named resource that appeared meanwhile.
 */
import { fakeArmClients, makeFixedVhd, packagingVmTemplate, uploadPageBlob } from '../support/azure';
import { stateBytes } from '../support/cli';
import { Cloud, connectorFlags, Doc, Env, expectCode, MiB, RG, scratch, startCloud, SUBNET, VNET } from './helpers';

let cloud: Cloud;
let e: Env;
const SLOW = 240_000;
const MACHINE = ['--size', 'Standard_D2s_v3', '--vnet', VNET, '--subnet', SUBNET];
const machineTypes = ['Microsoft.Network/networkInterfaces', 'Microsoft.Compute/disks', 'Microsoft.Compute/virtualMachines'];
const machineResources = () => cloud.fake.inventory().filter((r) => machineTypes.includes(r.type));
const byName = (name: string) => cloud.fake.inventory().find((r) => r.name === name);

beforeAll(async () => {
  cloud = await startCloud({ oauth: true });
  e = await scratch(cloud, 'elm-e2e-azure-names-');
  await e.json(connectorFlags(cloud, 'az', ['--client-id', cloud.env.ELM_TEST_AZURE_CLIENT_ID, '--client-secret-env', 'ELM_TEST_AZURE_CLIENT_SECRET']));
  await e.json(['os-layer', 'import', '--name', 'win', '--version', '1', '--disk', e.osDisk]);
}, SLOW);

afterAll(async () => {
  const problems = { unhandled: cloud.fake.unhandled, internalErrors: cloud.fake.internalErrors.map((x) => x.message) };
  await cloud.stop();
  await e.cleanup();
  expect(problems).toEqual({ unhandled: [], internalErrors: [] });
});

/** An operator's own VM (NIC, disk, VM) deployed in the connector's resource group, without elm's tags. */
async function operatorVm(vmName: string): Promise<void> {
  const source = await uploadPageBlob(cloud.azurite, 'operator', `${vmName}.vhd`, makeFixedVhd(MiB, (d) => d.fill(0x5a, 0, 512)));
  const account = cloud.fake.inventory({ type: 'Microsoft.Storage/storageAccounts' })[0];
  const parameters = { vmName, virtualNetworkName: VNET, subnetName: SUBNET, sourceVhdUri: source, storageAccountId: account.id, resourceTags: {} };
  const { resources } = fakeArmClients(cloud.fake);
  await resources.deployments.beginCreateOrUpdateAndWait(RG, `operator-${vmName}`, {
    properties: { mode: 'Incremental', template: packagingVmTemplate(), parameters: Object.fromEntries(Object.entries(parameters).map(([k, value]) => [k, { value }])) },
  });
}

/** What a machine's resources look like, to compare before and after. */
const snapshot = (names: string[]) => names.map((n) => byName(n)).map((r) => r && { id: r.id, tags: r.tags, properties: r.properties });

let v1: Doc;
let v1Vm: string;

test("version 2's deploy beside version 1's machine leaves version 1's VM and disk untouched; its name is refused (exit 5)", async () => {
  const created = await e.json(['layer', 'create', '--name', 'names', '--version', '1', '--os-layer', 'win', '--connector', 'az', '--disk-format', 'vhd', '--wait']);
  v1 = await e.json(['machine', 'deploy', 'names', ...MACHINE]);
  expect(v1.task.state).toBe('Complete');
  v1Vm = v1.machine.name;
  // The operator installed software on version 1's machine.
  await cloud.fake.writeDisk(RG, `${v1Vm}-osdisk`, 5 * MiB, Buffer.alloc(4096, 0x42));
  const v1Disk = await cloud.fake.readDisk(RG, `${v1Vm}-osdisk`);
  const v1Names = [v1Vm, `${v1Vm}-nic`, `${v1Vm}-osdisk`];
  const before = snapshot(v1Names);

  await e.json(['layer', 'version', 'add', 'names', '--version', '2', '--wait']);
  const r2 = await e.run(['machine', 'deploy', 'names', '--version', '2', ...MACHINE, '--json']);
  expect(snapshot(v1Names)).toEqual(before);
  expect(Buffer.compare(await cloud.fake.readDisk(RG, `${v1Vm}-osdisk`), v1Disk)).toBe(0);
  expectCode(r2, 0);
  const v2 = JSON.parse(r2.stdout);
  expect(v2.task.state).toBe('Complete');
  // Each version's default name is its own (the layer name, then 6 hex digits of layer id and version).
  expect([v1Vm, v2.machine.name]).toEqual([expect.stringMatching(/^names-[0-9a-f]{6}$/), expect.stringMatching(/^names-[0-9a-f]{6}$/)]);
  expect(v2.machine.name).not.toBe(v1Vm);
  expect(byName(v2.machine.name)!.tags).toMatchObject({ 'elm-layer-id': created.layer.id, 'elm-version': '2' });

  // Version 1's name given to version 3: refused before anything, naming the resources and their tags.
  await e.json(['layer', 'version', 'add', 'names', '--version', '3', '--wait']);
  const state = await stateBytes(e.home);
  const deployments = cloud.fake.deployments().length;
  for (const command of ['deploy', 'deploy-link']) {
    const r = await e.run(['machine', command, 'names', '--version', '3', '--machine-name', v1Vm, ...MACHINE]);
    expectCode(r, 5);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(`VM ${v1Vm} (tags: `);
    expect(r.stderr).toMatch(new RegExp(`disk ${v1Vm}-osdisk \\(tags: [^)]*elm-version=1`));
    expect(r.stderr).toMatch(/not this layer version's.*--machine-name/);
  }
  expect((await stateBytes(e.home))!.equals(state!)).toBe(true);
  expect(cloud.fake.deployments()).toHaveLength(deployments);
  expect(snapshot(v1Names)).toEqual(before);
}, SLOW);

test('a --machine-name matching an unrelated untagged VM is refused with exit 5 and nothing deleted', async () => {
  await operatorVm('ops-vm');
  const before = snapshot(['ops-vm', 'ops-vm-nic', 'ops-vm-osdisk']);
  const all = machineResources().map((r) => r.id).sort();
  const state = await stateBytes(e.home);
  for (const command of ['deploy', 'deploy-link']) {
    const r = await e.run(['machine', command, 'names', '--version', '3', '--machine-name', 'ops-vm', ...MACHINE]);
    expectCode(r, 5);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('VM ops-vm (tags: none); network interface ops-vm-nic (tags: none); disk ops-vm-osdisk (tags: none) already exist in resource group elm-rg');
  }
  expect(snapshot(['ops-vm', 'ops-vm-nic', 'ops-vm-osdisk'])).toEqual(before);
  expect(machineResources().map((r) => r.id).sort()).toEqual(all);
  expect((await stateBytes(e.home))!.equals(state!)).toBe(true);
}, SLOW);

test("a failed deploy's clean-up deletes what is tagged for the version and leaves a same-named resource that appeared meanwhile alone", async () => {
  const created = await e.json(['layer', 'create', '--name', 'race', '--version', '1', '--os-layer', 'win', '--connector', 'az', '--disk-format', 'vhd', '--wait']);
  // The deployment stays running until released, then fails having created nothing (as a quota or policy failure would).
  let release = false;
  cloud.fake.failOperation({ method: 'PUT', path: `/deployments/elm-${created.layer.id}-`, heldUntil: () => release, code: 'QuotaExceeded', message: 'Operation could not be completed as it results in exceeding approved quota.' });
  const run = e.run(['machine', 'deploy', 'race', '--machine-name', 'race-pkg', ...MACHINE, '--json']);
  // Poll (no sleep-and-hope): elm is waiting on the deployment's status when it has asked for it once.
  const deadline = Date.now() + 60_000;
  while (!cloud.fake.requests.some((q) => q.method === 'GET' && /\/deployments\/elm-[^/]+-race-pkg\/operationStatuses\//.test(q.path))) {
    if (Date.now() > deadline) throw new Error('elm never polled the deployment');
    await new Promise((r) => setTimeout(r, 20));
  }
  // Meanwhile an operator deploys a machine of the same names (untagged).
  await operatorVm('race-pkg');
  const before = snapshot(['race-pkg', 'race-pkg-nic', 'race-pkg-osdisk']);
  release = true;
  const r = await run;
  expectCode(r, 1);
  const doc = JSON.parse(r.stdout);
  expect(doc.task.state).toBe('Failed');
  expect(cloud.fake.pendingFaults()).toEqual([]);
  expect(snapshot(['race-pkg', 'race-pkg-nic', 'race-pkg-osdisk'])).toEqual(before);
  const log = (await e.run(['task', 'show', doc.task.id, '--json'])).stdout;
  expect(log).toMatch(/QuotaExceeded/);
  expect(log).toMatch(/Left alone, not this layer version's: VM race-pkg \(tags: none\); network interface race-pkg-nic \(tags: none\); disk race-pkg-osdisk \(tags: none\)/);
  // What elm made and tagged for the version (its deployment record) was removed.
  expect(cloud.fake.deployments().filter((d) => String(d.name).startsWith(`elm-${created.layer.id}-`))).toEqual([]);
  expect(cloud.fake.inventory({ tag: ['elm-layer-id', created.layer.id] })).toEqual([]);
}, SLOW);
