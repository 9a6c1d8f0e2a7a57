/**
 * The packaging-machine lifecycle the Azure connector drives, with the real SDKs against the
 * ARM fake and Azurite: deploy the template (resources appear in the inventory, the disk holds
 * the VHD's bytes), read the VM's power state, run a command, shut down, deallocate, export the
 * disk through its SAS, delete everything.
 */
import { createPipelineRequest } from '@azure/core-rest-pipeline';
import {
  AnonymousCredential,
  BlobClient,
  BlobSASPermissions,
  generateBlobSASQueryParameters,
  PageBlobClient,
  StorageSharedKeyCredential,
} from '@azure/storage-blob';
import type { ResourceManagementClient } from '@azure/arm-resources';
import type { ComputeManagementClient } from '@azure/arm-compute';
import {
  ArmFake,
  Azurite,
  azuriteBlobService,
  fakeArmClients,
  makeFixedVhd,
  packagingVmTemplate,
  startArmFake,
  startAzurite,
  storageTrust,
  uploadPageBlob,
} from '../support/azure';

const MiB = 1024 * 1024;
const RG = 'elm-rg';
const VM = 'pkg-01';
const TAGS = { 'elm-layer': 'azplat', 'elm-version': '1.0', 'elm-task': 't-42' };

let azurite: Azurite;
let fake: ArmFake;
let resources: ResourceManagementClient;
let compute: ComputeManagementClient;
let vhd: Buffer;
let sourceVhdUri: string;
let storageAccountId: string;

beforeAll(async () => {
  azurite = await startAzurite({ https: true });
  fake = await startArmFake({ azurite });
  fake.addResourceGroup(RG, 'westeurope');
  storageAccountId = fake.addStorageAccount('elmstore', { resourceGroup: RG, location: 'westeurope' }).id;
  fake.addVirtualNetwork('elm-vnet', { resourceGroup: RG, location: 'westeurope', subnets: ['default'] });
  ({ resources, compute } = fakeArmClients(fake, { fastRetries: true }));

  // The packaging disk: a fixed VHD page blob (4 MiB of data with two written regions).
  vhd = makeFixedVhd(4 * MiB, (d) => {
    d.fill(0x11, 0, 512);
    d.fill(0x22, 3 * MiB, 3 * MiB + 4096);
  });
  sourceVhdUri = await uploadPageBlob(azurite, 'packaging', 'azplat.vhd', vhd);
});

afterAll(async () => {
  const problems = { unhandled: fake.unhandled, internalErrors: fake.internalErrors.map((e) => `${e.name}: ${e.message} ${JSON.stringify((e as { details?: unknown }).details ?? '')} ${(e as { statusCode?: number }).statusCode}`) };
  await fake.stop();
  await azurite.stop();
  expect(problems).toEqual({ unhandled: [], internalErrors: [] });
});

const templateParameters = (overrides: Record<string, unknown> = {}) =>
  Object.fromEntries(
    Object.entries({ vmName: VM, virtualNetworkName: 'elm-vnet', subnetName: 'default', sourceVhdUri, storageAccountId, resourceTags: TAGS, ...overrides }).map(
      ([k, value]) => [k, { value }],
    ),
  );

const powerState = async () =>
  (await compute.virtualMachines.instanceView(RG, VM)).statuses?.map((s) => s.code).find((c) => c?.startsWith('PowerState/'));

it('answers the resource group and storage account the way ARM does', async () => {
  expect(await resources.resourceGroups.get(RG)).toMatchObject({ name: RG, location: 'westeurope', properties: { provisioningState: 'Succeeded' } });
  const account = await resources.resources.getById(storageAccountId, '2023-05-01');
  expect(account).toMatchObject({
    location: 'westeurope',
    kind: 'StorageV2',
    sku: { name: 'Standard_LRS', tier: 'Standard' },
    properties: { primaryEndpoints: { blob: `${azurite.blobEndpoint}/` } },
  });

  const res = await resources.sendRequest(
    createPipelineRequest({ url: `${fake.url}${storageAccountId}/listKeys?api-version=2023-05-01`, method: 'POST' }),
  );
  expect(res.status).toBe(200);
  expect(JSON.parse(res.bodyAsText ?? '{}').keys[0]).toMatchObject({ keyName: 'key1', value: azurite.accountKey, permissions: 'FULL' });

  await expect(resources.resourceGroups.get('nope')).rejects.toMatchObject({ statusCode: 404, code: 'ResourceGroupNotFound' });
  await expect(compute.virtualMachines.get(RG, 'nope')).rejects.toMatchObject({ statusCode: 404, code: 'ResourceNotFound' });
});

