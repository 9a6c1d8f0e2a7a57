import type { GuestProcessInfo, VCenterFake } from '../support/vcenter';
import { GUEST, guestCredentials, login, request, standardFake } from './helpers';

const REPORT = { schema: 1, machine: 'PKG-01', at: '2026-11-21T10:00:00Z', blockers: [], shutdownRequested: true, details: { ipv6Enabled: false } };

describe('vCenter fake: guest operations', () => {
  let fake: VCenterFake;
  let session: string;
  let seen: { path: string; args: string; scriptPresent: boolean; info: GuestProcessInfo }[];
  beforeEach(async () => {
    fake = await standardFake();
    fake.inventory({ vms: [{ name: 'PKG-01', folder: 'Packaging', powerState: 'POWERED_ON' }] });
    seen = [];
    fake.onGuestProcess('PKG-01', (path, args, files, info) => {
      seen.push({ path, args, scriptPresent: files.has('c:/ELM/ShutdownForFinalize.ps1'), info });
      if (!args.includes('ShutdownForFinalize.ps1')) return { exitCode: 1 };
      const reportPath = /-ReportPath\s+"?([^"\s]+)"?/.exec(args)?.[1];
      return {
        exitCode: 0,
        writeFiles: reportPath ? { [reportPath]: JSON.stringify(REPORT) } : {},
        powerOff: /\s-Shutdown\b/.test(args),
        powerOffAfterMs: 300,
      };
    });
    session = await login(fake);
  });
  afterEach(() => fake.stop());

  const vmId = () => fake.vm('PKG-01')!.id;
  const post = (url: string, body: unknown) => request(fake, url, { method: 'POST', session, body });

  async function upload(guestPath: string, content: string, overwrite = false) {
    const r = await post(`/api/vcenter/vm/${vmId()}/guest/filesystem?action=create`, {
      credentials: guestCredentials(), spec: { path: guestPath, attributes: { size: Buffer.byteLength(content), overwrite } },
    });
    if (r.status !== 201) return r;
    return request(fake, r.json<string>(), { method: 'PUT', body: content });
  }

  it('uploads the probe, runs it, downloads the report it wrote, then the guest powers off', async () => {
    const put = await upload('C:\\elm\\ShutdownForFinalize.ps1', 'Write-Output "probe"');
    expect(put.status).toBe(200);
    expect(fake.guestFiles('PKG-01').text('C:\\elm\\ShutdownForFinalize.ps1')).toBe('Write-Output "probe"');

    const args = '-NoProfile -ExecutionPolicy Bypass -File C:\\elm\\ShutdownForFinalize.ps1 -ReportPath C:\\elm\\report.json -Shutdown';
    const created = await post(`/api/vcenter/vm/${vmId()}/guest/processes?action=create`, {
      credentials: guestCredentials(), spec: { path: 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe', arguments: args },
    });
    expect(created.status).toBe(201);
    const pid = created.json<number>();
    expect(typeof pid).toBe('number');
    expect(seen).toEqual([{ path: 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe', args, scriptPresent: true, info: expect.objectContaining({ vm: 'PKG-01', user: GUEST }) }]);

    const proc = await post(`/api/vcenter/vm/${vmId()}/guest/processes/${pid}?action=get`, { credentials: guestCredentials() });
    expect(proc.status).toBe(200);
    expect(proc.json()).toMatchObject({ name: 'powershell.exe', owner: GUEST, exit_code: 0, finished: expect.any(String), started: expect.any(String) });

    const transfer = await post(`/api/vcenter/vm/${vmId()}/guest/filesystem?action=create`, { credentials: guestCredentials(), spec: { path: 'C:\\elm\\report.json' } });
    expect(transfer.status).toBe(201);
    const fileUrl = transfer.json<string>();
    expect(fileUrl).toMatch(new RegExp(`^${fake.esxiUrl}/guestFile\\?id=\\d+&token=\\w+$`));
    const report = await request(fake, fileUrl);
    expect(report.status).toBe(200);
    expect(JSON.parse(report.body.toString())).toEqual(REPORT);
    expect((await request(fake, fileUrl)).status).toBe(404); // a transfer URL works once

    expect(fake.vm('PKG-01')!.powerState).toBe('POWERED_ON'); // shutting down...
    const deadline = Date.now() + 3000;
    while (fake.vm('PKG-01')!.powerState !== 'POWERED_OFF' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    expect((await request(fake, `/api/vcenter/vm/${vmId()}/power`, { session })).json()).toEqual({ state: 'POWERED_OFF' });

    const afterOff = await post(`/api/vcenter/vm/${vmId()}/guest/processes/${pid}?action=get`, { credentials: guestCredentials() });
    expect(afterOff.status).toBe(400);
    expect(afterOff.json()).toMatchObject({ error_type: 'NOT_ALLOWED_IN_CURRENT_STATE' });
    expect(fake.guestFiles('PKG-01').has('c:\\ELM\\report.json')).toBe(true); // on the guest disk
  });

  it('refuses wrong guest credentials with 401 UNAUTHENTICATED; the API session stays valid', async () => {
    const r = await post(`/api/vcenter/vm/${vmId()}/guest/processes?action=create`, {
      credentials: guestCredentials(GUEST, 'wrong'), spec: { path: 'C:\\Windows\\System32\\cmd.exe', arguments: '/c ver' },
    });
    expect(r.status).toBe(401);
    expect(r.json()).toMatchObject({ error_type: 'UNAUTHENTICATED', messages: [expect.objectContaining({ id: 'com.vmware.api.vcenter.vm.guest.credentials.invalid' })] });
    expect(seen).toHaveLength(0);
    expect((await request(fake, '/api/vcenter/vm', { session })).status).toBe(200);
    const shape = await post(`/api/vcenter/vm/${vmId()}/guest/processes?action=create`, { credentials: { user_name: GUEST }, spec: { path: 'x' } });
    expect(shape.status).toBe(400);
  });

  it('refuses guest operations on a powered-off VM', async () => {
    fake.setPowerState('PKG-01', 'POWERED_OFF');
    const r = await post(`/api/vcenter/vm/${vmId()}/guest/processes?action=create`, { credentials: guestCredentials(), spec: { path: 'C:\\Windows\\System32\\cmd.exe' } });
    expect(r.status).toBe(400);
    expect(r.json()).toMatchObject({ error_type: 'NOT_ALLOWED_IN_CURRENT_STATE' });
  });

  it('reports a running process without exit_code until it finishes', async () => {
    fake.onGuestProcess('PKG-01', () => ({ exitCode: 3010, runMs: 300 }));
    const pid = (await post(`/api/vcenter/vm/${vmId()}/guest/processes?action=create`, { credentials: guestCredentials(), spec: { path: 'C:\\setup.exe' } })).json<number>();
    const get = () => post(`/api/vcenter/vm/${vmId()}/guest/processes/${pid}?action=get`, { credentials: guestCredentials() });
    const running = (await get()).json<Record<string, unknown>>();
    expect(running.exit_code).toBeUndefined();
    expect(running.finished).toBeUndefined();
    const list = await post(`/api/vcenter/vm/${vmId()}/guest/processes?action=list`, { credentials: guestCredentials() });
    expect(list.json()).toEqual([expect.objectContaining({ pid, name: 'setup.exe' })]);
    await new Promise((r) => setTimeout(r, 400));
    expect((await get()).json()).toMatchObject({ exit_code: 3010 });
    expect(fake.guestProcesses()).toEqual([expect.objectContaining({ pid, vm: 'PKG-01', exitCode: 3010 })]);
  });

  it('answers 404 for a program the handler says is missing, and OPERATION_NOT_FOUND for GET on a pid', async () => {
    fake.onGuestProcess('PKG-01', () => ({ notFound: true }));
    const r = await post(`/api/vcenter/vm/${vmId()}/guest/processes?action=create`, { credentials: guestCredentials(), spec: { path: 'C:\\nope.exe' } });
    expect(r.status).toBe(404);
    const g = await request(fake, `/api/vcenter/vm/${vmId()}/guest/processes/4100`, { session });
    expect(g.status).toBe(404);
    expect(g.json()).toMatchObject({ error_type: 'OPERATION_NOT_FOUND' });
  });

  it('file transfers: 404 for a missing guest file, ALREADY_EXISTS without overwrite, size checked', async () => {
    const missing = await post(`/api/vcenter/vm/${vmId()}/guest/filesystem?action=create`, { credentials: guestCredentials(), spec: { path: 'C:\\elm\\none.json' } });
    expect(missing.status).toBe(404);
    expect((await upload('C:\\elm\\a.txt', 'one')).status).toBe(200);
    const clash = await upload('C:\\elm\\a.txt', 'two');
    expect(clash.status).toBe(400);
    expect(clash.json()).toMatchObject({ error_type: 'ALREADY_EXISTS' });
    expect((await upload('C:\\elm\\a.txt', 'two', true)).status).toBe(200);
    expect(fake.guestFiles('PKG-01').text('C:\\elm\\a.txt')).toBe('two');
    const t = await post(`/api/vcenter/vm/${vmId()}/guest/filesystem?action=create`, { credentials: guestCredentials(), spec: { path: 'C:\\elm\\b.txt', attributes: { size: 10 } } });
    expect((await request(fake, t.json<string>(), { method: 'PUT', body: 'short' })).status).toBe(400);
  });
});

describe('vCenter fake: VMware Tools start after power-on', () => {
  it('answers 503 SERVICE_UNAVAILABLE until Tools run', async () => {
    const fake = await standardFake({ toolsStartMs: 300 });
    try {
      fake.inventory({ vms: [{ name: 'PKG-02', folder: 'Packaging', powerState: 'POWERED_ON' }] });
      const session = await login(fake);
      const id = fake.vm('PKG-02')!.id;
      const run = () => request(fake, `/api/vcenter/vm/${id}/guest/processes?action=create`, { method: 'POST', session, body: { credentials: guestCredentials(), spec: { path: 'C:\\x.exe' } } });
      const early = await run();
      expect(early.status).toBe(503);
      expect(early.json()).toMatchObject({ error_type: 'SERVICE_UNAVAILABLE' });
      await new Promise((r) => setTimeout(r, 350));
      expect((await run()).status).toBe(201);
    } finally {
      await fake.stop();
    }
  });
});
