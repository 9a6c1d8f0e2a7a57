/**
 * The vCenter fake's rules a vSphere layer build meets: the guest reboot (only with Tools
 * running, guest operations refused while it reboots, a new boot time after), the process
 * environment being the complete set, the system environment list, file delete, and the scripted
 * Windows guest deciding a step from what was uploaded.
 */
import { windowsGuest, type VCenterFake } from '../support/vcenter';
import { guestCredentials, login, request, standardFake } from './helpers';

const PS = 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe';
const CMD = 'C:\\Windows\\System32\\cmd.exe';

describe('vCenter fake: what a layer build meets in the guest', () => {
  let fake: VCenterFake;
  let session: string;
  beforeEach(async () => {
    fake = await standardFake({ guestShutdownMs: 150 });
    fake.inventory({ vms: [{ name: 'PKG-01', folder: 'Packaging', powerState: 'POWERED_ON' }, { name: 'OFF-01', folder: 'Packaging' }] });
    fake.onGuestProcess('*', windowsGuest());
    session = await login(fake);
  });
  afterEach(() => fake.stop());

  const id = (name = 'PKG-01') => fake.vm(name)!.id;
  const post = (url: string, body: unknown) => request(fake, url, { method: 'POST', session, body });
  const creds = guestCredentials();

  async function put(path: string, content: string) {
    const r = await post(`/api/vcenter/vm/${id()}/guest/filesystem?action=create`, { credentials: creds, spec: { path, attributes: { size: Buffer.byteLength(content), overwrite: true } } });
    expect(r.status).toBe(201);
    expect((await request(fake, r.json<string>(), { method: 'PUT', body: content })).status).toBe(200);
  }

  /** Runs a script the way elm's build does; returns the exit code and the log. */
  async function runScript(script: string, environment?: Record<string, string>) {
    await put('C:\\Windows\\Temp\\s.ps1', script);
    const args = `/s /c ""${PS}" -NoProfile -ExecutionPolicy Bypass -File "C:\\Windows\\Temp\\s.ps1" > "C:\\Windows\\Temp\\s.log" 2>&1"`;
    const created = await post(`/api/vcenter/vm/${id()}/guest/processes?action=create`, { credentials: creds, spec: { path: CMD, arguments: args, ...(environment ? { environment_variables: environment } : {}) } });
    expect(created.status).toBe(201);
    const got = await post(`/api/vcenter/vm/${id()}/guest/processes/${created.json<number>()}?action=get`, { credentials: creds });
    return { code: got.json<{ exit_code: number }>().exit_code, log: fake.guestFiles('PKG-01').text('C:\\Windows\\Temp\\s.log') };
  }

  it('a script decides its output and exit code by its markers; $env: comes from the process environment', async () => {
    const env = (await post(`/api/vcenter/vm/${id()}/guest/environment?action=list`, { credentials: creds, names: [] })).json<Record<string, string>>();
    expect(env).toMatchObject({ SystemRoot: 'C:\\Windows', TEMP: 'C:\\Windows\\TEMP' });
    const r = await runScript("Write-Output 'installing'\nWrite-Output \"pw=$env:DomainPassword\"\nexit 3010", { ...env, DomainPassword: 'S3cret' });
    expect(r).toEqual({ code: 3010, log: 'installing\r\npw=S3cret' });
    // names is required (an empty list reads them all).
    expect((await post(`/api/vcenter/vm/${id()}/guest/environment?action=list`, { credentials: creds })).status).toBe(400);
  });

  it('environment_variables replace the environment: PowerShell without SystemRoot fails as on Windows', async () => {
    const r = await runScript("Write-Output 'hello'", { DomainPassword: 'S3cret' });
    expect(r.code).toBe(1);
    expect(r.log).toMatch(/Loading managed Windows PowerShell failed with error 8009001d/);
    const bad = await post(`/api/vcenter/vm/${id()}/guest/processes?action=create`, { credentials: creds, spec: { path: CMD, arguments: '/c exit', environment_variables: { A: 1 } } });
    expect(bad.status).toBe(400);
  });

  it('reboot needs the VM on and Tools running; while it reboots guest operations answer 503; after it the boot time has changed', async () => {
    expect((await post(`/api/vcenter/vm/${id('OFF-01')}/guest/power?action=reboot`, undefined)).status).toBe(400);
    const before = (await runScript('(Get-CimInstance Win32_OperatingSystem).LastBootUpTime')).log!;
    expect(Date.parse(before)).not.toBeNaN();
    await new Promise((r) => setTimeout(r, 5));
    expect((await post(`/api/vcenter/vm/${id()}/guest/power?action=reboot`, undefined)).status).toBe(204);
    const during = await request(fake, `/api/vcenter/vm/${id()}/guest/power`, { session });
    expect(during.json()).toMatchObject({ state: 'RESETTING', operations_ready: false });
    const refused = await post(`/api/vcenter/vm/${id()}/guest/processes?action=list`, { credentials: creds });
    expect(refused.status).toBe(503);
    // A second reboot while Tools are down: refused with the documented 503.
    const again = await post(`/api/vcenter/vm/${id()}/guest/power?action=reboot`, undefined);
    expect(again.status).toBe(503);
    expect(again.json()).toMatchObject({ error_type: 'SERVICE_UNAVAILABLE' });
    await new Promise((r) => setTimeout(r, 300));
    expect((await request(fake, `/api/vcenter/vm/${id()}/guest/power`, { session })).json()).toMatchObject({ state: 'RUNNING', operations_ready: true });
    const after = (await runScript('(Get-CimInstance Win32_OperatingSystem).LastBootUpTime')).log!;
    expect(Date.parse(after)).toBeGreaterThan(Date.parse(before));
  });

  it('a finished process is visible to get and list for a while only (5 minutes in vCenter), then NOT_FOUND', async () => {
    await fake.stop();
    fake = await standardFake({ finishedProcessTtlMs: 200 });
    fake.inventory({ vms: [{ name: 'PKG-01', folder: 'Packaging', powerState: 'POWERED_ON' }] });
    fake.onGuestProcess('*', windowsGuest());
    session = await login(fake);
    const created = await post(`/api/vcenter/vm/${id()}/guest/processes?action=create`, { credentials: creds, spec: { path: CMD, arguments: '/c exit 0' } });
    const pid = created.json<number>();
    const list = async () => (await post(`/api/vcenter/vm/${id()}/guest/processes?action=list`, { credentials: creds })).json<{ pid: number }[]>().map((p) => p.pid);
    expect((await post(`/api/vcenter/vm/${id()}/guest/processes/${pid}?action=get`, { credentials: creds })).status).toBe(200);
    expect(await list()).toContain(pid);
    await new Promise((r) => setTimeout(r, 300));
    expect((await post(`/api/vcenter/vm/${id()}/guest/processes/${pid}?action=get`, { credentials: creds })).status).toBe(404);
    expect(await list()).not.toContain(pid);
  });

  it('deletes a guest file (404 once gone) and creates directories (ALREADY_EXISTS the second time)', async () => {
    await put('C:\\Windows\\Temp\\x.txt', 'x');
    const del = () => post(`/api/vcenter/vm/${id()}/guest/filesystem/files/${encodeURIComponent('C:\\Windows\\Temp\\x.txt')}?action=delete`, { credentials: creds });
    expect((await del()).status).toBe(204);
    expect(fake.guestFiles('PKG-01').has('C:\\Windows\\Temp\\x.txt')).toBe(false);
    expect((await del()).status).toBe(404);
    const mk = () => post(`/api/vcenter/vm/${id()}/guest/filesystem/directories?action=create`, { credentials: creds, path: 'C:\\inst\\citrix', create_parents: true });
    expect((await mk()).status).toBe(204);
    expect((await mk()).json()).toMatchObject({ error_type: 'ALREADY_EXISTS' });
  });
});
