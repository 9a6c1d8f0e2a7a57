/**
 * Operator-supplied machine templates (`connector add azure --machine-template-spec`), through the
 * real binary against Azurite and the ARM fake (which serves template spec versions and deploys
 * templateLink.id as ARM does): a bad flag is exit 2 with state untouched; machine deploy deploys
 * the operator's template (their NSG and names) with elm's parameters by name and finds the VM by
 * its tags; a template missing a parameter, or whose VM does not carry the tags parameter, is
 * refused with exit 2 before anything is created; finalize deletes what carries the version's tags.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { stateBytes } from '../support/cli';
import { Cloud, connectorFlags, Doc, Env, expectCode, probeStandIn, report, RG, scratch, startCloud, SUBNET, VNET } from './helpers';

let cloud: Cloud;
let e: Env;
const SLOW = 240_000;
const MACHINE = ['--size', 'Standard_D2s_v3', '--vnet', VNET, '--subnet', SUBNET];
const machineTypes = ['Microsoft.Network/networkInterfaces', 'Microsoft.Network/networkSecurityGroups', 'Microsoft.Compute/disks', 'Microsoft.Compute/virtualMachines'];
const machineResources = () => cloud.fake.inventory().filter((r) => machineTypes.includes(r.type));

/** The operator's template: their own NSG on the NIC, their own resource names, elm's parameters by name. */
function operatorTemplate(drop: string[] = [], vmTags = "[parameters('resourceTags')]", vmSize = "[parameters('vmSize')]"): Record<string, unknown> {
  const parameters: Record<string, unknown> = {
    vmName: { type: 'string' },
    vmSize: { type: 'string' },
    subnetId: { type: 'string' },
    sourceVhdUri: { type: 'string' },
    storageAccountId: { type: 'string' },
    resourceTags: { type: 'object' },
    hyperVGeneration: { type: 'string', allowedValues: ['V1', 'V2'] },
    securityType: { type: 'string', defaultValue: 'Standard' },
    costCentre: { type: 'string', defaultValue: 'packaging' },
  };
  for (const d of drop) delete parameters[d];
  const nsg = "[resourceId('Microsoft.Network/networkSecurityGroups', concat(parameters('vmName'), '-ops-nsg'))]";
  const nic = "[resourceId('Microsoft.Network/networkInterfaces', concat(parameters('vmName'), '-ops-nic'))]";
  const disk = "[resourceId('Microsoft.Compute/disks', concat(parameters('vmName'), '-ops-disk'))]";
  return {
    $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#',
    contentVersion: '1.0.0.0',
    parameters,
    resources: [
      {
        type: 'Microsoft.Network/networkSecurityGroups',
        apiVersion: '2025-05-01',
        name: "[concat(parameters('vmName'), '-ops-nsg')]",
        location: '[resourceGroup().location]',
        tags: "[parameters('resourceTags')]",
        properties: { securityRules: [] },
      },
      {
        type: 'Microsoft.Network/networkInterfaces',
        apiVersion: '2025-05-01',
        name: "[concat(parameters('vmName'), '-ops-nic')]",
        location: '[resourceGroup().location]',
        tags: "[parameters('resourceTags')]",
        dependsOn: [nsg],
        properties: {
          ipConfigurations: [{ name: 'ipconfig1', properties: { privateIPAllocationMethod: 'Dynamic', subnet: { id: "[parameters('subnetId')]" } } }],
          networkSecurityGroup: { id: nsg },
        },
      },
      {
        type: 'Microsoft.Compute/disks',
        apiVersion: '2026-03-02',
        name: "[concat(parameters('vmName'), '-ops-disk')]",
        location: '[resourceGroup().location]',
        tags: "[parameters('resourceTags')]",
        sku: { name: 'Premium_LRS' },
        properties: {
          osType: 'Windows',
          hyperVGeneration: "[parameters('hyperVGeneration')]",
          creationData: { createOption: 'Import', sourceUri: "[parameters('sourceVhdUri')]", storageAccountId: "[parameters('storageAccountId')]" },
        },
      },
      {
        type: 'Microsoft.Compute/virtualMachines',
        apiVersion: '2025-04-01',
        name: "[parameters('vmName')]",
        location: '[resourceGroup().location]',
        tags: vmTags,
        dependsOn: [nic, disk],
        properties: {
          hardwareProfile: { vmSize },
          storageProfile: { osDisk: { osType: 'Windows', createOption: 'Attach', deleteOption: 'Detach', managedDisk: { id: disk } } },
          networkProfile: { networkInterfaces: [{ id: nic, properties: { deleteOption: 'Detach' } }] },
        },
      },
    ],
  };
}

