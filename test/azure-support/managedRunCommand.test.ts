/**
 * The ARM fake's managed Run Command (virtualMachines/{vm}/runCommands/{name}) through the real
 * arm-compute SDK, held to what Azure documents: protectedParameters are never returned (plain
 * parameters are), the instance view (only with $expand=instanceView) carries executionState,
 * exitCode and the last 4 KB of output, a PUT on a running command replaces it (the old run ends
 * Canceled), the same PUT again does not run it again, DELETE stops a running script, a stopped
 * VM refuses it, too old an api-version is refused, the commands go with their VM, and the script
 * copies Run Command downloads into the guest go with the run command or the action's extension.
 */
import type { ComputeManagementClient } from '@azure/arm-compute';
import { ArmFake, Azurite, fakeArmClients, makeFixedVhd, MANAGED_OUTPUT_LIMIT, packagingVmTemplate, startArmFake, startAzurite, uploadPageBlob } from '../support/azure';
import type { ResourceManagementClient } from '@azure/arm-resources';

const RG = 'mrc-rg';
const LOCATION = 'westeurope';
const VM = 'mrc-vm';
const SECRET = 'pr0tected-value';

let azurite: Azurite;
let fake: ArmFake;
let compute: ComputeManagementClient;
let resources: ResourceManagementClient;

type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

beforeAll(async () => {
  azurite = await startAzurite({ https: true });
  fake = await startArmFake({ azurite });
  fake.addResourceGroup(RG, LOCATION);
  const storageAccountId = fake.addStorageAccount('mrcstore', { resourceGroup: RG, location: LOCATION }).id;
  fake.addVirtualNetwork('vnet', { resourceGroup: RG, location: LOCATION, subnets: ['default'] });
  ({ compute, resources } = fakeArmClients(fake, { fastRetries: true }));
  const vhd = await uploadPageBlob(azurite, 'packaging', 'os.vhd', makeFixedVhd(2 * 1024 * 1024));
  const template = packagingVmTemplate() as Doc;
  const parameters = Object.fromEntries(
    Object.entries({ vmName: VM, vmSize: 'Standard_D2s_v3', virtualNetworkName: 'vnet', subnetName: 'default', sourceVhdUri: vhd, storageAccountId, resourceTags: {} }).map(([k, value]) => [k, { value }]),
  );
  await resources.deployments.beginCreateOrUpdateAndWait(RG, 'vm', { properties: { mode: 'Incremental', template, parameters } });
}, 120_000);

afterAll(async () => {
  const problems = { unhandled: fake.unhandled, internalErrors: fake.internalErrors.map((e) => e.message) };
  await fake.stop();
  await azurite.stop();
  expect(problems).toEqual({ unhandled: [], internalErrors: [] });
});

const body = (script: string, extra: Doc = {}) => ({ location: LOCATION, source: { script }, asyncExecution: true, treatFailureAsDeploymentFailure: false, ...extra });

async function until(name: string, states: string[]): Promise<Doc> {
  for (let i = 0; i < 200; i++) {
    const rc = await compute.virtualMachineRunCommands.getByVirtualMachine(RG, VM, name, { expand: 'instanceView' });
    if (states.includes(rc.instanceView?.executionState ?? '')) return rc;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`${name} never reached ${states.join('/')}`);
}

