/**
 * The packaging machine as Azure builds it, through the real binary against Azurite and the ARM
 * fake: a GPT OS layer disk deploys as a generation 2 disk and VM (a generation 1 VM would never
 * boot it), Trusted Launch only on request and only for V2, the licence type and boot
 * diagnostics; the preflight refuses a missing or foreign network, a size not offered,
 * restricted, unable to boot the disk's generation or over quota, before anything exists (exit 2,
 * nothing in the inventory); without a public IP the operator is told how to reach the machine,
 * with `--public-ip --rdp-from` a public IP and an RDP-only network security group are created,
 * tagged, and deleted at finalize.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { makeFixedVhd } from '../support/azure';
import { stateBytes } from '../support/cli';
import { Cloud, connectorFlags, Doc, Env, expectCode, httpsRequest, LOCATION, MiB, probeStandIn, RG, scratch, startCloud, SUBNET, VNET } from './helpers';

let cloud: Cloud;
let e: Env;
const VM2 = 'gen2-pkg';
const VM1 = 'gen1-pkg';
/** Each test runs several elm processes (each refusal twice): a budget for a loaded machine. */
const SLOW = 240_000;

/** A fixed VHD whose first sector holds a partition table: GPT (protective MBR, 0xEE) or MBR (NTFS, 0x07). */
function diskWith(partitionType: number): Buffer {
  return makeFixedVhd(8 * MiB, (d) => {
    d[446 + 4] = partitionType;
    d[510] = 0x55;
    d[511] = 0xaa;
    d.fill(0x44, 4096, 8192);
  });
}

let gen2: Doc;
let gen1: Doc;

beforeAll(async () => {
  cloud = await startCloud({ oauth: true });
  e = await scratch(cloud, 'elm-e2e-azure-machine-');
  cloud.fake.onRunCommand('*', probeStandIn(() => []));
  cloud.fake.addVirtualNetwork('east-vnet', { resourceGroup: RG, location: 'eastus', subnets: [SUBNET] });
  const gpt = path.join(e.dir, 'w11.vhd');
  const mbr = path.join(e.dir, 'w10.vhd');
  await fs.writeFile(gpt, diskWith(0xee));
  await fs.writeFile(mbr, diskWith(0x07));
  await e.json(connectorFlags(cloud, 'az', ['--client-id', cloud.env.ELM_TEST_AZURE_CLIENT_ID, '--client-secret-env', 'ELM_TEST_AZURE_CLIENT_SECRET']));
  const os2 = await e.json(['os-layer', 'import', '--name', 'w11', '--version', '1', '--disk', gpt]);
  expect(os2.versions[0]).toMatchObject({ partitionStyle: 'gpt', generation: 'V2' });
  await e.json(['os-layer', 'import', '--name', 'w10', '--version', '1', '--disk', mbr]);
  const create = (name: string, os: string) =>
    e.json(['layer', 'create', '--name', name, '--version', '1.0', '--os-layer', os, '--connector', 'az', '--purpose', 'packaging', '--hypervisor', 'azure', '--disk-format', 'vhd', '--wait']);
  gen2 = await create('gen2', 'w11');
  gen1 = await create('gen1', 'w10');
  await create('gen2plain', 'w11');
}, SLOW);

afterAll(async () => {
  const problems = { unhandled: cloud.fake.unhandled, internalErrors: cloud.fake.internalErrors.map((x) => x.message) };
  await cloud.stop();
  await e.cleanup();
  expect(problems).toEqual({ unhandled: [], internalErrors: [] });
});

const machineTypes = ['Microsoft.Network/networkInterfaces', 'Microsoft.Compute/disks', 'Microsoft.Compute/virtualMachines', 'Microsoft.Network/publicIPAddresses', 'Microsoft.Network/networkSecurityGroups'];
const machineResources = () => cloud.fake.inventory().filter((r) => machineTypes.includes(r.type));