it('refuses an invalid template before starting the deployment', async () => {
  const params = templateParameters();
  delete params.sourceVhdUri;
  await expect(
    resources.deployments.beginCreateOrUpdateAndWait(RG, 'bad', { properties: { mode: 'Incremental', template: packagingVmTemplate(), parameters: params } }),
  ).rejects.toMatchObject({ statusCode: 400, code: 'InvalidTemplate', message: expect.stringContaining("template parameter 'sourceVhdUri'") });
  await expect(
    resources.deployments.beginCreateOrUpdateAndWait(RG, 'bad', {
      properties: { mode: 'Incremental', template: packagingVmTemplate(), parameters: templateParameters({ vmName: 'much-too-long-for-windows' }) },
    }),
  ).rejects.toMatchObject({ code: 'InvalidTemplate', message: expect.stringContaining('maximum length') });
  expect(fake.deployments()).toEqual([]);
});

it('deploys the template: NIC, imported disk and VM exist, tagged, the disk holds the VHD bytes', async () => {
  const deployment = await resources.deployments.beginCreateOrUpdateAndWait(RG, 'pkg-deploy', {
    properties: { mode: 'Incremental', template: packagingVmTemplate(), parameters: templateParameters() },
  });
  expect(deployment.properties?.provisioningState).toBe('Succeeded');
  const vmId = `/subscriptions/${fake.subscriptionId}/resourceGroups/${RG}/providers/Microsoft.Compute/virtualMachines/${VM}`;
  expect(deployment.properties?.outputs).toEqual({
    vmId: { type: 'String', value: vmId },
    diskId: { type: 'String', value: expect.stringMatching(/\/disks\/pkg-01-osdisk$/) },
  });
  // The SDK followed Azure-AsyncOperation, then read the deployment back.
  expect(fake.countRequests({ path: '/deployments/pkg-deploy/operationStatuses/' })).toBeGreaterThan(0);

  const tagged = fake.inventory({ tag: ['elm-layer', 'azplat'] });
  expect(tagged.map((r) => r.type).sort()).toEqual(['Microsoft.Compute/disks', 'Microsoft.Compute/virtualMachines', 'Microsoft.Network/networkInterfaces']);
  expect(tagged.every((r) => r.tags['elm-task'] === 't-42' && r.deployment === 'pkg-deploy')).toBe(true);

  const listed = [];
  for await (const r of resources.resources.listByResourceGroup(RG, { filter: "tagName eq 'elm-task' and tagValue eq 't-42'" })) listed.push(r);
  expect(listed.map((r) => r.id).sort()).toEqual(tagged.map((r) => r.id).sort());
  // As in Azure (azure-rest-api-specs#3819): a tag filter returns the resources without their tags.
  expect(listed.map((r) => r.tags)).toEqual(listed.map(() => undefined));
  const unfiltered = [];
  for await (const r of resources.resources.listByResourceGroup(RG)) if (r.tags?.['elm-task'] === 't-42') unfiltered.push(r.id);
  expect(unfiltered.sort()).toEqual(listed.map((r) => r.id).sort());

  expect(Buffer.compare(await fake.readDisk(RG, 'pkg-01-osdisk'), vhd)).toBe(0);
  const disk = await compute.disks.get(RG, 'pkg-01-osdisk');
  // arm-compute 24 flattens `properties` into the model.
  expect(disk).toMatchObject({ managedBy: vmId, diskState: 'Attached', diskSizeGB: 1, diskSizeBytes: 4 * MiB, creationData: { createOption: 'Import', sourceUri: sourceVhdUri } });
});