test('protectedParameters reach the script but never come back; parameters do; the instance view has the exit code and the last 4 KB of output', async () => {
  let seen: Record<string, string> = {};
  fake.onRunCommand(VM, (_script, params) => {
    seen = params;
    return { stdout: `${'x'.repeat(5000)}END`, stderr: 'warn', exitCode: 3010 };
  });
  await compute.virtualMachineRunCommands.beginCreateOrUpdateAndWait(RG, VM, 'one', body('Write-Output hi', { parameters: [{ name: 'Plain', value: 'p' }], protectedParameters: [{ name: 'Secret', value: SECRET }] }));
  const rc = await until('one', ['Succeeded', 'Failed']);
  expect(seen).toEqual({ Plain: 'p', Secret: SECRET });
  expect(rc.parameters).toEqual([{ name: 'Plain', value: 'p' }]);
  expect(rc.protectedParameters).toBeUndefined();
  expect(rc.instanceView).toMatchObject({ executionState: 'Failed', exitCode: 3010, error: 'warn' });
  expect(Buffer.byteLength(rc.instanceView!.output!)).toBe(MANAGED_OUTPUT_LIMIT);
  expect(rc.instanceView!.output!.endsWith('END')).toBe(true);
  // Without $expand there is no instance view; in no answer is the protected value.
  expect((await compute.virtualMachineRunCommands.getByVirtualMachine(RG, VM, 'one')).instanceView).toBeUndefined();
  const listed = [];
  for await (const r of compute.virtualMachineRunCommands.listByVirtualMachine(RG, VM, { expand: 'instanceView' })) listed.push(r);
  expect(listed.map((r) => r.name)).toEqual(['one']);
  expect(fake.responsesContaining(SECRET)).toEqual([]);
  expect(fake.managedRunCommands.at(-1)?.protectedParameters).toEqual({ Secret: SECRET });
});

test('the same PUT again runs nothing; after DELETE it runs again; a PUT on a running command replaces it (Canceled); DELETE stops a running one', async () => {
  let runs = 0;
  let release!: () => void;
  fake.onRunCommand(VM, async () => {
    runs += 1;
    if (runs === 3) await new Promise<void>((r) => (release = r));
    return 'ok';
  });
  await compute.virtualMachineRunCommands.beginCreateOrUpdateAndWait(RG, VM, 'two', body('a'));
  await until('two', ['Succeeded']);
  await compute.virtualMachineRunCommands.beginCreateOrUpdateAndWait(RG, VM, 'two', body('a'));
  expect(runs).toBe(1);
  await compute.virtualMachineRunCommands.beginDeleteAndWait(RG, VM, 'two');
  await compute.virtualMachineRunCommands.beginCreateOrUpdateAndWait(RG, VM, 'two', body('a'));
  await until('two', ['Succeeded']);
  expect(runs).toBe(2);
  // A long one, replaced by a PUT with another script: the first ends Canceled, the second runs.
  await compute.virtualMachineRunCommands.beginCreateOrUpdateAndWait(RG, VM, 'three', body('long'));
  expect((await until('three', ['Running'])).instanceView?.executionState).toBe('Running');
  fake.onRunCommand(VM, () => 'second');
  await compute.virtualMachineRunCommands.beginCreateOrUpdateAndWait(RG, VM, 'three', body('short'));
  expect((await until('three', ['Succeeded'])).instanceView?.output).toBe('second');
  release();
  // DELETE of a running command: gone, its late end ignored.
  fake.onRunCommand(VM, () => new Promise(() => undefined));
  await compute.virtualMachineRunCommands.beginCreateOrUpdateAndWait(RG, VM, 'four', body('forever'));
  await compute.virtualMachineRunCommands.beginDeleteAndWait(RG, VM, 'four');
  await expect(compute.virtualMachineRunCommands.getByVirtualMachine(RG, VM, 'four')).rejects.toMatchObject({ statusCode: 404 });
});

