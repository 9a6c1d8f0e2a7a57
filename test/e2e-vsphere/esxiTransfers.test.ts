/**
 * Guest file transfers go to the ESXi host running the VM, at the URL vCenter hands out
 * (GuestFileManager: vCenter does not relay them): elm copies the probe there, and when that host's
 * certificate is not trusted the error names the host, its port and what it needs.
 */
import type { VCenterFake } from '../support/vcenter';
import { expectCode, guestReport, MiB, scratch, startFake, vsphereArgs, type Env } from './helpers';

jest.setTimeout(120_000);

async function deployed(esxiCertificate: 'trusted' | 'untrusted'): Promise<{ fake: VCenterFake; s: Env }> {
  const fake = await startFake({ esxiCertificate });
  const s = await scratch(fake, 8 * MiB);
  fake.onGuestProcess('*', (_program, args) => {
    const reportPath = /-ReportPath\s+"([^"]+)"/.exec(args)?.[1];
    return { exitCode: 0, writeFiles: reportPath ? { [reportPath]: guestReport({ ipv6Enabled: true }) } : {} };
  });
  expectCode(await s.run(vsphereArgs(fake, 'vs')), 0);
  expectCode(await s.run(['os-layer', 'import', '--name', 'win', '--version', '1', '--disk', s.osDisk]), 0);
  expectCode(await s.run(['layer', 'create', '--name', 'app', '--version', '1', '--os-layer', 'win', '--connector', 'vs', '--disk-name', 'app', '--wait']), 0);
  expectCode(await s.run(['machine', 'deploy', 'app']), 0);
  return { fake, s };
}

describe('guest file transfers on the ESXi host', () => {
  const started: { fake: VCenterFake; s: Env }[] = [];
  afterAll(async () => {
    for (const { fake, s } of started) {
      await fake.stop();
      await s.cleanup();
    }
  });

  it('copies the probe to and the report from the host the transfer URL names, not vCenter', async () => {
    const env = await deployed('trusted');
    started.push(env);
    const seen = env.fake.requests.length;
    expect(await env.s.json(['verify', 'app'])).toMatchObject({ ready: true });
    const transfers = env.fake.requests.slice(seen).filter((q) => q.path === '/guestFile');
    expect(transfers.map((q) => [q.method, q.listener, q.status])).toEqual([
      ['PUT', 'esxi', 200],
      ['GET', 'esxi', 200],
    ]);
  });

  it("names the ESXi host and what it needs when its certificate is not trusted", async () => {
    const env = await deployed('untrusted');
    started.push(env);
    const r = await env.s.run(['verify', 'app']);
    expectCode(r, 1);
    const port = new URL(env.fake.esxiUrl).port;
    expect(r.stderr).toContain('the certificate of localhost:' + port + ' is not trusted');
    expect(r.stderr).toContain(`Guest file transfers go from this machine straight to the ESXi host localhost on port ${port}, not through vCenter: that host must be reachable from here and its certificate trusted (NODE_EXTRA_CA_CERTS).`);
  });
});
