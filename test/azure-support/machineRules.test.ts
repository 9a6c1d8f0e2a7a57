/**
 * The ARM fake refuses what Azure refuses when a packaging machine is created, and serves the
 * catalog APIs elm's preflight reads: the VM's generation is its disk's and the size must boot
 * it, a GPT disk marked V1 never boots (no VM agent, Run Command cannot reach it), Trusted Launch
 * needs a disk created for it, the size must be offered and unrestricted and fit the vCPU quota
 * (Resource SKUs and Usage APIs with Azure's shapes), Standard public IPs are static, and a public
 * IP or security group in use cannot be deleted.
 */
import type { ResourceManagementClient } from '@azure/arm-resources';
import type { ComputeManagementClient } from '@azure/arm-compute';
import { ArmFake, Azurite, fakeArmClients, makeFixedVhd, packagingVmTemplate, startArmFake, startAzurite, uploadPageBlob } from '../support/azure';

const MiB = 1024 * 1024;
const RG = 'rules-rg';
const LOCATION = 'westeurope';

let azurite: Azurite;
let fake: ArmFake;
let resources: ResourceManagementClient;
let compute: ComputeManagementClient;
let storageAccountId: string;
let gptVhd: string;

type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

beforeAll(async () => {
  azurite = await startAzurite({ https: true });
  fake = await startArmFake({ azurite });
  fake.addResourceGroup(RG, LOCATION);
  storageAccountId = fake.addStorageAccount('rulesstore', { resourceGroup: RG, location: LOCATION }).id;
  fake.addVirtualNetwork('vnet', { resourceGroup: RG, location: LOCATION, subnets: ['default'] });
  ({ resources, compute } = fakeArmClients(fake, { fastRetries: true }));
  const gpt = makeFixedVhd(2 * MiB, (d) => {
    d[446 + 4] = 0xee;
    d[510] = 0x55;
    d[511] = 0xaa;
  });
  gptVhd = await uploadPageBlob(azurite, 'packaging', 'gpt.vhd', gpt);
});

afterAll(async () => {
  const problems = { unhandled: fake.unhandled, internalErrors: fake.internalErrors.map((e) => e.message) };
  await fake.stop();
  await azurite.stop();
  expect(problems).toEqual({ unhandled: [], internalErrors: [] });
});

/** Deploys the fixture template with changes; resolves to the failed resource's error, or null on success. */
async function deploy(name: string, vmName: string, change: (t: Doc) => void = () => undefined, vmSize = 'Standard_D2s_v3'): Promise<Doc | null> {
  const template = packagingVmTemplate() as Doc;
  change(template);
  const parameters = Object.fromEntries(
    Object.entries({ vmName, vmSize, virtualNetworkName: 'vnet', subnetName: 'default', sourceVhdUri: gptVhd, storageAccountId, resourceTags: { 'elm-test': name } }).map(([k, value]) => [
      k,
      { value },
    ]),
  );
  try {
    await resources.deployments.beginCreateOrUpdateAndWait(RG, name, { properties: { mode: 'Incremental', template, parameters } });
    return null;
  } catch {
    const d = await resources.deployments.get(RG, name);
    return (d.properties?.error?.details?.[0] ?? d.properties?.error ?? null) as Doc | null;
  }
}

const disk = (t: Doc) => t.resources.find((r: Doc) => r.type === 'Microsoft.Compute/disks');
const vm = (t: Doc) => t.resources.find((r: Doc) => r.type === 'Microsoft.Compute/virtualMachines');

test('Resource SKUs and Usage answer with Azure shapes: capabilities, restrictions, quota counting the VMs', async () => {
  fake.catalog.restrict('Standard_B2s', LOCATION);
  const skus = [];
  for await (const s of compute.resourceSkus.list({ filter: `location eq '${LOCATION}'` })) skus.push(s);
  const d2 = skus.find((s) => s.resourceType === 'virtualMachines' && s.name === 'Standard_D2s_v3')!;
  expect(d2).toMatchObject({ family: 'standardDSv3Family', locations: [LOCATION], restrictions: [] });
  expect(d2.capabilities).toEqual(expect.arrayContaining([{ name: 'vCPUs', value: '2' }, { name: 'HyperVGenerations', value: 'V1,V2' }]));
  expect(skus.find((s) => s.name === 'Standard_A2_v2')!.capabilities).toEqual(expect.arrayContaining([{ name: 'HyperVGenerations', value: 'V1' }]));
  expect(skus.find((s) => s.name === 'Standard_B2s')!.restrictions).toEqual([
    { type: 'Location', values: [LOCATION], restrictionInfo: { locations: [LOCATION] }, reasonCode: 'NotAvailableForSubscription' },
  ]);
  const usage = [];
  for await (const u of compute.usage.list(LOCATION)) usage.push(u);
  expect(usage.find((u) => u.name.value === 'cores')).toEqual({ unit: 'Count', currentValue: 0, limit: 10, name: { value: 'cores', localizedValue: 'Total Regional vCPUs' } });
});