test('the copies Run Command downloads into the guest: a managed run command\'s goes with its resource; the action\'s with the RunCommandWindows extension, which a stopped VM cannot drop', async () => {
  fake.onRunCommand(VM, () => 'ok');
  await compute.virtualMachineRunCommands.beginCreateOrUpdateAndWait(RG, VM, 'copies', body('Write-Output copies'));
  await until('copies', ['Succeeded']);
  await compute.virtualMachines.beginRunCommandAndWait(RG, VM, { commandId: 'RunPowerShellScript', script: ['Write-Output action'] });
  fake.setPowerState(RG, VM, 'deallocated');
  await expect(compute.virtualMachineExtensions.beginDeleteAndWait(RG, VM, 'RunCommandWindows')).rejects.toMatchObject({ statusCode: 409, code: 'OperationNotAllowed' });
  fake.setPowerState(RG, VM, 'running');
  await compute.virtualMachines.beginDeallocateAndWait(RG, VM);
  const held = fake.guestFilesWhenStopped(VM) ?? [];
  expect(held.some((f) => /RunCommandHandlerWindows\\[^\\]+\\Downloads\\copies\\/.test(f))).toBe(true);
  expect(held.some((f) => /RunCommandWindows\\[^\\]+\\Downloads\\script\d+\.ps1$/.test(f))).toBe(true);
  await compute.virtualMachines.beginStartAndWait(RG, VM);
  await compute.virtualMachineRunCommands.beginDeleteAndWait(RG, VM, 'copies');
  await compute.virtualMachineExtensions.beginDeleteAndWait(RG, VM, 'RunCommandWindows');
  await compute.virtualMachines.beginDeallocateAndWait(RG, VM);
  expect((fake.guestFilesWhenStopped(VM) ?? []).filter((f) => /\\Downloads\\(copies\\|script\d)/.test(f))).toEqual([]);
  await compute.virtualMachines.beginStartAndWait(RG, VM);
});

test('refused: a VM that is not running or whose agent is not Ready, a location other than the VM\'s, two sources, an api-version before managed Run Command; the commands go with the VM', async () => {
  await expect(compute.virtualMachineRunCommands.beginCreateOrUpdateAndWait(RG, VM, 'x', { ...body('a'), location: 'eastus' })).rejects.toMatchObject({ statusCode: 400 });
  await expect(compute.virtualMachineRunCommands.beginCreateOrUpdateAndWait(RG, VM, 'x', { ...body('a'), source: { script: 'a', scriptUri: 'https://x/y.ps1' } })).rejects.toMatchObject({ statusCode: 400 });
  const old = await fetchArm(`/subscriptions/${fake.subscriptionId}/resourceGroups/${RG}/providers/Microsoft.Compute/virtualMachines/${VM}/runCommands/x?api-version=2020-06-01`);
  expect(old).toMatchObject({ status: 400, code: 'NoRegisteredProviderFound' });
  fake.setPowerState(RG, VM, 'deallocated');
  await expect(compute.virtualMachineRunCommands.beginCreateOrUpdateAndWait(RG, VM, 'x', body('a'))).rejects.toMatchObject({ statusCode: 409, code: 'OperationNotAllowed' });
  fake.setPowerState(RG, VM, 'running');
  // No VM agent Ready: Run Command has no carrier (Run Command restrictions).
  fake.setVmAgent(RG, VM, 'NotReady');
  await expect(compute.virtualMachineRunCommands.beginCreateOrUpdateAndWait(RG, VM, 'x', body('a'))).rejects.toMatchObject({ statusCode: 409, code: 'VMAgentStatusCommunicationError' });
  fake.setVmAgent(RG, VM, 'Ready');
  expect(fake.managedRunCommandNames().length).toBeGreaterThan(0);
  await compute.virtualMachines.beginDeleteAndWait(RG, VM);
  expect(fake.managedRunCommandNames()).toEqual([]);
});

/** A raw GET against the fake with a token (the SDK always sends its own api-version). */
async function fetchArm(path: string): Promise<{ status: number; code?: string }> {
  const https = await import('node:https');
  const token = fake.issueToken();
  return new Promise((resolve, reject) => {
    const req = https.request(`${fake.url}${path}`, { ca: fake.caPem, headers: { Authorization: `Bearer ${token}` } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, code: JSON.parse(Buffer.concat(chunks).toString() || '{}').error?.code }));
    });
    req.on('error', reject);
    req.end();
  });
}
