/**
 * Build steps in a vSphere packaging machine, in this process against the vCenter fake's scripted
 * Windows guest: a step's output and exit code, the secret only in the process environment, no
 * step file left in the guest, a step stopped when the task is interrupted, a restart that waits
 * for a new boot (and says so when the machine powers off instead), a local file copied in.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Connector, MachineRef } from '../../src/connectors/connector';
import { stepCommandLine, stepFiles, wrapStep } from '../../src/connectors/vsphere/guestScript';
import { createVsphereConnector } from '../../src/connectors/vsphere/vsphereConnector';
import type { ConnectorConfig } from '../../src/domain/state';
import { startVCenterFake, windowsGuest, type VCenterFake } from '../support/vcenter';
import { login, request } from '../vcenter-support/helpers';

const ADMIN = 'administrator@vsphere.local';
const ENV = { ELM_VSPHERE_PASSWORD: 'Vc-Secret1!', ELM_GUEST_USER: 'Administrator', ELM_GUEST_PASSWORD: 'Guest-Pw1!' };
const SECRET = 'Join-Pw-5e1f';

describe('vSphere build steps through guest operations', () => {
  let fake: VCenterFake;
  let c: Connector;
  let machine: MachineRef;
  let dir: string;

  async function setup(toolsStartMs = 0) {
    fake = await startVCenterFake({
      users: { [ADMIN]: ENV.ELM_VSPHERE_PASSWORD },
      guestUsers: { Administrator: ENV.ELM_GUEST_PASSWORD },
      guestShutdownMs: 400,
      toolsStartMs,
      inventory: { datacenters: ['DC1'], datastores: ['ds1'], hosts: ['esx1.lab'], networks: ['VM Network'], folders: ['Packaging'] },
    });
    fake.inventory({ vms: [{ name: 'PKG-01', folder: 'Packaging', powerState: 'POWERED_ON' }] });
    fake.onGuestProcess('*', windowsGuest());
    const config = {
      id: '1', name: 'vs', type: 'vsphere',
      settings: { server: fake.host, user: ADMIN, passwordEnv: 'ELM_VSPHERE_PASSWORD', datacenter: 'DC1', datastore: 'ds1', host: 'esx1.lab', network: 'VM Network', folder: 'Packaging', guestUserEnv: 'ELM_GUEST_USER', guestPasswordEnv: 'ELM_GUEST_PASSWORD' },
    } as unknown as ConnectorConfig;
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'elm-guest-'));
    c = createVsphereConnector(config, { home: dir, env: ENV }, { ca: fake.caPem, retryBaseMs: 5, toolsTimeoutMs: 2000 });
    machine = { name: 'PKG-01', resources: { vm: fake.vm('PKG-01')!.id } };
  }
  beforeEach(() => setup());
  afterEach(async () => {
    await fake.stop();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('the wrapper calls the step from its own file (quotes doubled) and keeps an installer code; cmd.exe redirects its output to the log', () => {
    const files = stepFiles('0123456789ab');
    expect(files).toEqual({ wrapper: 'C:\\Windows\\Temp\\elm-step-0123456789ab.ps1', body: 'C:\\Windows\\Temp\\elm-step-0123456789ab-body.ps1', log: 'C:\\Windows\\Temp\\elm-step-0123456789ab.log', exit: 'C:\\Windows\\Temp\\elm-step-0123456789ab.exit' });
    const w = wrapStep({ ...files, body: "C:\\it's\\body.ps1" }, 'VDA\ninstall');
    expect(w.split('\r\n')[0]).toBe('# elm build step: VDA install');
    expect(w).toContain("try { & 'C:\\it''s\\body.ps1'; if ($LASTEXITCODE) { $elmCode = $LASTEXITCODE }");
    expect(w.trimEnd().endsWith("Set-Content -LiteralPath 'C:\\Windows\\Temp\\elm-step-0123456789ab.exit' -Value $elmCode -Encoding Ascii -ErrorAction SilentlyContinue\r\nexit $elmCode")).toBe(true);
    expect(stepCommandLine(files)).toBe(
      '/s /c ""C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe" -NoProfile -ExecutionPolicy Bypass -File "C:\\Windows\\Temp\\elm-step-0123456789ab.ps1" > "C:\\Windows\\Temp\\elm-step-0123456789ab.log" 2>&1"',
    );
  });

  it('runs a step: its output and exit code come back, the secret travels only as the process environment, no step file stays', async () => {
    const r = await c.runOnMachine!(machine, { label: 'VDA', script: "Write-Output 'installed'\nWrite-Output \"pw $env:JoinPw\"\nexit 3010", secrets: { JoinPw: SECRET }, timeoutMs: 60_000 });
    expect(r).toEqual({ exitCode: 3010, output: `installed\r\npw ${SECRET}` });
    const [proc] = fake.guestProcesses().filter((p) => /elm-step-/.test(p.args));
    expect(proc.environment).toMatchObject({ JoinPw: SECRET, SystemRoot: 'C:\\Windows' });
    const carrying = fake.requests.filter((q) => JSON.stringify(q.body ?? '').includes(SECRET)).map((q) => q.url);
    expect(carrying).toEqual([`/api/vcenter/vm/${machine.resources.vm}/guest/processes?action=create`]);
    expect(fake.guestFiles('PKG-01').list()).toEqual([]);
  });

  it("files a killed worker's finished run left behind are swept by the next step, other files kept", async () => {
    const files = fake.guestFiles('PKG-01');
    files.set('C:\\Windows\\Temp\\elm-step-aaaaaaaaaaaa.log', 'old output');
    files.set('C:\\Windows\\Temp\\elm-step-aaaaaaaaaaaa-body.ps1', 'exit 0');
    files.set('C:\\Windows\\Temp\\setup.log', 'not elm');
    const r = await c.runOnMachine!(machine, { script: "Write-Output 'ok'", secrets: {}, timeoutMs: 60_000 });
    expect(r).toEqual({ exitCode: 0, output: 'ok' });
    expect(files.list()).toEqual(['C:\\Windows\\Temp\\setup.log']);
  });

  it('a guest that restarts under a running step: the step fails saying its exit code is lost and what to do', async () => {
    setTimeout(() => fake.setPowerState('PKG-01', 'POWERED_OFF'), 200);
    setTimeout(() => fake.setPowerState('PKG-01', 'POWERED_ON'), 400);
    await expect(c.runOnMachine!(machine, { label: 'VDA', script: '# fake-guest: runMs=20000\nexit 0', secrets: {}, timeoutMs: 60_000 })).rejects.toThrow(
      /PKG-01 went down \(restarted, or VMware Tools stopped\) while build step "VDA" ran, so its exit code is lost: give the installer its no-restart switch/,
    );
  });

  it('the same when the guest reboots by itself under the step (an installer that restarts on its own)', async () => {
    const session = await login(fake);
    setTimeout(() => void request(fake, `/api/vcenter/vm/${machine.resources.vm}/guest/power?action=reboot`, { method: 'POST', session }), 200);
    await expect(c.runOnMachine!(machine, { label: 'PVS', script: '# fake-guest: runMs=20000\nexit 0', secrets: {}, timeoutMs: 60_000 })).rejects.toThrow(/while build step "PVS" ran, so its exit code is lost/);
  });

  it('an installer that restarts Windows itself as it ends (1641): its exit code comes back from the exit file once the guest is up again', async () => {
    const bootBefore = fake.vm('PKG-01')!.boots;
    const r = await c.runOnMachine!(machine, { label: 'PVS', script: "Write-Output 'target device installed'\nRestart-Computer -Force\nexit 1641", secrets: {}, timeoutMs: 60_000 });
    expect(r).toEqual({ exitCode: 1641, output: 'target device installed' });
    expect(fake.vm('PKG-01')!.boots).toBe(bootBefore + 1); // the guest did restart
    expect(fake.guestFiles('PKG-01').list()).toEqual([]);
  });

  it('an interrupted task stops the step in the guest', async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 300);
    await expect(c.runOnMachine!(machine, { script: '# fake-guest: runMs=20000\nexit 0', secrets: {}, timeoutMs: 60_000, signal: ac.signal })).rejects.toThrow(/stopped in the guest: the task was interrupted/);
    const [proc] = fake.guestProcesses().filter((p) => /elm-step-/.test(p.args));
    expect(proc.finished).toBeDefined();
    expect(fake.guestFiles('PKG-01').list()).toEqual([]);
  });

  it('restarts through a guest reboot and returns only once the guest booted again', async () => {
    const boot = async () => (await c.runOnMachine!(machine, { script: '(Get-CimInstance Win32_OperatingSystem).LastBootUpTime', secrets: {}, timeoutMs: 60_000 })).output;
    const before = await boot();
    await new Promise((r) => setTimeout(r, 5));
    const started = Date.now();
    await c.restartMachine!(machine);
    expect(Date.now() - started).toBeGreaterThanOrEqual(350); // the guest was down for guestShutdownMs
    expect(fake.requests.filter((q) => /guest\/power\?action=reboot$/.test(q.url))).toHaveLength(1);
    expect(Date.parse(await boot())).toBeGreaterThan(Date.parse(before));
    expect(fake.vm('PKG-01')!.toolsRunning).toBe(true);
  });

  it('right after power-on, before VMware Tools started, a step and a restart wait for them instead of failing', async () => {
    await fake.stop();
    await fs.rm(dir, { recursive: true, force: true });
    await setup(300);
    fake.setPowerState('PKG-01', 'POWERED_OFF');
    fake.setPowerState('PKG-01', 'POWERED_ON');
    expect(fake.vm('PKG-01')!.toolsRunning).toBe(false);
    expect(await c.runOnMachine!(machine, { script: "Write-Output 'up'", secrets: {}, timeoutMs: 60_000 })).toEqual({ exitCode: 0, output: 'up' });
    fake.setPowerState('PKG-01', 'POWERED_OFF');
    fake.setPowerState('PKG-01', 'POWERED_ON');
    await c.restartMachine!(machine);
    expect(fake.requests.filter((q) => /guest\/power\?action=reboot$/.test(q.url))).toHaveLength(1);
  });

  it('a machine that powers off instead of restarting is an error naming it', async () => {
    setTimeout(() => fake.setPowerState('PKG-01', 'POWERED_OFF'), 150);
    await expect(c.restartMachine!(machine)).rejects.toThrow(/PKG-01 is powered off instead of restarting/);
  });

  it('copies a local file into the guest, its folder created', async () => {
    const local = path.join(dir, 'setup.exe');
    await fs.writeFile(local, Buffer.alloc(300 * 1024, 7));
    await c.copyToMachine!(machine, local, 'C:\\inst\\citrix\\setup.exe');
    expect(fake.guestFiles('PKG-01').get('C:\\inst\\citrix\\setup.exe')?.equals(Buffer.alloc(300 * 1024, 7))).toBe(true);
    expect(fake.requests.some((q) => q.url.endsWith('/guest/filesystem/directories?action=create') && JSON.stringify(q.body).includes('C:\\\\inst\\\\citrix'))).toBe(true);
  });
});