test('a GPT disk on a generation 1 VM is accepted but never boots: VM agent not ready, Run Command refused', async () => {
  expect(await deploy('gen1-gpt', 'gpt-as-v1')).toBeNull();
  const view = await compute.virtualMachines.instanceView(RG, 'gpt-as-v1');
  expect(view.hyperVGeneration).toBe('V1');
  expect(view.vmAgent?.statuses?.[0]?.displayStatus).toBe('Not Ready');
  await expect(compute.virtualMachines.beginRunCommandAndWait(RG, 'gpt-as-v1', { commandId: 'RunPowerShellScript', script: ['hostname'] })).rejects.toMatchObject({
    statusCode: 409,
    code: 'VMAgentStatusCommunicationError',
  });
  // The VM counts toward the quota, as Azure counts it.
  const usage = [];
  for await (const u of compute.usage.list(LOCATION)) usage.push(u);
  expect(usage.find((u) => u.name.value === 'cores')?.currentValue).toBe(2);
});

test('the same disk as V2 boots; a size that boots V1 only is refused for it', async () => {
  expect(await deploy('gen2-gpt', 'gpt-as-v2', (t) => (disk(t).properties.hyperVGeneration = 'V2'))).toBeNull();
  const view = await compute.virtualMachines.instanceView(RG, 'gpt-as-v2');
  expect(view.hyperVGeneration).toBe('V2');
  expect(view.vmAgent?.statuses?.[0]?.displayStatus).toBe('Ready');
  const refused = await deploy('gen2-a2', 'gpt-on-a2', (t) => (disk(t).properties.hyperVGeneration = 'V2'), 'Standard_A2_v2');
  expect(refused).toMatchObject({ code: 'BadRequest', message: expect.stringContaining("The selected VM size 'Standard_A2_v2' cannot boot Hypervisor Generation '2'") });
  expect(fake.inventory({ type: 'Microsoft.Compute/virtualMachines' }).map((r) => r.name)).not.toContain('gpt-on-a2');
});

test('Trusted Launch needs a V2 disk created for it, and such a disk attaches to Trusted Launch VMs only', async () => {
  const tl = { securityType: 'TrustedLaunch', uefiSettings: { secureBootEnabled: true, vTpmEnabled: true } };
  const plainDisk = await deploy('tl-plain-disk', 'tl-a', (t) => {
    disk(t).properties.hyperVGeneration = 'V2';
    vm(t).properties.securityProfile = tl;
  });
  expect(plainDisk).toMatchObject({ code: 'BadRequest', message: expect.stringContaining('is not compatible with the security type of attached OS Disk') });
  const v1Disk = await deploy('tl-v1-disk', 'tl-b', (t) => (disk(t).properties.securityProfile = { securityType: 'TrustedLaunch' }));
  expect(v1Disk).toMatchObject({ code: 'InvalidParameter', message: expect.stringContaining('must be hyperVGeneration V2') });
  const ok = await deploy('tl-ok', 'tl-c', (t) => {
    disk(t).properties.hyperVGeneration = 'V2';
    disk(t).properties.securityProfile = { securityType: 'TrustedLaunch' };
    vm(t).properties.securityProfile = tl;
  });
  expect(ok).toBeNull();
  // A size without Trusted Launch (TrustedLaunchDisabled True) is refused at creation, the disk right or not.
  const noTl = await deploy('tl-m8', 'tl-d', (t) => {
    disk(t).properties.hyperVGeneration = 'V2';
    disk(t).properties.securityProfile = { securityType: 'TrustedLaunch' };
    vm(t).properties.securityProfile = tl;
  }, 'Standard_M8ms');
  expect(noTl).toMatchObject({ code: 'BadRequest', message: expect.stringContaining("The VM size 'Standard_M8ms' is not supported for creation of VMs and Virtual Machine Scale Set with 'TrustedLaunch' security type") });
});

