/**
 * The portal lets the operator deploy the packaging machine into any resource group: deploy-link
 * says which group to choose (with the group's own location), and a machine deployed into another
 * group of the subscription is found by its tags there; verify runs in it and finalize deletes
 * exactly what the deployment made there.
 */
import { Cloud, connectorFlags, Doc, Env, expectCode, httpsRequest, LOCATION, probeStandIn, RG, scratch, startCloud, SUBNET, VNET } from './helpers';
import { fakeArmClients } from '../support/azure/sdkClients';

jest.setTimeout(240_000);

const TEAM_RG = 'team-rg';
let cloud: Cloud;
let e: Env;

beforeAll(async () => {
  cloud = await startCloud({ oauth: true });
  e = await scratch(cloud, 'elm-e2e-azure-portal-rg-');
  cloud.fake.onRunCommand('*', probeStandIn(() => []));
  cloud.fake.addResourceGroup(TEAM_RG, LOCATION);
  cloud.fake.addVirtualNetwork(VNET, { resourceGroup: TEAM_RG, location: LOCATION, subnets: [SUBNET] });
  await e.json(connectorFlags(cloud, 'az', ['--client-id', cloud.env.ELM_TEST_AZURE_CLIENT_ID, '--client-secret-env', 'ELM_TEST_AZURE_CLIENT_SECRET']));
  await e.json(['os-layer', 'import', '--name', 'w10', '--version', '1', '--disk', e.osDisk]);
  await e.json(['layer', 'create', '--name', 'teamplat', '--version', '1', '--os-layer', 'w10', '--connector', 'az', '--purpose', 'packaging', '--hypervisor', 'azure', '--disk-format', 'vhd', '--wait']);
});

afterAll(async () => {
  const problems = { unhandled: cloud.fake.unhandled, internalErrors: cloud.fake.internalErrors.map((x) => x.message) };
  await cloud.stop();
  await e.cleanup();
  expect(problems).toEqual({ unhandled: [], internalErrors: [] });
});

const inGroup = (rg: string) => cloud.fake.inventory().filter((r) => r.id.toLowerCase().includes(`/resourcegroups/${rg.toLowerCase()}/`) && /virtualMachines|networkInterfaces|Compute\/disks/.test(r.type));

test('deployed into another group through the portal: found there, verified, and finalize cleans that group', async () => {
  const machineFlags = ['--machine-name', 'team-pkg', '--size', 'Standard_D2s_v3', '--vnet', VNET, '--subnet', SUBNET];
  const link = await e.json(['machine', 'deploy-link', 'teamplat', ...machineFlags]);
  expect(link.parameters).toMatchObject({ resourceGroup: RG, resourceGroupLocation: LOCATION });
  expect(link.note).toContain(`In the portal choose resource group ${RG} (${LOCATION}), the storage account's region; a machine deployed into another group of the subscription is found by its tags.`);

  // What the portal does with the link: the operator picked team-rg.
  const sasUrl = decodeURIComponent(link.link.slice(link.link.indexOf('/uri/') + 5));
  const template = JSON.parse((await httpsRequest(sasUrl, cloud.fake.caPem)).text) as Doc;
  const { resources } = fakeArmClients(cloud.fake, { fastRetries: true });
  await resources.deployments.beginCreateOrUpdateAndWait(TEAM_RG, 'portal-deploy', { properties: { mode: 'Incremental', template, parameters: {} } });
  expect(inGroup(TEAM_RG).map((r) => r.name).sort()).toEqual(['team-pkg', 'team-pkg-nic', 'team-pkg-osdisk']);

  expect((await e.json(['machine', 'status', 'teamplat'])).machine.status).toBe('running');
  expectCode(await e.run(['verify', 'teamplat', '--shutdown']), 0);
  // Something else tagged for this version in team-rg that the machine does not reference: the
  // leftovers check after cleanup looks across the subscription, not only the connector's group.
  const vmTags = inGroup(TEAM_RG).find((r) => r.name === 'team-pkg')!.tags;
  const stray = cloud.fake.addVirtualNetwork('team-pkg-extra', { resourceGroup: TEAM_RG, location: LOCATION, tags: vmTags });
  const failed = await e.run(['finalize', 'teamplat', '--wait', '--json']);
  expectCode(failed, 1);
  const task = JSON.parse(failed.stdout).task as Doc;
  expect(task.description).toContain(`Cleanup left 1 resource tagged for this layer version in resource group ${TEAM_RG}: ${stray.id}`);
  expect(inGroup(TEAM_RG)).toEqual([]); // the machine itself was deleted
  await resources.resources.beginDeleteByIdAndWait(stray.id, '2025-05-01');
  expectCode(await e.run(['task', 'resume', task.id, '--wait']), 0);
  expect((await e.json(['layer', 'show', 'teamplat'])).versions[0].state).toBe('Deployable');
});
