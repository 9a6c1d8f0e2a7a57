/**
 * The packaging-machine template, every shape elm generates, against the official resource
 * schemas (fixtures/arm-schemas, extracted from Azure/azure-resource-manager-schemas): each
 * resource valid for its type and apiVersion, no property the schema does not know, apiVersions
 * at most two years old; the machine options land where Azure reads them.
 */
import type { MachineParams } from '../../src/connectors/azure/machineParams';
import { machineOptions } from '../../src/connectors/azure/machineOptions';
import { packagingMachineTemplate, templateParameters, type TemplateInputs } from '../../src/connectors/azure/template';
import type { DeployLinkRequest } from '../../src/connectors/connector';
import { validateResource } from '../support/armSchema';

type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const base: DeployLinkRequest = {
  layer: { id: '7', name: 'azplat', version: '1.0' },
  taskId: '12',
  disk: { location: 'https://elmstore.blob.core.windows.net/elm/packaging/7/1.0/azplat.vhd', format: 'vhd', sizeBytes: 0, description: '' },
};

function inputs(req: Partial<DeployLinkRequest>): TemplateInputs {
  const { options, problems } = machineOptions({ ...base, ...req });
  expect(problems).toEqual([]);
  const params: MachineParams = { vmName: 'pkg-01', vmSize: 'Standard_D2s_v3', virtualNetwork: 'vnet', virtualNetworkResourceGroup: null, subnet: 'default', options };
  return {
    params,
    sourceVhdUri: base.disk.location,
    storageAccountId: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/elmstore',
    tags: { 'elm-layer': 'azplat', 'elm-layer-id': '7', 'elm-version': '1.0', 'elm-task': '12' },
  };
}

const shapes: Array<[string, Partial<DeployLinkRequest>]> = [
  ['generation 1, Standard, no public IP', {}],
  ['generation 2, Trusted Launch, Windows_Client, public IP', { generation: 'V2', securityType: 'TrustedLaunch', licenseType: 'Windows_Client', publicIp: true, rdpFrom: '203.0.113.0/24' }],
  ['generation 2, Standard, Windows_Server', { generation: 'V2', licenseType: 'Windows_Server' }],
];

test.each(shapes)('%s: every resource is valid against its official schema', (_name, req) => {
  const template = packagingMachineTemplate(inputs(req)) as Doc;
  const problems = template.resources.flatMap((r: Doc) => validateResource(r));
  expect(problems).toEqual([]);
});

test.each(shapes)('%s: apiVersions are at most two years old', (_name, req) => {
  const template = packagingMachineTemplate(inputs(req)) as Doc;
  const twoYearsAgo = new Date();
  twoYearsAgo.setUTCFullYear(twoYearsAgo.getUTCFullYear() - 2);
  for (const r of template.resources) expect(`${r.type} ${r.apiVersion >= twoYearsAgo.toISOString().slice(0, 10) ? 'current' : r.apiVersion}`).toBe(`${r.type} current`);
});

test('the validator catches what Azure would not take: an unknown property, a wrong enum, an object where a string goes', () => {
  const template = packagingMachineTemplate(inputs({})) as Doc;
  const [nic, disk, vm] = template.resources as Doc[];
  vm.properties.diagnosticsProfile.bootDiagnostics.enable = true;
  disk.properties.hyperVGeneration = 'V3';
  nic.location = { name: 'westeurope' };
  expect(validateResource(vm)).toEqual([expect.stringMatching(/bootDiagnostics: property "enable" is not defined/)]);
  expect(validateResource(disk).join('\n')).toMatch(/hyperVGeneration: "V3" is not one of \["V1","V2"\]/);
  expect(validateResource(nic).join('\n')).toMatch(/location: is object, the schema wants string/);
  expect(validateResource({ ...vm, apiVersion: '2019-07-01' })).toEqual([expect.stringMatching(/no vendored schema/)]);
});

test('the options land where Azure reads them: generation on the disk, security type on disk and VM, licence and boot diagnostics on the VM', () => {
  const v1 = packagingMachineTemplate(inputs({})) as Doc;
  const byType = (t: Doc, type: string) => t.resources.find((r: Doc) => r.type === type);
  expect(byType(v1, 'Microsoft.Compute/disks').properties).toMatchObject({ hyperVGeneration: 'V1' });
  expect(byType(v1, 'Microsoft.Compute/disks').properties.securityProfile).toBeUndefined();
  const vm1 = byType(v1, 'Microsoft.Compute/virtualMachines').properties;
  expect(vm1.securityProfile).toBeUndefined();
  expect(vm1.licenseType).toBeUndefined();
  expect(vm1.diagnosticsProfile).toEqual({ bootDiagnostics: { enabled: true } });

  const tl = inputs(shapes[1][1]);
  const v2 = packagingMachineTemplate(tl) as Doc;
  expect(byType(v2, 'Microsoft.Compute/disks').properties).toMatchObject({ hyperVGeneration: 'V2', securityProfile: { securityType: 'TrustedLaunch' } });
  expect(byType(v2, 'Microsoft.Compute/virtualMachines').properties).toMatchObject({
    licenseType: 'Windows_Client',
    securityProfile: { securityType: 'TrustedLaunch', uefiSettings: { secureBootEnabled: true, vTpmEnabled: true } },
  });
  const rule = byType(v2, 'Microsoft.Network/networkSecurityGroups').properties.securityRules;
  expect(rule).toHaveLength(1);
  expect(rule[0].properties).toMatchObject({ direction: 'Inbound', access: 'Allow', protocol: 'Tcp', destinationPortRange: '3389', sourceAddressPrefix: "[parameters('rdpSourceAddressPrefix')]" });
  expect(templateParameters(tl).rdpSourceAddressPrefix).toEqual({ value: '203.0.113.0/24' });
  expect(v2.parameters.rdpSourceAddressPrefix.defaultValue).toBe('203.0.113.0/24');
  expect(byType(v2, 'Microsoft.Network/publicIPAddresses')).toMatchObject({ sku: { name: 'Standard' }, properties: { publicIPAllocationMethod: 'Static' } });
});

test('machine options refuse what Azure would refuse later, naming the flag', () => {
  const problems = (req: Partial<DeployLinkRequest>) => machineOptions({ ...base, ...req }).problems.join('\n');
  expect(problems({ securityType: 'TrustedLaunch' })).toMatch(/TrustedLaunch needs a generation V2/);
  expect(problems({ generation: 'V2', securityType: 'trustedlaunch' })).toBe('');
  expect(problems({ licenseType: 'BYOL' })).toMatch(/--license-type "BYOL"/);
  expect(problems({ rdpFrom: '10.0.0.0/8' })).toMatch(/--rdp-from needs --public-ip/);
  expect(problems({ publicIp: true, rdpFrom: '10.0.0.0/33' })).toMatch(/prefix length over 32/);
  expect(problems({ publicIp: true, rdpFrom: '300.1.1.1' })).toMatch(/0-255/);
  expect(machineOptions({ ...base, publicIp: true, rdpFrom: '198.51.100.7' }).options.rdpFrom).toBe('198.51.100.7/32');
});
