/**
 * elm layer build -f spec.yaml on vSphere, through the real binary against the vCenter fake: the
 * packaging disk on the datastore, the machine cloned and powered on, each build step run through
 * VMware Tools guest operations (the fake's scripted Windows guest runs what elm uploads, by its
 * markers: `Write-Output`, `exit N`), a guest reboot for exit 3010 waited out until the boot time
 * changed, verify (NGen expedited), guest shutdown and finalize to Deployable with nothing left in
 * vCenter; a failed step cleaned up (or kept on request); a worker killed mid-step resumed; and
 * the secret nowhere in the state, the task logs, the output or a guest file.
 */
import { promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import { windowsGuest, type GuestFilesView, type StepOutcome, type VCenterFake } from '../support/vcenter';
import { expectCode, expectNoSecrets, guestReport, scratch, startFake, vsphereArgs, type Doc, type Env } from './helpers';

jest.setTimeout(180_000);

const SECRET = 'Tr0ub4dor-vsphere-build';
const SECRET_ENV = { ELM_TEST_BUILD_PW: SECRET };

let fake: VCenterFake;
let s: Env;
/** Decides a step instead of its markers (by a line in its script); undefined: the markers decide. */
let decide: (body: string) => StepOutcome | undefined = () => undefined;
/** A guest file that held the secret while a step ran (must stay empty). */
const secretInGuestFiles: string[] = [];
let ngenBlocks = true;

beforeAll(async () => {
  fake = await startFake();
  s = await scratch(fake);
  fake.onGuestProcess(
    '*',
    windowsGuest({
      report: ({ expedited }) => guestReport({}, ngenBlocks && !expedited ? ['ngenInProgress'] : []),
      step: (body: string, _env: Record<string, string>, files: GuestFilesView) => {
        for (const f of files.list()) if (files.get(f)?.includes(SECRET)) secretInGuestFiles.push(f);
        return decide(body);
      },
    }),
  );
  expectCode(await s.run(vsphereArgs(fake, 'vs')), 0);
  expectCode(await s.run(['os-layer', 'import', '--name', 'win', '--version', '1', '--disk', s.osDisk]), 0);
  await fs.writeFile(path.join(s.dir, 'agent.cfg'), 'agent settings\n');
});

afterAll(async () => {
  await fake?.stop();
  await s?.cleanup();
});

async function spec(name: string, steps: string[]): Promise<string> {
  const file = path.join(s.dir, `${name}.yaml`);
  await fs.writeFile(
    file,
    [
      'layer:',
      `  name: ${name}`,
      '  version: "1"',
      '  osLayer: win',
      '  connector: vs',
      '  purpose: packaging',
      '  hypervisor: vsphere',
      '  diskFormat: vmdk',
      'secrets:',
      '  DomainPassword: ELM_TEST_BUILD_PW',
      'steps:',
      ...steps,
    ].join('\n'),
  );
  return file;
}

const stateOf = () => JSON.parse(readFileSync(path.join(s.home, 'state.json'), 'utf8'));
const vmName = (layer: string) => `${layer}-1-pkg`;
/** What the build left in vCenter: its VM, its packaging disk files. */
const leftIn = (layer: string) => ({
  vms: fake.vms().filter((v) => v.name === vmName(layer)).map((v) => v.name),
  files: fake.datastoreFiles().filter((f) => f.path.startsWith(`elm-${layer}`)).map((f) => f.dsPath),
});
const requestPaths = () => fake.requests.map((r) => `${r.method} ${r.url}`);

test('a step asking for a restart (3010): elm reboots the guest through vCenter and goes on; verify expedites NGen; Deployable with nothing left in vCenter', async () => {
  ngenBlocks = true;
  const f = await spec('vda', [
    '  - name: VDA',
    '    secrets: [DomainPassword]',
    '    inline: |',
    "      Write-Output 'Citrix VDA installed; restart required'",
    '      Write-Output "joined with $env:DomainPassword"',
    '      exit 3010',
    '  - name: agent config',
    '    file: { source: agent.cfg, destination: "C:\\\\inst\\\\agent.cfg" }',
    '  - name: after restart',
    '    inline: |',
    "      Write-Output 'running after the restart'",
  ]);
  const r = await s.run(['layer', 'build', '-f', f, '--wait', '--json'], { env: SECRET_ENV });
  expectCode(r, 0);
  const doc = JSON.parse(r.stdout);
  expect(doc.task).toMatchObject({ kind: 'LayerBuild', state: 'Complete' });
  expect((await s.json(['layer', 'show', 'vda'])).versions[0].state).toBe('Deployable');

  // The secret went as the step process's environment, on top of the guest's own (SystemRoot...).
  const procs = fake.guestProcesses().filter((p) => p.vm === vmName('vda') && /elm-step-/.test(p.args));
  const withSecret = procs.filter((p) => p.environment?.DomainPassword === SECRET);
  expect(withSecret).toHaveLength(1);
  expect(withSecret[0].environment).toMatchObject({ SystemRoot: 'C:\\Windows', Path: expect.stringContaining('System32') });
  expect(procs.filter((p) => p.environment?.DomainPassword !== undefined)).toHaveLength(1);
  // The file step went by guest file transfer, not inside a script.
  expect(requestPaths().some((p) => p.startsWith('POST /api/vcenter/vm/') && p.includes('/guest/filesystem/directories?action=create'))).toBe(true);

  // The reboot came after the 3010 step and before the next one; the step after it ran in a new boot.
  const paths = requestPaths();
  const reboot = paths.findIndex((p) => /\/guest\/power\?action=reboot$/.test(p));
  expect(reboot).toBeGreaterThan(-1);
  const creates = paths.map((p, i) => (/\/guest\/processes\?action=create$/.test(p) ? i : -1)).filter((i) => i >= 0);
  expect(creates.some((i) => i < reboot)).toBe(true);
  expect(creates.some((i) => i > reboot)).toBe(true);
  const log = await fs.readFile(path.join(s.home, 'logs', `task-${doc.task.id}.log`), 'utf8');
  expect(log).toMatch(/VDA: Citrix VDA installed; restart required/);
  expect(log).toMatch(/VDA: joined with \*\*\*/); // the echoed secret is masked
  expect(log).toMatch(/VDA: exit code 3010/);
  expect(log.indexOf('VDA: exit code 3010')).toBeLessThan(log.indexOf('after restart: running after the restart'));
  expect(log).toMatch(/agent config: copied .*agent\.cfg to C:\\inst\\agent\.cfg/);
  // NGen blocked the first verify; the probe ran again with -ExpediteNGen, then the guest shut down.
  expect(fake.guestProcesses().some((p) => p.vm === vmName('vda') && /ShutdownForFinalize\.ps1.*-ExpediteNGen/.test(p.args))).toBe(true);
  expect(paths.some((p) => /\/guest\/power\?action=shutdown$/.test(p))).toBe(true);

  // Nothing of the build left in vCenter; the disk is in the layer repository.
  expect(leftIn('vda')).toEqual({ vms: [], files: [] });
  const v = stateOf().layers.find((l: Doc) => l.name === 'vda').versions[0];
  // In the version's own folder of the repository, recorded on it.
  expect(path.dirname(v.repository.dir)).toBe(path.join(s.home, 'repository'));
  expect(v.artifact.location).toBe(path.join(v.repository.dir, 'vda.vmdk'));
  expect(readFileSync(v.artifact.location, 'utf8')).toMatch(/createType="monolithicFlat"/);
  expect(secretInGuestFiles).toEqual([]);
});

test('a failing step: the build fails naming it, and deletes the VM and the packaging disk it created', async () => {
  const f = await spec('failing', ['  - name: VDA', '    secrets: [DomainPassword]', '    inline: |', '      Write-Output "MSI (s) error 1603; password was $env:DomainPassword"', '      exit 1603']);
  const r = await s.run(['layer', 'build', '-f', f, '--wait', '--json'], { env: SECRET_ENV });
  expectCode(r, 1);
  const doc = JSON.parse(r.stdout);
  expect(doc.task.state).toBe('Failed');
  expect(doc.task.description).toMatch(/Failed at step "step 1: VDA": build step "VDA" exited 1603/);
  expect(doc.task.description).toMatch(/failing-1-pkg and the packaging disk it created were deleted/);
  expect(leftIn('failing')).toEqual({ vms: [], files: [] });
  expect((await s.json(['layer', 'show', 'failing'])).versions[0].state).toBe('Broken');
  const log = await fs.readFile(path.join(s.home, 'logs', `task-${doc.task.id}.log`), 'utf8');
  expect(log).toMatch(/VDA: MSI \(s\) error 1603; password was \*\*\*/);
});

test('--keep-machine-on-failure keeps the VM and its disk, with no step files left in the guest; fixed, the idempotent step resumes to Deployable', async () => {
  ngenBlocks = false;
  let fixed = false;
  decide = (body) => (body.includes('PVS target device') ? (fixed ? { output: 'installed', exitCode: 0 } : { output: 'error: source not found', exitCode: 1 }) : undefined);
  const f = await spec('kept', ['  - name: PVS target device', '    idempotent: true', '    inline: |', "      # PVS target device", '      exit 0']);
  const r = await s.run(['layer', 'build', '-f', f, '--wait', '--json', '--keep-machine-on-failure'], { env: SECRET_ENV });
  expectCode(r, 1);
  const doc = JSON.parse(r.stdout);
  expect(doc.task.description).toMatch(/kept-1-pkg and its disk were kept for inspection/);
  expect(leftIn('kept').vms).toEqual(['kept-1-pkg']);
  expect(leftIn('kept').files.length).toBeGreaterThan(0);
  expect(fake.vm('kept-1-pkg')!.powerState).toBe('POWERED_ON');
  // The wrapper, the step's script and its log were deleted from the guest after the step.
  expect(fake.guestFiles('kept-1-pkg').list().filter((p) => /elm-step-/i.test(p))).toEqual([]);

  fixed = true;
  const resumed = await s.run(['task', 'resume', doc.task.id, '--json'], { env: SECRET_ENV });
  expectCode(resumed, 0);
  expect(JSON.parse(resumed.stdout).state).toBe('Complete');
  expect((await s.json(['layer', 'show', 'kept'])).versions[0].state).toBe('Deployable');
  expect(leftIn('kept')).toEqual({ vms: [], files: [] });
  decide = () => undefined;
});

test('a worker killed (SIGKILL) in the middle of an idempotent step: task resume waits for the run still going in the guest, runs the step again, ends Deployable', async () => {
  ngenBlocks = false;
  let calls = 0;
  decide = (body) => {
    if (!body.includes('long step')) return undefined;
    calls += 1;
    return calls === 1 ? { output: 'run 1', runMs: 4000 } : { output: `run ${calls}` };
  };
  const f = await spec('killed', ['  - name: first', '    inline: "exit 0"', '  - name: long', '    idempotent: true', '    inline: |', '      # long step', '      exit 0']);
  const started = await s.run(['layer', 'build', '-f', f, '--json'], { env: SECRET_ENV });
  expectCode(started, 0);
  const doc = JSON.parse(started.stdout);
  const deadline = Date.now() + 120_000;
  for (;;) {
    const t = stateOf().tasks.find((x: Doc) => x.id === doc.task.id);
    if (t.worker?.pid && calls === 1) {
      process.kill(t.worker.pid, 'SIGKILL');
      break;
    }
    if (Date.now() > deadline) throw new Error('the long step never started');
    await new Promise((res) => setTimeout(res, 50));
  }
  expect(stateOf().tasks.find((x: Doc) => x.id === doc.task.id).state).toBe('Running');

  const resumed = await s.run(['task', 'resume', doc.task.id, '--json'], { env: SECRET_ENV });
  expectCode(resumed, 0);
  expect(JSON.parse(resumed.stdout).state).toBe('Complete');
  expect(calls).toBe(2);
  // The second run started only after the killed worker's run had finished in the guest.
  const runs = fake.guestProcesses().filter((p) => p.vm === vmName('killed') && /elm-step-/.test(p.args) && p.exitCode !== undefined);
  const longRuns = runs.filter((p) => p.finished && p.started && p.finished.getTime() - p.started.getTime() >= 3500);
  expect(longRuns).toHaveLength(1);
  expect(runs.some((p) => p.started.getTime() >= longRuns[0].finished!.getTime())).toBe(true);
  // The finished first step was not run again; one machine was ever deployed.
  expect(stateOf().tasks.filter((t: Doc) => t.kind === 'DeployMachine' && t.params.buildTaskId === doc.task.id)).toHaveLength(1);
  expect((await s.json(['layer', 'show', 'killed'])).versions[0].state).toBe('Deployable');
  expect(leftIn('killed')).toEqual({ vms: [], files: [] });
  decide = () => undefined;
});

test('the guest account is needed, and Azure machine parameters are refused, before anything is created (exit 2, state untouched)', async () => {
  const before = readFileSync(path.join(s.home, 'state.json'));
  const f = await spec('noguest', ['  - name: a', '    inline: "exit 0"']);
  const r = await s.run(['layer', 'build', '-f', f], { env: { ...SECRET_ENV, ELM_GUEST_PASSWORD: '' } });
  expectCode(r, 2);
  expect(r.stderr).toMatch(/export ELM_GUEST_USER and ELM_GUEST_PASSWORD/);
  await fs.writeFile(f, (await fs.readFile(f, 'utf8')).replace('secrets:', 'machine:\n  size: Standard_D2s_v3\nsecrets:'));
  const sized = await s.run(['layer', 'build', '-f', f], { env: SECRET_ENV });
  expectCode(sized, 2);
  expect(sized.stderr).toMatch(/drop --size \(machine\.size\)/);
  expect(readFileSync(path.join(s.home, 'state.json')).equals(before)).toBe(true);
  expect(leftIn('noguest')).toEqual({ vms: [], files: [] });
});

test('the secret is nowhere: not in the state, the task logs, any file under ELM_HOME, any output', async () => {
  await expectNoSecrets(s);
  const files = await fs.readdir(s.home, { recursive: true });
  for (const rel of files) {
    const full = path.join(s.home, String(rel));
    if ((await fs.stat(full)).isFile() && !/\.(vmdk|raw)$/.test(full)) expect({ full, found: readFileSync(full, 'latin1').includes(SECRET) }).toEqual({ full, found: false });
  }
  for (const out of s.outputs) expect(out.includes(SECRET)).toBe(false);
  expect(secretInGuestFiles).toEqual([]);
});
