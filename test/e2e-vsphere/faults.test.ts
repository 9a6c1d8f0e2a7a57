/**
 * Faults on the way to vCenter through the real binary: a 503 is retried without the operator
 * noticing; uploads that keep dropping fail the task (exit 1) without leaving a partial disk,
 * and `task resume` then completes it; a dropped VM creation is resumed without a second VM.
 */
import type { VCenterFake } from '../support/vcenter';
import { expectCode, expectNoSecrets, MiB, scratch, startFake, vsphereArgs, type Env } from './helpers';

jest.setTimeout(120_000);

describe('vCenter faults', () => {
  let fake: VCenterFake;
  let s: Env;

  beforeAll(async () => {
    fake = await startFake();
    s = await scratch(fake, 16 * MiB);
    expectCode(await s.run(vsphereArgs(fake, 'vs')), 0);
    expectCode(await s.run(['os-layer', 'import', '--name', 'win', '--version', '1', '--disk', s.osDisk, '--ipv6', 'disabled']), 0);
  });
  afterAll(async () => {
    await fake?.stop();
    await s?.cleanup();
  });
  afterEach(() => fake.clearFaults());

  const elmFiles = () => fake.datastoreFiles().filter((f) => f.path.startsWith('elm-')).map((f) => f.dsPath);

  it('retries 503 Service Unavailable (Retry-After honoured) and dropped uploads within one run', async () => {
    fake.fail({ method: 'GET', path: '/api/vcenter/datastore', status: 503, times: 2, headers: { 'retry-after': '0' } });
    fake.drop({ method: 'PUT', path: /\/folder\/elm-one-flat\.vmdk/, afterBytes: 4 * MiB });
    const created = await s.json(['layer', 'create', '--name', 'one', '--version', '1', '--os-layer', 'win', '--connector', 'vs', '--disk-name', 'one', '--wait']);
    expect(created.task.state).toBe('ActionRequired');
    // The preflight of layer create met the two 503s and went on; the worker then found the datastore at once.
    expect(fake.requests.filter((r) => r.path === '/api/vcenter/datastore').map((r) => r.status)).toEqual([503, 503, 200, 200]);
    expect(fake.requests.filter((r) => r.method === 'PUT' && r.path.endsWith('one-flat.vmdk')).map((r) => r.fault ?? r.status)).toEqual(['drop', 200]); // 200: it replaced the partial file the drop left
    expect(elmFiles()).toEqual(['[ds1] elm-one-flat.vmdk', '[ds1] elm-one.vmdk']);
  });

  it('fails the task (exit 1) when the upload keeps dropping, removes the partial disk, and task resume completes it', async () => {
    fake.drop({ method: 'PUT', path: /\/folder\/elm-two/, afterBytes: MiB, times: 20 });
    const r = await s.run(['layer', 'create', '--name', 'two', '--version', '1', '--os-layer', 'win', '--connector', 'vs', '--disk-name', 'two', '--wait', '--json']);
    expectCode(r, 1);
    const doc = JSON.parse(r.stdout);
    expect(doc.task.state).toBe('Failed');
    expect(doc.task.description).toMatch(/Failed at step "writeDisk": upload of \[ds1\] elm-two-flat\.vmdk: /);
    expect(elmFiles().filter((f) => f.includes('elm-two'))).toEqual([]); // the partial upload was removed

    fake.clearFaults();
    const resumed = await s.json(['task', 'resume', doc.task.id]);
    expect(resumed).toMatchObject({ id: doc.task.id, kind: 'CreatePackagingDisk', state: 'ActionRequired' });
    expect(elmFiles().filter((f) => f.includes('elm-two'))).toEqual(['[ds1] elm-two-flat.vmdk', '[ds1] elm-two.vmdk']);
    expect((await s.json(['disk', 'status', 'two'])).disk).toMatchObject({ location: '[ds1] elm-two.vmdk', sizeBytes: 16 * MiB });
  });

  it('a VM clone whose answer is lost fails the deploy (exit 1); task resume adopts that VM instead of making a second one', async () => {
    fake.drop({ method: 'POST', path: '/api/vcenter/vm?action=clone' });
    const r = await s.run(['machine', 'deploy', 'one', '--json']);
    expectCode(r, 1);
    const doc = JSON.parse(r.stdout);
    expect(doc.task).toMatchObject({ kind: 'DeployMachine', state: 'Failed' });
    expect(doc.task.description).toContain('POST /api/vcenter/vm?action=clone');
    // The clone was done but its answer never came back: a disk-less, powered-off VM of that name.
    fake.inventory({ vms: [{ name: 'one-1-pkg', folder: 'Packaging', powerState: 'POWERED_OFF' }] });
    const clones = () => fake.requests.filter((x) => x.url === '/api/vcenter/vm?action=clone').length;
    const before = clones();
    const resumed = await s.json(['task', 'resume', doc.task.id]);
    expect(resumed).toMatchObject({ state: 'Complete' });
    expect(clones()).toBe(before);
    expect(fake.vms().filter((v) => v.name === 'one-1-pkg')).toHaveLength(1);
    expect(fake.vm('one-1-pkg')).toMatchObject({ powerState: 'POWERED_ON', disks: [{ vmdkFile: '[ds1] elm-one.vmdk' }] });
    const again = await s.json(['machine', 'deploy', 'one']);
    expect(again.task.state).toBe('Complete');
    expect(fake.vms().filter((v) => v.name === 'one-1-pkg')).toHaveLength(1);
  });

  it('refuses a machine name vSphere cannot take (exit 2), before any task', async () => {
    const r = await s.run(['machine', 'deploy', 'one', '--machine-name', 'pkg/one']);
    expectCode(r, 2);
    expect(r.stderr).toContain('--machine-name "pkg/one": a vSphere VM name has 1 to 80 characters, without %, / or \\.');
  });

  it('refuses to take over a VM of the same name that is not the packaging machine', async () => {
    fake.inventory({ vms: [{ name: 'two-1-pkg', folder: 'Packaging', powerState: 'POWERED_ON' }] });
    const r = await s.run(['machine', 'deploy', 'two', '--json']);
    expectCode(r, 1);
    expect(JSON.parse(r.stdout).task.description).toContain('A VM named two-1-pkg already exists in folder Packaging and does not use the packaging disk');
    expect(fake.vm('two-1-pkg')!.disks).toEqual([]);
  });

  it('never writes or prints a password', async () => {
    await expectNoSecrets(s);
  });
});