beforeAll(async () => {
  cloud = await startCloud({ oauth: true });
  const probe = probeStandIn(() => []);
  // The probe, and each build step (it prints and exits 0, as the wrapper reports).
  cloud.fake.onRunCommand('*', (script, parameters, ctx) =>
    /^# elm build step: /m.test(script) ? { stdout: 'installed\nELM-EXIT-CODE: 0\n', exitCode: 0 } : script.includes('ShutdownForFinalize') ? { stdout: `${report([])}\n` } : probe(script, parameters, ctx),
  );
  e = await scratch(cloud, 'elm-e2e-azure-optemplate-');
  await e.json(['os-layer', 'import', '--name', 'win', '--version', '1', '--disk', e.osDisk]);
}, SLOW);

afterAll(async () => {
  const problems = { unhandled: cloud.fake.unhandled, internalErrors: cloud.fake.internalErrors.map((x) => x.message) };
  await cloud.stop();
  await e.cleanup();
  expect(problems).toEqual({ unhandled: [], internalErrors: [] });
});

const auth = () => ['--client-id', cloud.env.ELM_TEST_AZURE_CLIENT_ID, '--client-secret-env', 'ELM_TEST_AZURE_CLIENT_SECRET'];
const addConnector = (name: string, spec: string) => e.run([...connectorFlags(cloud, name, [...auth(), '--machine-template-spec', spec]), '--json']);

