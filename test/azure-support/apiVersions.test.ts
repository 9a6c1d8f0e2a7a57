/**
 * The ARM fake serves only the api-versions Azure serves for each type (arm/apiVersions.ts): an
 * unknown one is refused as ARM refuses it, through the SDKs and inside a template; every version
 * elm chooses is among the served ones.
 */
import { ResourceManagementClient } from '@azure/arm-resources';
import type { ComputeManagementClient } from '@azure/arm-compute';
import { COMPUTE_API, DISK_API } from '../../src/connectors/azure/template';
import { NETWORK_API_VERSION, STORAGE_API_VERSION } from '../../src/connectors/azure/layout';
import { TEMPLATE_SPEC_API } from '../../src/connectors/azure/operatorTemplate';
import {
  COMPUTE_API_VERSIONS,
  DISK_API_VERSIONS,
  NETWORK_API_VERSIONS,
  STORAGE_API_VERSIONS,
  typeOfPath,
} from '../support/azure/arm/apiVersions';
import { TEMPLATE_SPEC_API_VERSIONS } from '../support/azure/arm/templateSpecs';
import { ArmFake, fakeArmClients, startArmFake, trustTestCa } from '../support/azure';

const RG = 'versions-rg';
let fake: ArmFake;
let resources: ResourceManagementClient;
let compute: ComputeManagementClient;

beforeAll(async () => {
  fake = await startArmFake();
  fake.addResourceGroup(RG, 'westeurope');
  fake.addVirtualNetwork('vnet', { resourceGroup: RG, location: 'westeurope' });
  ({ resources, compute } = fakeArmClients(fake, { fastRetries: true }));
});

afterAll(async () => {
  const problems = { unhandled: fake.unhandled, internalErrors: fake.internalErrors.map((e) => e.message) };
  await fake.stop();
  expect(problems).toEqual({ unhandled: [], internalErrors: [] });
});

test('every api-version elm chooses is one Azure serves for its type', () => {
  expect(COMPUTE_API_VERSIONS).toContain(COMPUTE_API);
  expect(DISK_API_VERSIONS).toContain(DISK_API);
  expect(NETWORK_API_VERSIONS).toContain(NETWORK_API_VERSION);
  expect(STORAGE_API_VERSIONS).toContain(STORAGE_API_VERSION);
  expect(TEMPLATE_SPEC_API_VERSIONS).toContain(TEMPLATE_SPEC_API);
});

test('a provider type refuses a version it does not serve: 400 NoRegisteredProviderFound naming the supported ones', async () => {
  const vnetId = `/subscriptions/${fake.subscriptionId}/resourceGroups/${RG}/providers/Microsoft.Network/virtualNetworks/vnet`;
  expect((await resources.resources.getById(vnetId, NETWORK_API_VERSION)).name).toBe('vnet');
  await expect(resources.resources.getById(vnetId, '2099-01-01')).rejects.toMatchObject({
    statusCode: 400,
    code: 'NoRegisteredProviderFound',
    message: expect.stringMatching(
      /^No registered resource provider found for location 'westeurope' and API version '2099-01-01' for type 'virtualNetworks'\. The supported api-versions are '2015-06-15, .*2025-05-01'/,
    ),
  });
  // A Compute version is not a Network one.
  await expect(resources.resources.getById(vnetId, DISK_API)).rejects.toMatchObject({ statusCode: 400, code: 'NoRegisteredProviderFound' });
  // The SDK's own versions pass (arm-compute 24: virtualMachines 2026-03-01, disks 2025-01-02, skus 2021-07-01).
  const vms = [];
  for await (const vm of compute.virtualMachines.list(RG)) vms.push(vm);
  for await (const d of compute.disks.listByResourceGroup(RG)) vms.push(d);
  expect(vms).toEqual([]);
});

test("ARM's own types refuse an unknown version with 400 InvalidApiVersionParameter", async () => {
  const old = new ResourceManagementClient(fakeArmClients(fake).credential, fake.subscriptionId, {
    endpoint: fake.url,
    apiVersion: '2014-01-01',
    ...trustTestCa(fake.caPem),
  });
  await expect(old.resourceGroups.get(RG)).rejects.toMatchObject({
    statusCode: 400,
    code: 'InvalidApiVersionParameter',
    message: expect.stringContaining("The api-version '2014-01-01' is invalid. The supported versions are '2015-11-01,"),
  });
});

test("a template resource's apiVersion must be served: the deployment fails at that resource", async () => {
  const template = {
    $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#',
    contentVersion: '1.0.0.0',
    resources: [
      { type: 'Microsoft.Network/publicIPAddresses', apiVersion: '2030-01-01', name: 'ip1', location: 'westeurope', sku: { name: 'Standard' }, properties: { publicIPAllocationMethod: 'Static' } },
    ],
  };
  await expect(resources.deployments.beginCreateOrUpdateAndWait(RG, 'bad-version', { properties: { mode: 'Incremental', template } })).rejects.toThrow();
  const d = await resources.deployments.get(RG, 'bad-version');
  expect(d.properties?.error?.details?.[0]).toMatchObject({ code: 'NoRegisteredProviderFound', message: expect.stringContaining("API version '2030-01-01' for type 'publicIPAddresses'") });
  expect(fake.inventory({ type: 'Microsoft.Network/publicIPAddresses' })).toEqual([]);
});

test('the type of a request path', () => {
  expect(typeOfPath('/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm/runCommands/x')).toBe('Microsoft.Compute/virtualMachines/runCommands');
  expect(typeOfPath('/subscriptions/s/providers/Microsoft.Compute/locations/westeurope/usages')).toBe('Microsoft.Compute/locations/usages');
  expect(typeOfPath('/subscriptions/s/resourcegroups/rg')).toBe('Microsoft.Resources/resourceGroups');
  expect(typeOfPath('/subscriptions/s/providers/Microsoft.Compute/locations/westeurope/operations/1')).toBeUndefined();
});
