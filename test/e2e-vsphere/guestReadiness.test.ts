/**
 * Right after power-on a packaging machine is booting: VMware Tools are not running yet (guest
 * power state NOT_RUNNING), and once they are, soft power operations are ready before guest
 * operations. verify waits for guest/operations `guest_operations_ready` and only then copies the
 * probe in, instead of giving up on NOT_RUNNING or meeting 503s.
 */
import type { VCenterFake } from '../support/vcenter';
import { expectCode, guestReport, MiB, scratch, startFake, vsphereArgs, type Env } from './helpers';

jest.setTimeout(120_000);

describe('guest operations readiness', () => {
  let fake: VCenterFake;
  let s: Env;

  beforeAll(async () => {
    // Seconds, not milliseconds: elm's first polls come within them on a loaded machine too.
    fake = await startFake({ toolsStartMs: 2000, guestOpsStartMs: 2000 });
    s = await scratch(fake, 8 * MiB);
    fake.onGuestProcess('*', (_program, args) => {
      const reportPath = /-ReportPath\s+"([^"]+)"/.exec(args)?.[1];
      return { exitCode: 0, writeFiles: reportPath ? { [reportPath]: guestReport({ ipv6Enabled: false }) } : {} };
    });
    expectCode(await s.run(vsphereArgs(fake, 'vs')), 0);
    expectCode(await s.run(['os-layer', 'import', '--name', 'win', '--version', '1', '--disk', s.osDisk, '--ipv6', 'disabled']), 0);
    expectCode(await s.run(['layer', 'create', '--name', 'boot', '--version', '1', '--os-layer', 'win', '--connector', 'vs', '--disk-name', 'boot', '--wait']), 0);
  });
  afterAll(async () => {
    await fake?.stop();
    await s?.cleanup();
  });

  it('verify right after deploy waits out the boot and runs the probe once guest operations are ready', async () => {
    expectCode(await s.run(['machine', 'deploy', 'boot']), 0);
    const seen = fake.requests.length;
    const verified = await s.json(['verify', 'boot']);
    expect(verified).toMatchObject({ ready: true, blockers: [] });
    const guestCalls = fake.requests.slice(seen).filter((r) => /\/guest\/(filesystem|processes)/.test(r.path));
    // Nothing was sent to the guest before it took guest operations: no 503 on the way.
    expect(guestCalls.map((r) => r.status).filter((st) => st === 503)).toEqual([]);
    expect(fake.requests.slice(seen).filter((r) => r.path.endsWith('/guest/operations')).length).toBeGreaterThan(1);
  });
});
