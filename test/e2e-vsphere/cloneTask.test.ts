/**
 * A clone of the template VM runs as a vCenter task (`?vmw-task=true`, then GET /api/cis/tasks):
 * a clone that takes longer than one request may wait is waited on, not cut off by a socket
 * timeout while vCenter finishes it anyway; one that outlasts ELM_VSPHERE_TIMEOUT_MS is said to
 * be still running, and the next run adopts the VM it made.
 */
import type { VCenterFake } from '../support/vcenter';
import { expectCode, MiB, scratch, startFake, vsphereArgs, type Env } from './helpers';

jest.setTimeout(120_000);

/** Resolves once `check` holds, polling the fake (no fixed sleeps). */
async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('packaging machine cloned as a vCenter task', () => {
  let fake: VCenterFake;
  let s: Env;

  beforeAll(async () => {
    fake = await startFake();
    s = await scratch(fake, 8 * MiB);
    expectCode(await s.run(vsphereArgs(fake, 'vs')), 0);
    expectCode(await s.run(['os-layer', 'import', '--name', 'win', '--version', '1', '--disk', s.osDisk, '--ipv6', 'disabled']), 0);
    for (const layer of ['slow', 'late'])
      expectCode(await s.run(['layer', 'create', '--name', layer, '--version', '1', '--os-layer', 'win', '--connector', 'vs', '--disk-name', layer, '--wait']), 0);
  });
  afterAll(async () => {
    fake?.tasks.release();
    await fake?.stop();
    await s?.cleanup();
  });

  it('waits on the clone task while vCenter works, then uses the VM it made', async () => {
    fake.tasks.hold();
    const run = s.run(['machine', 'deploy', 'slow', '--json']);
    // elm reads the task while it is still running (a synchronous clone would sit unanswered instead).
    await until(() => fake.tasks.list().some((t) => t.operation === 'clone' && t.status === 'RUNNING' && t.reads >= 2), 'elm to poll the running clone task');
    expect(fake.vms().filter((v) => v.name.startsWith('slow'))).toEqual([]);
    fake.tasks.release();
    const r = await run;
    expectCode(r, 0);
    const machine = JSON.parse(r.stdout).machine;
    expect(fake.vm(machine.name)).toMatchObject({ powerState: 'POWERED_ON', disks: [{ vmdkFile: '[ds1] elm-slow.vmdk' }] });
    const clone = fake.requests.find((q) => q.url.includes('action=clone') && (q.body as { name?: string } | undefined)?.name === machine.name)!;
    expect(new URL(clone.url, fake.url).searchParams.get('vmw-task')).toBe('true');
  });

  it('says a clone that outlasts ELM_VSPHERE_TIMEOUT_MS is still running, and adopts its VM next time', async () => {
    fake.tasks.hold();
    const r = await s.run(['machine', 'deploy', 'late'], { env: { ELM_VSPHERE_TIMEOUT_MS: '1500' } });
    expectCode(r, 1);
    expect(r.stderr).toMatch(/cloning win2019-tpl into late\S* is still running after 2 s \(task task-\d+[^)]*\); vCenter goes on with it, and a retry once the vSphere Client shows it done adopts what it made \(ELM_VSPHERE_TIMEOUT_MS allows longer\)\. Retry with elm task resume (\d+)\./);
    expect(fake.vms().filter((v) => v.name.startsWith('late'))).toEqual([]);
    fake.tasks.release();
    const taskId = /elm task resume (\d+)/.exec(r.stderr)![1];
    expectCode(await s.run(['task', 'resume', taskId, '--wait']), 0);
    const late = fake.vms().filter((v) => v.name.startsWith('late'));
    expect(late).toHaveLength(1);
    expect(late[0]).toMatchObject({ powerState: 'POWERED_ON', disks: [{ vmdkFile: '[ds1] elm-late.vmdk' }] });
  });

  it('refuses a malformed ELM_VSPHERE_TIMEOUT_MS before it records anything (exit 2)', async () => {
    const before = (await s.run(['task', 'list', '--json'])).stdout;
    const r = await s.run(['machine', 'deploy', 'slow', '--machine-name', 'other-pkg'], { env: { ELM_VSPHERE_TIMEOUT_MS: '30s' } });
    expectCode(r, 2);
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringContaining('ELM_VSPHERE_TIMEOUT_MS=30s is not a whole number of milliseconds')]);
    expect((await s.run(['task', 'list', '--json'])).stdout).toBe(before);
  });
});