test('a restricted size or one over quota is refused at creation', async () => {
  expect(await deploy('restricted', 'rs-a', undefined, 'Standard_B2s')).toMatchObject({ code: 'SkuNotAvailable' });
  fake.catalog.setQuota(LOCATION, 'cores', { limit: 10, used: 4 }); // 4 + the three VMs' 6 = 10
  expect(await deploy('quota', 'qa-a')).toMatchObject({ code: 'OperationNotAllowed', message: expect.stringContaining('exceeding approved Total Regional Cores quota') });
  fake.catalog.setQuota(LOCATION, 'cores', { limit: 100 });
});

test('Standard public IPs only, static; a public IP or a security group in use cannot be deleted', async () => {
  const withPip = (sku: string, allocation: string) => (t: Doc) => {
    t.variables.pipName = "[concat(parameters('vmName'), '-pip')]";
    t.variables.nsgName = "[concat(parameters('vmName'), '-nsg')]";
    t.resources.unshift(
      { type: 'Microsoft.Network/publicIPAddresses', apiVersion: '2025-05-01', name: "[variables('pipName')]", location: "[variables('location')]", sku: { name: sku }, properties: { publicIPAllocationMethod: allocation } },
      {
        type: 'Microsoft.Network/networkSecurityGroups',
        apiVersion: '2025-05-01',
        name: "[variables('nsgName')]",
        location: "[variables('location')]",
        properties: {
          securityRules: [
            { name: 'rdp', properties: { priority: 1000, direction: 'Inbound', access: 'Allow', protocol: 'Tcp', sourceAddressPrefix: '203.0.113.0/24', sourcePortRange: '*', destinationAddressPrefix: '*', destinationPortRange: '3389' } },
          ],
        },
      },
    );
    const nic = t.resources.find((r: Doc) => r.type === 'Microsoft.Network/networkInterfaces');
    nic.dependsOn = ["[resourceId('Microsoft.Network/publicIPAddresses', variables('pipName'))]", "[resourceId('Microsoft.Network/networkSecurityGroups', variables('nsgName'))]"];
    nic.properties.ipConfigurations[0].properties.publicIPAddress = { id: nic.dependsOn[0] };
    nic.properties.networkSecurityGroup = { id: nic.dependsOn[1] };
    disk(t).properties.hyperVGeneration = 'V2';
  };
  expect(await deploy('pip-basic', 'pip-a', withPip('Basic', 'Static'))).toMatchObject({ code: 'InvalidParameter', message: expect.stringContaining('retired') });
  expect(await deploy('pip-dynamic', 'pip-b', withPip('Standard', 'Dynamic'))).toMatchObject({ code: 'StandardSkuPublicIPAddressesMustBeStatic' });
  expect(await deploy('pip-ok', 'pip-c', withPip('Standard', 'Static'))).toBeNull();
  const pipId = fake.inventory({ type: 'Microsoft.Network/publicIPAddresses' }).find((r) => r.name === 'pip-c-pip')!.id;
  const nsgId = fake.inventory({ type: 'Microsoft.Network/networkSecurityGroups' }).find((r) => r.name === 'pip-c-nsg')!.id;
  await expect(resources.resources.beginDeleteByIdAndWait(pipId, '2025-05-01')).rejects.toMatchObject({ code: 'PublicIPAddressCannotBeDeleted' });
  await expect(resources.resources.beginDeleteByIdAndWait(nsgId, '2025-05-01')).rejects.toMatchObject({ code: 'InUseNetworkSecurityGroupCannotBeDeleted' });
  await compute.virtualMachines.beginDeleteAndWait(RG, 'pip-c');
  await resources.resources.beginDeleteByIdAndWait(fake.inventory({ type: 'Microsoft.Network/networkInterfaces' }).find((r) => r.name === 'pip-c-nic')!.id, '2025-05-01');
  await resources.resources.beginDeleteByIdAndWait(pipId, '2025-05-01');
  await resources.resources.beginDeleteByIdAndWait(nsgId, '2025-05-01');
  expect(fake.inventory().filter((r) => r.name.startsWith('pip-c-') && r.type !== 'Microsoft.Compute/disks')).toEqual([]);
});
