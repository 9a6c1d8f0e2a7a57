/**
 * Finalize on Azure when Azure misbehaves: each step (deallocate, grant access, copy, revoke,
 * the deletes, the leftover check) under throttling with Retry-After, server errors, dropped
 * connections and failed long-running operations either completes after retries, or fails the
 * task (exit 1) and `task resume` completes it; a worker killed mid-finalize is resumed by the
 * next `finalize --wait`. Nothing of the version is left behind either way.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  blobExists,
  Cloud,
  connectorFlags,
  Doc,
  Env,
  expectCode,
  expectNoSecrets,
  MiB,
  probeStandIn,
  readBlob,
  RG,
  scratch,
  startCloud,
  SUBNET,
  VNET,
} from './helpers';

let cloud: Cloud;
let e: Env;

beforeAll(async () => {
  cloud = await startCloud({ oauth: true });
  e = await scratch(cloud, 'elm-e2e-azure-faults-');
  cloud.fake.onRunCommand('*', probeStandIn(() => []));
  await e.json(connectorFlags(cloud, 'az', ['--client-id', cloud.env.ELM_TEST_AZURE_CLIENT_ID, '--client-secret-env', 'ELM_TEST_AZURE_CLIENT_SECRET']));
  await e.json(['os-layer', 'import', '--name', 'win', '--version', '1', '--disk', e.osDisk]);
});

afterEach(() => {
  cloud.fake.clearFaults();
  cloud.fake.configureLro({ polls: 1, retryAfterSeconds: 0 });
});

afterAll(async () => {
  const problems = { unhandled: cloud.fake.unhandled, internalErrors: cloud.fake.internalErrors.map((x) => x.message) };
  await cloud.stop();
  await e.cleanup();
  expect(problems).toEqual({ unhandled: [], internalErrors: [] });
});

/** A layer with its packaging machine deployed and the software "installed"; verified clean. */
async function deployed(layer: string, vm: string, opts: { shutdown: boolean }): Promise<{ created: Doc; disk: string }> {
  const created = await e.json(['layer', 'create', '--name', layer, '--version', '1', '--os-layer', 'win', '--connector', 'az', '--disk-format', 'vhd', '--wait']);
  await e.json(['machine', 'deploy', layer, '--machine-name', vm, '--size', 'Standard_D2s_v3', '--vnet', VNET, '--subnet', SUBNET]);
  await cloud.fake.writeDisk(RG, `${vm}-osdisk`, 5 * MiB, Buffer.alloc(4096, 0x42));
  const v = await e.json(['verify', layer, ...(opts.shutdown ? ['--shutdown'] : [])]);
  expect(v.ready).toBe(true);
  return { created, disk: created.packagingDisk.location };
}

function expectNothingLeft(layer: Doc, disk: string): Promise<void> {
  expect(cloud.fake.inventory({ tag: ['elm-layer-id', layer.id] })).toEqual([]);
  expect(cloud.fake.deployments().filter((d) => String(d.name).startsWith(`elm-${layer.id}-`))).toEqual([]);
  return blobExists(cloud.azurite, disk).then((exists) => expect(exists).toBe(false));
}

test('429 with Retry-After, 500s, dropped connections and failed operations on every step: finalize completes', async () => {
  const { created, disk } = await deployed('fa', 'pkg-a', { shutdown: false });
  // The operator shut the machine down from inside: stopped, still allocated; finalize deallocates.
  cloud.fake.setPowerState(RG, 'pkg-a', 'stopped');
  const machineDisk = await cloud.fake.readDisk(RG, 'pkg-a-osdisk');
  const f = cloud.fake;
  f.fail({ method: 'POST', path: '/virtualMachines/pkg-a/deallocate', status: 500 });
  f.failOperation({ path: '/virtualMachines/pkg-a/deallocate' });
  f.fail({ method: 'POST', path: '/disks/pkg-a-osdisk/beginGetAccess', status: 429, retryAfterSeconds: 1 });
  f.drop({ method: 'POST', path: '/disks/pkg-a-osdisk/endGetAccess' });
  f.fail({ method: 'DELETE', path: '/virtualMachines/pkg-a', status: 429, retryAfterSeconds: 1 });
  f.fail({ method: 'DELETE', path: '/virtualMachines/pkg-a', status: 500, times: 2 });
  f.drop({ method: 'DELETE', path: '/networkInterfaces/pkg-a-nic' });
  // More failures than the SDK's own retries: elm's retry loop around the delete takes over.
  f.fail({ method: 'DELETE', path: '/disks/pkg-a-osdisk', status: 503, times: 6 });
  f.failOperation({ method: 'DELETE', path: '/deployments/' });
  f.fail({ method: 'GET', path: `/resourceGroups/${RG}/resources`, status: 500 });

  const started = Date.now();
  const r = await e.json(['finalize', 'fa', '--wait']);
  expect(r.task.state).toBe('Complete');
  expect(r.version.state).toBe('Deployable');
  expect(Date.now() - started).toBeGreaterThanOrEqual(2000); // two Retry-After: 1 were honoured
  expect(f.pendingFaults()).toEqual([]);
  expect(Buffer.compare(await readBlob(cloud.azurite, r.artifact.location), machineDisk)).toBe(0);
  await expectNothingLeft(created.layer, disk);
}, 240_000);

