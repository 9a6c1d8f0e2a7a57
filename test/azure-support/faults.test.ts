/**
 * Injected faults as the real SDKs see them: throttling with Retry-After, server errors and
 * dropped connections retried by the SDK pipelines, long-running operations that end Failed,
 * authentication failures, and the timing of long-running operations.
 */
import * as https from 'node:https';
import type { ResourceManagementClient } from '@azure/arm-resources';
import type { ComputeManagementClient } from '@azure/arm-compute';
import {
  ArmFake,
  Azurite,
  fakeArmClients,
  packagingVmTemplate,
  seedAzureEnvironment,
  SeededEnvironment,
  startArmFake,
  startAzurite,
} from '../support/azure';

let azurite: Azurite;
let fake: ArmFake;
let env: SeededEnvironment;
let resources: ResourceManagementClient;
let compute: ComputeManagementClient;
const VM = 'pkg-f1';

beforeAll(async () => {
  azurite = await startAzurite({ https: true });
  fake = await startArmFake({ azurite });
  env = await seedAzureEnvironment(fake, azurite);
  ({ resources, compute } = fakeArmClients(fake, { fastRetries: true }));
  await deploy(VM);
});

afterEach(() => {
  expect(fake.pendingFaults()).toEqual([]); // every injected fault was hit
  fake.clearFaults();
  fake.configureLro({ polls: 1, retryAfterSeconds: 0 });
});

afterAll(async () => {
  const problems = { unhandled: fake.unhandled, internalErrors: fake.internalErrors };
  await fake.stop();
  await azurite.stop();
  expect(problems).toEqual({ unhandled: [], internalErrors: [] });
});

function deploy(vmName: string, deploymentName = `deploy-${vmName}`) {
  const parameters = Object.fromEntries(
    Object.entries({
      vmName,
      virtualNetworkName: env.virtualNetwork,
      subnetName: env.subnet,
      sourceVhdUri: env.sourceVhdUri,
      storageAccountId: env.storageAccountId,
      resourceTags: { 'elm-version': vmName },
    }).map(([k, value]) => [k, { value }]),
  );
  return resources.deployments.beginCreateOrUpdateAndWait(env.resourceGroup, deploymentName, {
    properties: { mode: 'Incremental', template: packagingVmTemplate(), parameters },
  });
}

const requestsTo = (path: string) => fake.requests.filter((r) => r.path.toLowerCase().endsWith(path.toLowerCase()));
const powerState = async (vm = VM) =>
  (await compute.virtualMachines.instanceView(env.resourceGroup, vm)).statuses?.map((s) => s.code).find((c) => c?.startsWith('PowerState/'));