test('a --machine-template-spec that is neither a template spec version id nor a readable JSON template is refused (exit 2), state untouched', async () => {
  const notJson = path.join(e.dir, 'not.json');
  await fs.writeFile(notJson, '{ resources: [');
  const before = await stateBytes(e.home);
  const sub = cloud.env.ELM_TEST_AZURE_SUBSCRIPTION_ID;
  for (const [spec, why] of [
    [path.join(e.dir, 'missing.json'), /cannot be read \(ENOENT\)/],
    [notJson, /is not JSON/],
    [`/subscriptions/${sub}/resourceGroups/${RG}/providers/Microsoft.Resources/templateSpecs/ops`, /is not a template spec version id/],
  ] as const) {
    const r = await addConnector('bad', spec);
    expectCode(r, 2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(why);
  }
  expect(await stateBytes(e.home)).toEqual(before);
}, SLOW);

let ops: Doc;

test("machine deploy deploys the operator's template spec version with elm's parameters by name, and finds the VM by its tags", async () => {
  const specId = cloud.fake.addTemplateSpecVersion(RG, 'elm-packaging', '1.0', operatorTemplate());
  expectCode(await addConnector('ops', specId), 0);
  const shown = await e.json(['connector', 'show', 'ops']);
  expect(shown.machineTemplateSpec).toBe(specId);
  expect((await e.run(['connector', 'show', 'ops'])).stdout).toContain(`machineTemplateSpec ${specId}`);

  ops = await e.json(['layer', 'create', '--name', 'ops', '--version', '1', '--os-layer', 'win', '--connector', 'ops', '--disk-format', 'vhd', '--wait']);
  const d = await e.json(['machine', 'deploy', 'ops', '--machine-name', 'ops-pkg', ...MACHINE]);
  expect(d.task.state).toBe('Complete');
  expect(d.machine.name).toBe('ops-pkg');
  expect(d.machine.resources).toMatchObject({ nicId: expect.stringMatching(/networkInterfaces\/ops-pkg-ops-nic$/), diskId: expect.stringMatching(/disks\/ops-pkg-ops-disk$/) });
  // ARM read the template from the spec version (templateLink.id), with elm's values by name.
  const [deployment] = cloud.fake.deployments().filter((x) => String(x.name).startsWith(`elm-${ops.layer.id}-`)) as Doc[];
  expect(deployment.properties.templateLink).toEqual({ id: specId });
  expect(deployment.properties.parameters).toMatchObject({
    vmName: { value: 'ops-pkg' },
    vmSize: { value: 'Standard_D2s_v3' },
    subnetId: { value: `/subscriptions/${cloud.env.ELM_TEST_AZURE_SUBSCRIPTION_ID}/resourceGroups/${RG}/providers/Microsoft.Network/virtualNetworks/${VNET}/subnets/${SUBNET}` },
    hyperVGeneration: { value: 'V1' },
    securityType: { value: 'Standard' },
    costCentre: { value: 'packaging' },
  });
  const tagged = cloud.fake.inventory({ tag: ['elm-layer-id', ops.layer.id] });
  expect(tagged.map((r) => r.name).sort()).toEqual(['ops-pkg', 'ops-pkg-ops-disk', 'ops-pkg-ops-nic', 'ops-pkg-ops-nsg']);
  expect(tagged.every((r) => r.tags['elm-version'] === '1')).toBe(true);
  const nic = tagged.find((r) => r.name === 'ops-pkg-ops-nic')!;
  expect(nic.properties.networkSecurityGroup).toEqual({ id: tagged.find((r) => r.name === 'ops-pkg-ops-nsg')!.id });
}, SLOW);

test('a template missing a parameter elm passes, or whose VM lacks the tags parameter, is refused with exit 2 before anything is created', async () => {
  const missing = cloud.fake.addTemplateSpecVersion(RG, 'elm-packaging', 'missing', operatorTemplate(['subnetId', 'securityType']));
  const untagged = cloud.fake.addTemplateSpecVersion(RG, 'elm-packaging', 'untagged', operatorTemplate([], "[json('{}')]"));
  expectCode(await addConnector('missing', missing), 0);
  expectCode(await addConnector('untagged', untagged), 0);
  await e.json(['layer', 'create', '--name', 'refused', '--version', '1', '--os-layer', 'win', '--connector', 'missing', '--disk-format', 'vhd', '--wait']);
  await e.json(['layer', 'create', '--name', 'untag', '--version', '1', '--os-layer', 'win', '--connector', 'untagged', '--disk-format', 'vhd', '--wait']);
  const state = await stateBytes(e.home);
  const inventory = machineResources().map((r) => r.id).sort();
  const deployments = cloud.fake.deployments().length;
  const cases = [
    ['refused', /cannot deploy elm's packaging machine: it does not declare the parameters subnetId, securityType \(elm passes vmName, vmSize, subnetId/],
    ['untag', /no Microsoft\.Compute\/virtualMachines resource has tags "\[parameters\('resourceTags'\)\]"/],
  ] as const;
  for (const [layer, why] of cases) {
    const r = await e.run(['machine', 'deploy', layer, '--machine-name', 'no-pkg', ...MACHINE]);
    expectCode(r, 2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(why);
  }
  expect((await stateBytes(e.home))!.equals(state!)).toBe(true);
  expect(cloud.fake.deployments()).toHaveLength(deployments);
  expect(machineResources().map((r) => r.id).sort()).toEqual(inventory);
}, SLOW);

test("finalize deletes what carries the version's tags (the operator's NSG included) and nothing else", async () => {
  const others = machineResources().filter((r) => r.tags['elm-layer-id'] !== ops.layer.id).map((r) => r.id).sort();
  expect((await e.json(['verify', 'ops', '--shutdown'])).ready).toBe(true);
  const f = await e.json(['finalize', 'ops', '--wait']);
  expect(f.task.state).toBe('Complete');
  expect(cloud.fake.inventory({ tag: ['elm-layer-id', ops.layer.id] })).toEqual([]);
  expect(machineResources().map((r) => r.id).sort()).toEqual(others);
  expect(cloud.fake.inventory({ type: 'Microsoft.Network/virtualNetworks' }).map((r) => r.name)).toEqual([VNET]);
}, SLOW);

test('a local template file is recorded by its absolute path, deployed inline, and deploy-link is refused', async () => {
  const file = path.join(e.dir, 'ops-template.json');
  await fs.writeFile(file, JSON.stringify(operatorTemplate()));
  const rel = path.relative(process.cwd(), file);
  expectCode(await addConnector('opsfile', rel), 0);
  expect((await e.json(['connector', 'show', 'opsfile'])).machineTemplateSpec).toBe(file);
  const layer = await e.json(['layer', 'create', '--name', 'opsfile', '--version', '1', '--os-layer', 'win', '--connector', 'opsfile', '--disk-format', 'vhd', '--wait']);
  const link = await e.run(['machine', 'deploy-link', 'opsfile', '--machine-name', 'file-pkg', ...MACHINE]);
  expectCode(link, 2);
  expect(link.stderr).toMatch(/the portal link cannot carry: use elm machine deploy/);
  const d = await e.json(['machine', 'deploy', 'opsfile', '--machine-name', 'file-pkg', ...MACHINE]);
  expect(d.task.state).toBe('Complete');
  const [deployment] = cloud.fake.deployments().filter((x) => String(x.name).startsWith(`elm-${layer.layer.id}-`)) as Doc[];
  expect(deployment.properties.templateLink).toBeUndefined();
  expect(cloud.fake.inventory({ tag: ['elm-layer-id', layer.layer.id] }).map((r) => r.name).sort()).toEqual(['file-pkg', 'file-pkg-ops-disk', 'file-pkg-ops-nic', 'file-pkg-ops-nsg']);
}, SLOW);

test("layer build deploys the operator's template spec version and ends Deployable with nothing tagged left", async () => {
  const specId = cloud.fake.addTemplateSpecVersion(RG, 'elm-packaging', '2.0', operatorTemplate());
  expectCode(await addConnector('opsbuild', specId), 0);
  const file = path.join(e.dir, 'opsbuild.yaml');
  await fs.writeFile(
    file,
    [
      'layer:', '  name: opsbuild', '  version: "1"', '  osLayer: win', '  connector: opsbuild', '  purpose: packaging', '  hypervisor: azure', '  diskFormat: vhd',
      'machine:', '  name: build-pkg', '  size: Standard_D2s_v3', `  vnet: ${VNET}`, `  subnet: ${SUBNET}`,
      'steps:', '  - name: tools', '    inline: "Write-Output installed"',
    ].join('\n'),
  );
  const r = await e.run(['layer', 'build', '-f', file, '--wait', '--json']);
  expectCode(r, 0);
  const doc = JSON.parse(r.stdout);
  expect(doc.task).toMatchObject({ kind: 'LayerBuild', state: 'Complete' });
  expect((await e.json(['layer', 'show', 'opsbuild'])).versions[0].state).toBe('Deployable');
  // The step ran on the operator's VM; finalize deleted the operator's NIC, NSG and disk by their tags.
  expect(cloud.fake.managedRunCommands.some((c) => c.vmName === 'build-pkg')).toBe(true);
  const deletes = cloud.fake.requests.filter((q) => q.method === 'DELETE').map((q) => q.path);
  for (const n of ['virtualMachines/build-pkg', 'networkInterfaces/build-pkg-ops-nic', 'networkSecurityGroups/build-pkg-ops-nsg', 'disks/build-pkg-ops-disk'])
    expect(deletes.some((p) => p.endsWith(n))).toBe(true);
  expect(cloud.fake.inventory({ tag: ['elm-layer-id', doc.layer.id] })).toEqual([]);
}, SLOW);

test("a failed deployment of the operator's template is cleaned up by tags: what it created is deleted, nothing else", async () => {
  // The operator's template fixes a size Azure does not offer: the NSG, NIC and disk exist, then the VM fails.
  const specId = cloud.fake.addTemplateSpecVersion(RG, 'elm-packaging', 'badsize', operatorTemplate([], "[parameters('resourceTags')]", 'Standard_Nope_v9'));
  expectCode(await addConnector('opsfail', specId), 0);
  const layer = await e.json(['layer', 'create', '--name', 'opsfail', '--version', '1', '--os-layer', 'win', '--connector', 'opsfail', '--disk-format', 'vhd', '--wait']);
  const others = machineResources().map((r) => r.id).sort();
  const r = await e.run(['machine', 'deploy', 'opsfail', '--machine-name', 'fail-pkg', ...MACHINE, '--json']);
  expectCode(r, 1);
  const deletes = cloud.fake.requests.filter((q) => q.method === 'DELETE').map((q) => q.path);
  for (const n of ['networkInterfaces/fail-pkg-ops-nic', 'networkSecurityGroups/fail-pkg-ops-nsg', 'disks/fail-pkg-ops-disk']) expect(deletes.some((p) => p.endsWith(n))).toBe(true);
  expect(cloud.fake.inventory({ tag: ['elm-layer-id', layer.layer.id] })).toEqual([]);
  expect(machineResources().map((x) => x.id).sort()).toEqual(others);
  expect((await e.run(['task', 'show', JSON.parse(r.stdout).task.id, '--json'])).stdout).toMatch(/Standard_Nope_v9[\s\S]*What it had created was removed/);
}, SLOW);