test('steps that keep failing fail the task (exit 1); task resume completes it from where it stopped', async () => {
  const { created, disk } = await deployed('fb', 'pkg-b', { shutdown: true });
  const machineDisk = await cloud.fake.readDisk(RG, 'pkg-b-osdisk');
  // Capture: granting access keeps failing (a long-running operation that ends Failed).
  // (applyEffects: access is granted server-side, yet the operation reports failure.)
  cloud.fake.failOperation({ path: '/disks/pkg-b-osdisk/beginGetAccess', times: Infinity, code: 'InternalExecutionError', applyEffects: true });
  const r1 = await e.run(['finalize', 'fb', '--wait', '--json']);
  expectCode(r1, 1);
  const j1 = JSON.parse(r1.stdout);
  expect(j1.task.state).toBe('Failed');
  expect(j1.task.error).toMatch(/Capturing disk pkg-b-osdisk/);
  expect(j1.version.state).toBe('Finalizable'); // back where it was: finalize can be retried
  expect(cloud.fake.inventory({ tag: ['elm-layer-id', created.layer.id] })).toHaveLength(3);
  // Access was revoked even though the capture failed (the disk stays deletable, the VM startable).
  const grants = cloud.fake.requests.filter((q) => q.method === 'POST' && q.path.endsWith('/pkg-b-osdisk/beginGetAccess'));
  const revokes = cloud.fake.requests.filter((q) => q.method === 'POST' && q.path.endsWith('/pkg-b-osdisk/endGetAccess'));
  expect(grants.length).toBeGreaterThan(1); // retried
  expect(revokes.length).toBeGreaterThan(0);
  expect(revokes.at(-1)!.at).toBeGreaterThanOrEqual(grants.at(-1)!.at);

  // Cleanup: the NIC delete keeps failing with 500 until the fault is cleared.
  cloud.fake.clearFaults();
  cloud.fake.fail({ method: 'DELETE', path: '/networkInterfaces/pkg-b-nic', status: 500, times: Infinity });
  const r2 = await e.run(['task', 'resume', j1.task.id, '--json']);
  expectCode(r2, 1);
  const j2 = JSON.parse(r2.stdout);
  expect(j2.state).toBe('Failed');
  expect(j2.description).toMatch(/cleanup.*network interface pkg-b-nic/);
  expect(cloud.fake.inventory({ type: 'Microsoft.Compute/virtualMachines' }).map((v) => v.name)).not.toContain('pkg-b'); // the VM went first

  cloud.fake.clearFaults();
  const requestsBefore = cloud.fake.countRequests({ path: '/beginGetAccess' });
  const r3 = await e.json(['task', 'resume', j1.task.id]);
  expect(r3.state).toBe('Complete');
  expect(cloud.fake.countRequests({ path: '/beginGetAccess' })).toBe(requestsBefore); // the finished capture was not repeated
  const show = await e.json(['layer', 'show', 'fb']);
  expect(show.versions[0].state).toBe('Deployable');
  const state = JSON.parse(readFileSync(path.join(e.home, 'state.json'), 'utf8'));
  const artifact = state.layers.find((l: Doc) => l.name === 'fb').versions[0].artifact;
  expect(Buffer.compare(await readBlob(cloud.azurite, artifact.location), machineDisk)).toBe(0);
  await expectNothingLeft(created.layer, disk);
}, 240_000);

test('a worker killed in the middle of finalize: the next finalize --wait resumes it; nothing is left', async () => {
  const { created, disk } = await deployed('fc', 'pkg-c', { shutdown: true });
  // Slow long-running operations, so that the kill lands inside the capture.
  cloud.fake.configureLro({ polls: 3, retryAfterSeconds: 1 });
  const start = await e.json(['finalize', 'fc']);
  const id = start.task.id;
  let pid = 0;
  const deadline = Date.now() + 20_000;
  while (!pid && Date.now() < deadline) {
    const t = JSON.parse(readFileSync(path.join(e.home, 'state.json'), 'utf8')).tasks.find((x: Doc) => x.id === id);
    if (t.worker?.pid && cloud.fake.countRequests({ path: '/pkg-c-osdisk/beginGetAccess' }) > 0) pid = t.worker.pid;
    else await new Promise((r) => setTimeout(r, 50));
  }
  expect(pid).toBeGreaterThan(0);
  process.kill(pid, 'SIGKILL');
  cloud.fake.configureLro({ polls: 1, retryAfterSeconds: 0 });

  const r = await e.json(['finalize', 'fc', '--wait']);
  expect(r.task).toMatchObject({ id, state: 'Complete' });
  expect(r.version.state).toBe('Deployable');
  await expectNothingLeft(created.layer, disk);
  await expectNoSecrets(e, cloud);
}, 240_000);
