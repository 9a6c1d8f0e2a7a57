/**
 * Nothing of elm's stays in the layer: after elm verify runs ShutdownForFinalize.ps1 in the guest
 * (VMware Tools guest operations), the probe and its report are gone from C:\Windows\Temp before
 * anything could capture the disk, whether the probe found blockers, was clean or failed.
 */
import type { VCenterFake } from '../support/vcenter';
import { expectCode, guestReport, MiB, scratch, startFake, vsphereArgs, type Env } from './helpers';

jest.setTimeout(120_000);

describe('the probe leaves nothing in the guest', () => {
  let fake: VCenterFake;
  let s: Env;
  let report = guestReport({ ipv6Enabled: true });
  let exitCode = 0;
  const vmName = 'app-1-pkg';

  beforeAll(async () => {
    fake = await startFake();
    s = await scratch(fake, 16 * MiB);
    fake.onGuestProcess('*', (program, args, files) => {
      if (!/powershell\.exe$/i.test(program) || !files.has('C:\\Windows\\Temp\\ShutdownForFinalize.ps1')) return { exitCode: 1 };
      const reportPath = /-ReportPath\s+"([^"]+)"/.exec(args)?.[1];
      return { exitCode, writeFiles: reportPath ? { [reportPath]: report } : {} };
    });
    expectCode(await s.run(vsphereArgs(fake, 'vs')), 0);
    expectCode(await s.run(['os-layer', 'import', '--name', 'win', '--version', '1', '--disk', s.osDisk]), 0);
    expectCode(await s.run(['layer', 'create', '--name', 'app', '--version', '1', '--os-layer', 'win', '--connector', 'vs', '--disk-name', 'app', '--wait']), 0);
    expectCode(await s.run(['machine', 'deploy', 'app']), 0);
  });
  afterAll(async () => {
    await fake?.stop();
    await s?.cleanup();
  });

  const leftovers = () => fake.guestFiles(vmName).list().filter((p) => /ShutdownForFinalize\.ps1$|elm-integrity-/i.test(p));

  it('after a report with blockers', async () => {
    report = guestReport({ ipv6Enabled: true }, ['postInstallReboot']);
    expect((await s.json(['verify', 'app'], 3)).blockers.map((b: { id: string }) => b.id)).toEqual(['postInstallReboot']);
    expect(leftovers()).toEqual([]);
  });

  it('after a clean report', async () => {
    report = guestReport({ ipv6Enabled: true });
    expect(await s.json(['verify', 'app'], 0)).toMatchObject({ ready: true });
    expect(leftovers()).toEqual([]);
  });

  it('after a probe that failed', async () => {
    exitCode = 1;
    expectCode(await s.run(['verify', 'app']), 1);
    expect(leftovers()).toEqual([]);
    exitCode = 0;
  });
});