it('reads the VM with its instance view and power state', async () => {
  const vm = await compute.virtualMachines.get(RG, VM, { expand: 'instanceView' });
  expect(vm.storageProfile?.osDisk?.managedDisk?.id).toMatch(/\/disks\/pkg-01-osdisk$/);
  expect(vm.instanceView?.statuses?.map((s) => s.code)).toEqual(['ProvisioningState/succeeded', 'PowerState/running']);
  expect(await powerState()).toBe('PowerState/running');
});

it('runs a command with parameters and returns what the test scripted as stdout', async () => {
  const report = JSON.stringify({ schema: 1, machine: 'PKG-01', blockers: ['ngenInProgress'] });
  fake.onRunCommand(VM, (script, parameters) => {
    expect(script).toBe('param($ReportPath)\nWrite-Output $ReportPath');
    expect(parameters).toEqual({ ReportPath: 'C:\\elm\\report.json' });
    return report;
  });
  const result = await compute.virtualMachines.beginRunCommandAndWait(RG, VM, {
    commandId: 'RunPowerShellScript',
    script: ['param($ReportPath)', 'Write-Output $ReportPath'],
    parameters: [{ name: 'ReportPath', value: 'C:\\elm\\report.json' }],
  });
  expect(result.value).toEqual([
    expect.objectContaining({ code: 'ComponentStatus/StdOut/succeeded', message: report }),
    expect.objectContaining({ code: 'ComponentStatus/StdErr/succeeded', message: '' }),
  ]);
  expect(fake.runCommands).toHaveLength(1);
});

it('Run Command as Azure runs it: refused while the VM agent is Not Ready, the last 4096 bytes of output, killed past its limit', async () => {
  fake.setVmAgent(RG, VM, 'NotReady');
  const view = await compute.virtualMachines.instanceView(RG, VM);
  expect(view.vmAgent?.statuses?.[0]?.displayStatus).toBe('Not Ready');
  await expect(compute.virtualMachines.beginRunCommandAndWait(RG, VM, { commandId: 'RunPowerShellScript', script: ['hostname'] })).rejects.toMatchObject({
    statusCode: 409,
    code: 'VMAgentStatusCommunicationError',
  });
  fake.setVmAgent(RG, VM, 'Ready');
  expect((await compute.virtualMachines.instanceView(RG, VM)).vmAgent?.statuses?.[0]?.displayStatus).toBe('Ready');

  fake.onRunCommand(VM, () => `${'a'.repeat(5000)}END`);
  const long = await compute.virtualMachines.beginRunCommandAndWait(RG, VM, { commandId: 'RunPowerShellScript', script: ['long'] });
  const stdout = long.value?.[0]?.message ?? '';
  expect(Buffer.byteLength(stdout)).toBe(4096);
  expect(stdout.endsWith('END')).toBe(true);

  fake.configureRunCommand({ limitMs: 100 });
  fake.onRunCommand(VM, () => new Promise((r) => setTimeout(() => r('late'), 600)));
  await expect(compute.virtualMachines.beginRunCommandAndWait(RG, VM, { commandId: 'RunPowerShellScript', script: ['slow'] })).rejects.toThrow(/VMExtensionProvisioningTimeout/);
  fake.configureRunCommand({ limitMs: 90 * 60_000 });
  await new Promise((r) => setTimeout(r, 600));
  // The VM is free for the next command.
  fake.onRunCommand(VM, () => 'ok');
  expect((await compute.virtualMachines.beginRunCommandAndWait(RG, VM, { commandId: 'RunPowerShellScript', script: ['hostname'] })).value?.[0]?.message).toBe('ok');
});

it('a command can shut the machine down; then run command and disk export are refused until deallocated', async () => {
  fake.onRunCommand(VM, (_script, _params, ctx) => {
    ctx.vm.shutdown();
    return 'shutting down';
  });
  await compute.virtualMachines.beginRunCommandAndWait(RG, VM, { commandId: 'RunPowerShellScript', script: ['Stop-Computer -Force'] });
  expect(await powerState()).toBe('PowerState/stopped');

  await expect(compute.virtualMachines.beginRunCommandAndWait(RG, VM, { commandId: 'RunPowerShellScript', script: ['hostname'] })).rejects.toMatchObject({
    statusCode: 409,
    code: 'OperationNotAllowed',
  });
  await expect(compute.disks.beginGrantAccessAndWait(RG, 'pkg-01-osdisk', { access: 'Read', durationInSeconds: 3600 })).rejects.toMatchObject({
    statusCode: 409,
    message: expect.stringContaining('currently attached to running VM'),
  });

  await compute.virtualMachines.beginDeallocateAndWait(RG, VM);
  expect(await powerState()).toBe('PowerState/deallocated');
  expect((await compute.disks.get(RG, 'pkg-01-osdisk')).diskState).toBe('Reserved');
});