describe('throttling', () => {
  it('arm-compute waits for Retry-After on a 429, then succeeds', async () => {
    fake.fail({ method: 'GET', path: `/virtualMachines/${VM}`, status: 429, retryAfterSeconds: 1 });
    const started = Date.now();
    const vm = await compute.virtualMachines.get(env.resourceGroup, VM);
    expect(vm.name).toBe(VM);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(requestsTo(`/virtualMachines/${VM}`).slice(-2).map((r) => [r.status, r.fault])).toEqual([
      [429, 'fail'],
      [200, undefined],
    ]);
  });

  it('arm-resources does the same', async () => {
    fake.fail({ path: `/resourcegroups/${env.resourceGroup}`, status: 429, retryAfterSeconds: 1 });
    const started = Date.now();
    await resources.resourceGroups.get(env.resourceGroup);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  it('the SDK gives up after its retries and surfaces the 429 with ARM’s error code', async () => {
    fake.fail({ path: `/virtualMachines/${VM}`, status: 429, retryAfterSeconds: 0, times: 4 });
    await expect(compute.virtualMachines.get(env.resourceGroup, VM)).rejects.toMatchObject({ statusCode: 429, code: 'TooManyRequests' });
  });
});

describe('server errors and dropped connections', () => {
  it('a 500 is retried by the SDK', async () => {
    fake.fail({ path: `/virtualMachines/${VM}`, status: 500, times: 2 });
    expect((await compute.virtualMachines.get(env.resourceGroup, VM)).name).toBe(VM);
    expect(requestsTo(`/virtualMachines/${VM}`).slice(-3).map((r) => r.status)).toEqual([500, 500, 200]);
  });

  it('a dropped connection is retried (a GET, and a poll of a long-running operation)', async () => {
    fake.drop({ method: 'GET', path: `/virtualMachines/${VM}` });
    expect((await compute.virtualMachines.get(env.resourceGroup, VM)).name).toBe(VM);
    expect(requestsTo(`/virtualMachines/${VM}`).slice(-2).map((r) => r.fault ?? r.status)).toEqual(['drop', 200]);

    fake.drop({ path: '/providers/Microsoft.Compute/locations/westeurope/operations/' });
    await compute.virtualMachines.beginPowerOffAndWait(env.resourceGroup, VM);
    expect(await powerState()).toBe('PowerState/stopped');
    await compute.virtualMachines.beginStartAndWait(env.resourceGroup, VM);
  });

  it('a failure on the token endpoint is retried by @azure/identity', async () => {
    const { compute: fresh } = fakeArmClients(fake, { fastRetries: true }); // new credential, empty token cache
    fake.fail({ path: '/oauth2/v2.0/token', status: 503 });
    expect((await fresh.virtualMachines.get(env.resourceGroup, VM)).name).toBe(VM);
  });
});

describe('long-running operations', () => {
  it('a failed operation surfaces as an error and the VM keeps its state', async () => {
    fake.failOperation({ path: `/virtualMachines/${VM}/deallocate` });
    // core-lro reports a Failed operation as a plain Error (no code property) naming code and message.
    await expect(compute.virtualMachines.beginDeallocateAndWait(env.resourceGroup, VM)).rejects.toThrow(
      'The long-running operation has failed. InternalExecutionError. An internal execution error occurred.',
    );
    expect(await powerState()).toBe('PowerState/running');
  });

  it('a failed deployment creates nothing and reports provisioningState Failed', async () => {
    fake.failOperation({ method: 'PUT', path: '/deployments/deploy-pkg-f2', code: 'ResourceDeploymentFailure', message: 'injected' });
    await expect(deploy('pkg-f2')).rejects.toThrow(/ResourceDeploymentFailure/);
    expect((await resources.deployments.get(env.resourceGroup, 'deploy-pkg-f2')).properties?.provisioningState).toBe('Failed');
    expect(fake.inventory({ tag: ['elm-version', 'pkg-f2'] })).toEqual([]);
  });

  it('an operation can fail after doing its work (applyEffects): the delete happened anyway', async () => {
    await deploy('pkg-f3');
    fake.failOperation({ method: 'DELETE', path: '/virtualMachines/pkg-f3', applyEffects: true });
    await expect(compute.virtualMachines.beginDeleteAndWait(env.resourceGroup, 'pkg-f3')).rejects.toThrow(/InternalExecutionError/);
    await expect(compute.virtualMachines.get(env.resourceGroup, 'pkg-f3')).rejects.toMatchObject({ statusCode: 404 });
  });

  it('with more polls the transient power state is visible, and Retry-After paces the polls', async () => {
    fake.configureLro({ polls: 3, retryAfterSeconds: 1 });
    const poller = await compute.virtualMachines.beginDeallocate(env.resourceGroup, VM);
    expect(await powerState()).toBe('PowerState/deallocating');
    const started = Date.now();
    await poller.pollUntilDone();
    expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
    expect(await powerState()).toBe('PowerState/deallocated');
    const counts = fake.requestCounts('arm');
    expect(counts['GET /subscriptions/' + fake.subscriptionId + '/providers/Microsoft.Compute/locations/westeurope/operations/{id}']).toBeGreaterThanOrEqual(4);
    const lastPolls = fake.requests.filter((r) => r.path.includes('/operations/')).slice(-4);
    expect(lastPolls.map((r) => r.query.monitor === 'true')).toEqual([false, false, false, true]); // status ×3, then the Location result
  });
});

describe('run command limits', () => {
  it('returns only the last 4096 bytes of output, and one command at a time', async () => {
    await compute.virtualMachines.beginStartAndWait(env.resourceGroup, VM);
    const long = `${'x'.repeat(5000)}THE-END`;
    fake.onRunCommand(VM, () => ({ stdout: long, stderr: 'warning' }));
    const first = await compute.virtualMachines.beginRunCommand(env.resourceGroup, VM, { commandId: 'RunPowerShellScript', script: ['noisy'] });
    await expect(
      compute.virtualMachines.beginRunCommandAndWait(env.resourceGroup, VM, { commandId: 'RunPowerShellScript', script: ['second'] }),
    ).rejects.toMatchObject({ statusCode: 409, code: 'Conflict' });
    const result = await first.pollUntilDone();
    expect(result.value?.[0].message).toHaveLength(4096);
    expect(result.value?.[0].message?.endsWith('THE-END')).toBe(true);
    expect(result.value?.[1].message).toBe('warning');
    await expect(
      compute.virtualMachines.beginRunCommandAndWait(env.resourceGroup, VM, { commandId: 'RunShellScript', script: ['uname'] }),
    ).rejects.toMatchObject({ statusCode: 409, code: 'OperationNotAllowed' });
  });
});

describe('authentication', () => {
  const raw = (path: string, token?: string) =>
    new Promise<{ status: number; headers: Record<string, unknown>; body: { error?: { code: string; message: string } } }>((resolve, reject) => {
      const req = https.request(`${fake.url}${path}`, { ca: fake.caPem, headers: token ? { authorization: `Bearer ${token}` } : {} }, (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: JSON.parse(text || '{}') }));
      });
      req.on('error', reject);
      req.end();
    });
  const rgPath = () => `/subscriptions/${fake.subscriptionId}/resourcegroups/${env.resourceGroup}?api-version=2025-03-01`;

  it('requires a bearer token issued for ARM, unexpired, in the tenant', async () => {
    const none = await raw(rgPath());
    expect(none.status).toBe(401);
    expect(none.body.error?.code).toBe('AuthenticationFailed');
    expect(String(none.headers['www-authenticate'])).toMatch(/^Bearer authorization_uri=/);

    expect((await raw(rgPath(), 'not-a-token')).body.error?.code).toBe('InvalidAuthenticationToken');
    expect((await raw(rgPath(), fake.issueToken({ audience: 'https://storage.azure.com/' }))).body.error?.code).toBe('InvalidAuthenticationTokenAudience');
    expect((await raw(rgPath(), fake.issueToken({ lifetimeSeconds: -60 }))).body.error?.code).toBe('ExpiredAuthenticationToken');
    const ok = await raw(rgPath(), fake.issueToken());
    expect(ok.status).toBe(200);
  });

  it('answers unknown subscriptions, missing api-version and unknown paths with ARM errors', async () => {
    const token = fake.issueToken();
    expect((await raw(`/subscriptions/other/resourcegroups/x?api-version=2025-03-01`, token)).body.error?.code).toBe('SubscriptionNotFound');
    expect((await raw(`/subscriptions/${fake.subscriptionId}/resourcegroups/${env.resourceGroup}`, token)).body.error?.code).toBe('MissingApiVersionParameter');
    const before = fake.unhandled.length;
    const unknown = await raw(`/subscriptions/${fake.subscriptionId}/providers/Microsoft.Nothing/things?api-version=1`, token);
    expect(unknown.status).toBe(404);
    expect(fake.unhandled.length).toBe(before + 1);
    fake.unhandled.pop(); // expected here; afterAll checks the rest
  });
});
