/**
 * A PUT on an existing resource behaves as in Azure: it replaces what may change (tags, a VM's size,
 * a disk's sku while its VM is deallocated) and refuses what may not (another location, a disk's
 * source, generation or security type, a VM's OS disk settings); the same template deployed again
 * (what elm does when a task resumes) succeeds and changes nothing.
 */
import type { ResourceManagementClient } from '@azure/arm-resources';
import type { ComputeManagementClient } from '@azure/arm-compute';
import { ArmFake, Azurite, fakeArmClients, makeFixedVhd, packagingVmTemplate, startArmFake, startAzurite, uploadPageBlob } from '../support/azure';

const MiB = 1024 * 1024;
const RG = 'put-rg';
const LOCATION = 'westeurope';

let azurite: Azurite;
let fake: ArmFake;
let resources: ResourceManagementClient;
let compute: ComputeManagementClient;
let storageAccountId: string;
let vhdA: string;
let vhdB: string;

type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

beforeAll(async () => {
  azurite = await startAzurite({ https: true });
  fake = await startArmFake({ azurite });
  fake.addResourceGroup(RG, LOCATION, { owner: 'ops' });
  storageAccountId = fake.addStorageAccount('putstore', { resourceGroup: RG, location: LOCATION }).id;
  fake.addVirtualNetwork('vnet', { resourceGroup: RG, location: LOCATION, subnets: ['default'] });
  ({ resources, compute } = fakeArmClients(fake, { fastRetries: true }));
  vhdA = await uploadPageBlob(azurite, 'packaging', 'a.vhd', makeFixedVhd(MiB));
  vhdB = await uploadPageBlob(azurite, 'packaging', 'b.vhd', makeFixedVhd(MiB));
});

afterAll(async () => {
  const problems = { unhandled: fake.unhandled, internalErrors: fake.internalErrors.map((e) => e.message) };
  await fake.stop();
  await azurite.stop();
  expect(problems).toEqual({ unhandled: [], internalErrors: [] });
});

let deployments = 0;
/** Deploys the fixture template (changed by `change`); resolves to the failed resource's error, or null. */
async function deploy(vmName: string, o: { vhd?: string; tags?: Record<string, string>; vmSize?: string; change?: (t: Doc) => void } = {}): Promise<Doc | null> {
  const template = packagingVmTemplate() as Doc;
  o.change?.(template);
  const values = { vmName, vmSize: o.vmSize ?? 'Standard_D2s_v3', virtualNetworkName: 'vnet', subnetName: 'default', sourceVhdUri: o.vhd ?? vhdA, storageAccountId, resourceTags: o.tags ?? { 'elm-test': vmName } };
  const parameters = Object.fromEntries(Object.entries(values).map(([k, value]) => [k, { value }]));
  const name = `d${++deployments}`;
  try {
    await resources.deployments.beginCreateOrUpdateAndWait(RG, name, { properties: { mode: 'Incremental', template, parameters } });
    return null;
  } catch {
    const d = await resources.deployments.get(RG, name);
    return (d.properties?.error?.details?.[0] ?? d.properties?.error ?? null) as Doc | null;
  }
}

const res = (t: Doc, type: string) => t.resources.find((r: Doc) => r.type === type);

test('the same template again succeeds and changes nothing; new tags and a new size replace the old', async () => {
  expect(await deploy('pm1')).toBeNull();
  const first = await compute.disks.get(RG, 'pm1-osdisk');
  expect(await deploy('pm1')).toBeNull();
  expect(await compute.disks.get(RG, 'pm1-osdisk')).toEqual(first);
  expect(await deploy('pm1', { tags: { 'elm-test': 'pm1', second: 'yes' }, vmSize: 'Standard_D4s_v3' })).toBeNull();
  const vm = await compute.virtualMachines.get(RG, 'pm1');
  expect(vm.tags).toEqual({ 'elm-test': 'pm1', second: 'yes' });
  expect(vm.hardwareProfile?.vmSize).toBe('Standard_D4s_v3');
  // Tags are replaced, not merged.
  expect(await deploy('pm1', { tags: { only: 'this' } })).toBeNull();
  expect((await compute.disks.get(RG, 'pm1-osdisk')).tags).toEqual({ only: 'this' });
});

test("a disk's source, generation and security type cannot change; its sku only while its VM is deallocated", async () => {
  expect(await deploy('pm1', { vhd: vhdB })).toMatchObject({ code: 'PropertyChangeNotAllowed', message: "Changing property 'creationData' is not allowed." });
  expect(await deploy('pm1', { change: (t) => (res(t, 'Microsoft.Compute/disks').properties.hyperVGeneration = 'V2') })).toMatchObject({
    code: 'PropertyChangeNotAllowed',
    message: "Changing property 'hyperVGeneration' is not allowed.",
  });
  const premium = (t: Doc) => (res(t, 'Microsoft.Compute/disks').sku = { name: 'Premium_LRS' });
  expect(await deploy('pm1', { change: premium })).toMatchObject({ code: 'OperationNotAllowed', message: expect.stringContaining('Deallocate the VM first') });
  await compute.virtualMachines.beginDeallocateAndWait(RG, 'pm1');
  expect(await deploy('pm1', { change: premium })).toBeNull();
  expect((await compute.disks.get(RG, 'pm1-osdisk')).sku?.name).toBe('Premium_LRS');
  expect((await compute.disks.get(RG, 'pm1-osdisk')).creationData?.sourceUri).toBe(vhdA);
});

test("a VM's OS disk settings cannot change through the VM", async () => {
  const osDisk = (t: Doc) => res(t, 'Microsoft.Compute/virtualMachines').properties.storageProfile.osDisk;
  expect(await deploy('pm1', { change: (t) => (osDisk(t).osType = 'Linux') })).toMatchObject({
    code: 'PropertyChangeNotAllowed',
    message: "Changing property 'osDisk.osType' is not allowed.",
  });
  expect(await deploy('pm1', { change: (t) => (osDisk(t).managedDisk.storageAccountType = 'StandardSSD_LRS') })).toMatchObject({
    code: 'OperationNotAllowed',
    message: expect.stringContaining('Managed disk storage account type change through Virtual Machine'),
  });
});

test('a resource cannot move: another location is 409 InvalidResourceLocation', async () => {
  const ip = (location: string) => ({
    $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#',
    contentVersion: '1.0.0.0',
    resources: [{ type: 'Microsoft.Network/publicIPAddresses', apiVersion: '2025-05-01', name: 'ip1', location, sku: { name: 'Standard' }, properties: { publicIPAllocationMethod: 'Static' } }],
  });
  await resources.deployments.beginCreateOrUpdateAndWait(RG, 'ip-a', { properties: { mode: 'Incremental', template: ip(LOCATION) } });
  await expect(resources.deployments.beginCreateOrUpdateAndWait(RG, 'ip-b', { properties: { mode: 'Incremental', template: ip('northeurope') } })).rejects.toThrow();
  const d = await resources.deployments.get(RG, 'ip-b');
  expect(d.properties?.error?.details?.[0]).toMatchObject({
    code: 'InvalidResourceLocation',
    message: `The resource 'ip1' already exists in location '${LOCATION}' in resource group '${RG}'. A resource with the same name cannot be created in location 'northeurope'. Please select a new resource name.`,
  });
});

test("a resource group's PUT replaces its tags", async () => {
  await resources.resourceGroups.createOrUpdate(RG, { location: LOCATION });
  expect((await resources.resourceGroups.get(RG)).tags ?? {}).toEqual({});
});