it('exports the disk through a read-only SAS that stops working once access is revoked', async () => {
  // The operator's work changed the machine's disk.
  await fake.writeDisk(RG, 'pkg-01-osdisk', 2 * MiB, Buffer.alloc(8192, 0x5a));
  const machineDisk = await fake.readDisk(RG, 'pkg-01-osdisk');

  const access = await compute.disks.beginGrantAccessAndWait(RG, 'pkg-01-osdisk', { access: 'Read', durationInSeconds: 3600 });
  expect(access.accessSAS).toMatch(/\/fake-managed-disks\/.+\?.*si=.*sig=/);
  expect((await compute.disks.get(RG, 'pkg-01-osdisk')).diskState).toBe('ActiveSAS');
  await expect(compute.virtualMachines.beginStartAndWait(RG, VM)).rejects.toMatchObject({ statusCode: 409 });

  // Server-side copy into the layer repository container, as finalize does.
  const layer = azuriteBlobService(azurite).getContainerClient('layers');
  await layer.createIfNotExists();
  const target = layer.getPageBlobClient('azplat-1.0.vhd');
  await (await target.beginCopyFromURL(access.accessSAS!, { intervalInMs: 50 })).pollUntilDone();
  expect(Buffer.compare(await target.downloadToBuffer(), machineDisk)).toBe(0);

  const viaSas = new PageBlobClient(access.accessSAS!, new AnonymousCredential(), storageTrust());
  await expect(viaSas.uploadPages(Buffer.alloc(512), 0, 512)).rejects.toMatchObject({ statusCode: 403 });

  await compute.disks.beginRevokeAccessAndWait(RG, 'pkg-01-osdisk');
  await expect(new BlobClient(access.accessSAS!, new AnonymousCredential(), storageTrust()).downloadToBuffer(0, 512)).rejects.toMatchObject({ statusCode: 403 });
  expect((await compute.disks.get(RG, 'pkg-01-osdisk')).diskState).toBe('Reserved');
});

it('deletes the VM, the NIC, the disk and the deployment; nothing tagged remains', async () => {
  await expect(compute.disks.beginDeleteAndWait(RG, 'pkg-01-osdisk')).rejects.toMatchObject({ statusCode: 409, code: 'OperationNotAllowed' });
  const nicId = fake.inventory({ type: 'Microsoft.Network/networkInterfaces' })[0].id;
  await expect(resources.resources.beginDeleteByIdAndWait(nicId, '2023-09-01')).rejects.toMatchObject({ code: 'NicInUse' });

  await compute.virtualMachines.beginDeleteAndWait(RG, VM);
  await expect(compute.virtualMachines.get(RG, VM)).rejects.toMatchObject({ statusCode: 404 });
  expect((await compute.disks.get(RG, 'pkg-01-osdisk')).diskState).toBe('Unattached');

  const diskBlob = fake.diskBlob(RG, 'pkg-01-osdisk');
  await resources.resources.beginDeleteByIdAndWait(nicId, '2023-09-01');
  await compute.disks.beginDeleteAndWait(RG, 'pkg-01-osdisk');
  await resources.deployments.beginDeleteAndWait(RG, 'pkg-deploy');

  expect(fake.inventory({ tag: ['elm-layer', 'azplat'] })).toEqual([]);
  const listTagged = async () => {
    const left: string[] = [];
    for await (const r of resources.resources.listByResourceGroup(RG, { filter: "tagName eq 'elm-layer' and tagValue eq 'azplat'" })) left.push(r.name!);
    return left;
  };
  // A list may still show what was just deleted (ARM's cache, azure-rest-api-specs#21221), a GET by id never does.
  expect((await listTagged()).sort()).toEqual(['pkg-01', 'pkg-01-nic', 'pkg-01-osdisk']);
  await expect(resources.resources.getById(nicId, '2023-09-01')).rejects.toMatchObject({ statusCode: 404 });
  await listTagged();
  expect(await listTagged()).toEqual([]);
  await expect(resources.deployments.get(RG, 'pkg-deploy')).rejects.toMatchObject({ statusCode: 404, code: 'DeploymentNotFound' });
  expect(await azuriteBlobService(azurite).getContainerClient(diskBlob.container).getBlobClient(diskBlob.blobName).exists()).toBe(false);
  // Deleting what is already gone succeeds, as in ARM.
  await compute.virtualMachines.beginDeleteAndWait(RG, VM);
});