/** Refused before anything: exit 2, one line naming the problem, nothing in Azure, state untouched. */
async function refused(args: string[], why: RegExp): Promise<void> {
  const before = await stateBytes(e.home);
  for (const command of ['deploy-link', 'deploy']) {
    const r = await e.run(['machine', command, ...args]);
    expectCode(r, 2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(why);
  }
  expect(machineResources()).toEqual([]);
  expect(cloud.fake.deployments()).toEqual([]);
  expect((await stateBytes(e.home))?.equals(before!)).toBe(true);
}

const flags = (vm: string, over: Record<string, string> = {}) => {
  const f: Record<string, string> = { '--machine-name': vm, '--size': 'Standard_D2s_v3', '--vnet': VNET, '--subnet': SUBNET, ...over };
  return Object.entries(f).flatMap(([k, v]) => [k, v]);
};

describe('preflight: refused before anything is created', () => {
  test('the virtual network must exist, be in the location and have the subnet', async () => {
    await refused(['gen2', ...flags(VM2, { '--vnet': 'no-such-vnet' })], /Virtual network "no-such-vnet" does not exist in resource group elm-rg/);
    await refused(['gen2', ...flags(VM2, { '--vnet': 'east-vnet' })], /"east-vnet" is in eastus, but the packaging machine is deployed in westeurope/);
    await refused(['gen2', ...flags(VM2, { '--subnet': 'apps' })], /has no subnet "apps" \(it has default\)/);
  }, SLOW);

  test('the size must be offered, not restricted, boot the disk generation, and fit the vCPU quota', async () => {
    await refused(['gen2', ...flags(VM2, { '--size': 'Standard_Z99' })], /Size Standard_Z99 is not offered in westeurope/);
    cloud.fake.catalog.restrict('Standard_D2s_v5', LOCATION);
    await refused(['gen2', ...flags(VM2, { '--size': 'Standard_D2s_v5' })], /Standard_D2s_v5 is not available to this subscription in westeurope \(NotAvailableForSubscription\)/);
    // Av2 sizes boot generation 1 only; the GPT disk needs 2 (the same size passes for the MBR disk's layer, below).
    await refused(['gen2', ...flags(VM2, { '--size': 'Standard_A2_v2' })], /Standard_A2_v2 boots only V1 machines, and this OS layer version's disk is V2/);
    cloud.fake.catalog.setQuota(LOCATION, 'cores', { limit: 10, used: 9 });
    await refused(['gen2', ...flags(VM2)], /needs 2 vCPUs.*Total Regional vCPUs: 9 of 10 used/);
    cloud.fake.catalog.setQuota(LOCATION, 'cores', { limit: 100 });
    cloud.fake.catalog.setQuota(LOCATION, 'standardDSv3Family', { limit: 4, used: 4 });
    await refused(['gen2', ...flags(VM2)], /Standard DSv3 Family vCPUs: 4 of 4 used/);
    cloud.fake.catalog.setQuota(LOCATION, 'standardDSv3Family', { limit: 100 });
  }, SLOW);

  test('Trusted Launch needs a V2 disk; public access needs a range, and not the whole internet nor more than a /8', async () => {
    await refused(['gen1', ...flags(VM1, { '--security-type': 'TrustedLaunch' })], /TrustedLaunch needs a generation V2 \(UEFI, GPT\) disk, and this OS layer version boots as V1/);
    // The M-series boots V2 but has no Trusted Launch (Resource SKUs capability TrustedLaunchDisabled).
    await refused(['gen2', ...flags(VM2, { '--size': 'Standard_M8ms', '--security-type': 'TrustedLaunch' })], /Size Standard_M8ms does not support Trusted Launch \(its TrustedLaunchDisabled capability\): choose a --size that does/);
    await refused(['gen2', ...flags(VM2, { '--security-type': 'Confidential' })], /--security-type "Confidential" must be Standard or TrustedLaunch/);
    await refused(['gen2', ...flags(VM2, { '--license-type': 'Windows_Home' })], /--license-type "Windows_Home" must be Windows_Client/);
    await refused(['gen2', ...flags(VM2), '--public-ip'], /--public-ip needs --rdp-from CIDR/);
    await refused(['gen2', ...flags(VM2, { '--rdp-from': '0.0.0.0/0' }), '--public-ip'], /whole internet/);
    await refused(['gen2', ...flags(VM2, { '--rdp-from': '203.0.113.7/24' }), '--public-ip'], /host bits set; the range is 203\.0\.113\.0\/24/);
    // Two /1 ranges are the whole internet too: nothing wider than a /8 is opened to RDP.
    await refused(['gen2', ...flags(VM2, { '--rdp-from': '0.0.0.0/1' }), '--public-ip'], /is a \/1: 2147483648 addresses.*give a prefix of \/8 or longer/);
    await refused(['gen2', ...flags(VM2, { '--rdp-from': '128.0.0.0/1' }), '--public-ip'], /is a \/1: .*brute-forces RDP/);
    await refused(['gen2', ...flags(VM2, { '--rdp-from': '10.0.0.0/7' }), '--public-ip'], /is a \/7: .*\/8 or longer/);
    await refused(['gen2', ...flags(VM2, { '--rdp-from': '2001:db8::/32' }), '--public-ip'], /is an IPv6 range, and the public IP elm creates is IPv4 only/);
  }, SLOW);
});

test('a GPT OS layer deploys as a generation 2 disk and VM, and its guest boots (Run Command reaches it)', async () => {
  const d = await e.json(['machine', 'deploy', 'gen2plain', ...flags('g2-plain')]);
  expect(d.task.state).toBe('Complete');
  const disk = cloud.fake.inventory({ type: 'Microsoft.Compute/disks' }).find((x) => x.name === 'g2-plain-osdisk')!;
  expect(disk.properties.hyperVGeneration).toBe('V2');
  expect(disk.properties.securityProfile).toBeUndefined(); // Standard unless asked
  const vm = cloud.fake.inventory({ type: 'Microsoft.Compute/virtualMachines' }).find((x) => x.name === 'g2-plain')!;
  expect(vm.properties.securityProfile).toBeUndefined();
  expect(vm.properties.diagnosticsProfile).toEqual({ bootDiagnostics: { enabled: true } });
  // As generation 1 the guest would never boot a GPT disk: no VM agent, Run Command refused.
  const v = await e.run(['verify', 'gen2plain', '--shutdown', '--json']);
  expectCode(v, 0);
  expect(JSON.parse(v.stdout)).toMatchObject({ ready: true, shutdownRequested: true });
  expect((await e.json(['finalize', 'gen2plain', '--wait'])).task.state).toBe('Complete');
  expect(machineResources()).toEqual([]);
}, SLOW);

test('deploy-link without a public IP says how to reach the machine; the template boots V1 for an MBR disk', async () => {
  const r = await e.run(['machine', 'deploy-link', 'gen1', ...flags(VM1, { '--size': 'Standard_A2_v2' })]);
  expectCode(r, 0);
  expect(r.stderr).toMatch(/no public IP: RDP to its private IP needs a VPN, virtual network peering or Azure Bastion into elm-vnet\/default/);
  const sasUrl = decodeURIComponent(r.stdout.trim().replace(/^.*\/uri\//, ''));
  const template = JSON.parse((await httpsRequest(sasUrl, cloud.fake.caPem)).text);
  const byType = (t: string) => template.resources.find((x: Doc) => x.type === t);
  expect(byType('Microsoft.Compute/disks').properties.hyperVGeneration).toBe('V1');
  expect(byType('Microsoft.Compute/virtualMachines').properties.securityProfile).toBeUndefined();
  expect(template.resources.map((x: Doc) => x.type)).not.toContain('Microsoft.Network/publicIPAddresses');
  const task = await e.json(['task', 'show', gen1.task.id]);
  expect(task.description).toMatch(/needs a VPN, virtual network peering or Azure Bastion/);
  expect(machineResources()).toEqual([]);
}, SLOW);

test('a GPT OS layer deploys as generation 2 with Trusted Launch, the licence, boot diagnostics and a public IP open to RDP from one range', async () => {
  const d = await e.json([
    'machine', 'deploy', 'gen2', ...flags(VM2, { '--security-type': 'TrustedLaunch', '--license-type': 'Windows_Client', '--rdp-from': '203.0.113.0/24' }), '--public-ip',
  ]);
  expect(d.task).toMatchObject({ kind: 'DeployMachine', state: 'Complete' });
  expect(d.machine.resources).toMatchObject({ publicIpId: expect.stringMatching(/publicIPAddresses\/gen2-pkg-pip$/), nsgId: expect.stringMatching(/networkSecurityGroups\/gen2-pkg-nsg$/) });
  const [disk] = cloud.fake.inventory({ type: 'Microsoft.Compute/disks' });
  expect(disk.properties).toMatchObject({ hyperVGeneration: 'V2', securityProfile: { securityType: 'TrustedLaunch' } });
  const [vm] = cloud.fake.inventory({ type: 'Microsoft.Compute/virtualMachines' });
  expect(vm.properties).toMatchObject({
    licenseType: 'Windows_Client',
    securityProfile: { securityType: 'TrustedLaunch', uefiSettings: { secureBootEnabled: true, vTpmEnabled: true } },
    diagnosticsProfile: { bootDiagnostics: { enabled: true } },
  });
  const [nsg] = cloud.fake.inventory({ type: 'Microsoft.Network/networkSecurityGroups' });
  expect(nsg.properties.securityRules).toEqual([
    expect.objectContaining({ properties: expect.objectContaining({ direction: 'Inbound', access: 'Allow', protocol: 'Tcp', sourceAddressPrefix: '203.0.113.0/24', destinationPortRange: '3389' }) }),
  ]);
  const [nic] = cloud.fake.inventory({ type: 'Microsoft.Network/networkInterfaces' });
  expect(nic.properties.networkSecurityGroup).toEqual({ id: nsg.id });
  expect((nic.properties.ipConfigurations as Doc[])[0].properties.publicIPAddress.id).toMatch(/gen2-pkg-pip$/);
  const tagged = cloud.fake.inventory({ tag: ['elm-layer-id', gen2.layer.id] });
  expect(tagged.map((r) => r.type).sort()).toEqual([...machineTypes].sort());

  // The guest boots (Run Command reaches it through the VM agent): verify and shut down.
  const v = await e.json(['verify', 'gen2', '--shutdown']);
  expect(v).toMatchObject({ ready: true, shutdownRequested: true });
}, SLOW);

test('finalize deletes the public IP and the security group with the rest', async () => {
  const f = await e.json(['finalize', 'gen2', '--wait']);
  expect(f.task.state).toBe('Complete');
  expect(cloud.fake.inventory({ tag: ['elm-layer-id', gen2.layer.id] })).toEqual([]);
  expect(machineResources()).toEqual([]);
  const paths = cloud.fake.requests.map((r) => `${r.method} ${r.path}`);
  const at = (re: RegExp) => paths.findIndex((p) => re.test(p));
  expect(at(/DELETE .*networkInterfaces\/gen2-pkg-nic$/)).toBeLessThan(at(/DELETE .*publicIPAddresses\/gen2-pkg-pip$/));
  expect(at(/DELETE .*publicIPAddresses\/gen2-pkg-pip$/)).toBeLessThan(at(/DELETE .*networkSecurityGroups\/gen2-pkg-nsg$/));
}, SLOW);

test('the V1 layer deploys on a generation 1 size', async () => {
  const d = await e.json(['machine', 'deploy', 'gen1', ...flags(VM1, { '--size': 'Standard_A2_v2' })]);
  expect(d.task.state).toBe('Complete');
  const [disk] = cloud.fake.inventory({ type: 'Microsoft.Compute/disks' });
  expect(disk.properties.hyperVGeneration).toBe('V1');
  expect((await e.json(['verify', 'gen1'])).ready).toBe(true);
}, SLOW);