it('deploys from a templateLink (a read-only SAS URL in storage, as the portal link does)', async () => {
  const templates = azuriteBlobService(azurite).getContainerClient('templates');
  await templates.createIfNotExists();
  const blob = templates.getBlockBlobClient('pkg-03.json');
  const text = JSON.stringify(packagingVmTemplate());
  await blob.upload(text, Buffer.byteLength(text));
  const sas = generateBlobSASQueryParameters(
    { containerName: 'templates', blobName: 'pkg-03.json', permissions: BlobSASPermissions.parse('r'), expiresOn: new Date(Date.now() + 3600_000) },
    new StorageSharedKeyCredential(azurite.accountName, azurite.accountKey),
  ).toString();
  const uri = `${blob.url}?${sas}`;

  const deployment = await resources.deployments.beginCreateOrUpdateAndWait(RG, 'pkg-linked', {
    properties: { mode: 'Incremental', templateLink: { uri }, parameters: templateParameters({ vmName: 'pkg-03' }) },
  });
  expect(deployment.properties).toMatchObject({ provisioningState: 'Succeeded', templateLink: { uri } });
  expect(fake.inventory({ type: 'Microsoft.Compute/virtualMachines' }).map((r) => r.name)).toContain('pkg-03');

  await expect(
    resources.deployments.beginCreateOrUpdateAndWait(RG, 'pkg-badlink', {
      properties: { mode: 'Incremental', templateLink: { uri: blob.url }, parameters: templateParameters({ vmName: 'pkg-04' }) },
    }),
  ).rejects.toMatchObject({ statusCode: 400, code: 'InvalidContentLink' });
});

it('a storage account in another region fails the deployment at the disk, leaving the NIC behind', async () => {
  fake.addResourceGroup('elm-east', 'eastus');
  const eastAccount = fake.addStorageAccount('elmeast', { resourceGroup: 'elm-east', location: 'eastus' });
  const err = await resources.deployments
    .beginCreateOrUpdateAndWait(RG, 'pkg-mismatch', {
      properties: { mode: 'Incremental', template: packagingVmTemplate(), parameters: templateParameters({ vmName: 'pkg-02', storageAccountId: eastAccount.id, resourceTags: { ...TAGS, 'elm-task': 't-mismatch' } }) },
    })
    .catch((e) => e);
  // arm-resources (core-lro 2) reports a failed operation as a plain Error naming the code.
  expect(err.message).toMatch(/long-running operation has failed\. DeploymentFailed/);
  const deployment = await resources.deployments.get(RG, 'pkg-mismatch');
  expect(deployment.properties?.provisioningState).toBe('Failed');
  expect(deployment.properties?.error?.details?.[0]).toMatchObject({ code: 'InvalidParameter', message: expect.stringContaining("is in location 'eastus'") });
  const ops = [];
  for await (const op of resources.deploymentOperations.list(RG, 'pkg-mismatch')) ops.push([op.properties?.targetResource?.resourceType, op.properties?.provisioningState]);
  expect(ops).toEqual([
    ['Microsoft.Network/networkInterfaces', 'Succeeded'],
    ['Microsoft.Compute/disks', 'Failed'],
  ]);
  expect(fake.inventory({ tag: ['elm-task', 't-mismatch'] }).map((r) => r.name)).toEqual(['pkg-02-nic']);
});
