/**
 * elm layer build -f platform.yaml on Azure, through the real binary against Azurite and the ARM
 * fake: the packaging disk, the machine deployed, each build step run through Run Command (the
 * fake's handler plays the guest: it prints what the installer would and the wrapper's exit-code
 * line), a restart through ARM for exit 3010, verify (NGen expedited), deallocate and finalize to
 * Deployable with nothing left in Azure; a failed step cleaned up (or kept on request); a worker
 * killed mid-step resumed; and the secret nowhere in the state, the task logs or the output.
 */
import { promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import { azuriteBlobService, type RunCommandHandler } from '../support/azure';
import { encodeSecret } from '../../src/connectors/azure/guestScript';
import { stateBytes } from '../support/cli';
import { blobExists, Cloud, connectorFlags, Doc, Env, expectCode, expectNoSecrets, report, scratch, startCloud, SUBNET, VNET, allFiles } from './helpers';

const SECRET = 'Tr0ub4dor-build-secret';
const SECRET_ENV = { ELM_TEST_BUILD_PW: SECRET };
let cloud: Cloud;
let e: Env;

/** What each build step "prints" on the machine: its output and exit code, by step name. */
let guest: Record<string, () => Promise<{ out: string; code: number }> | { out: string; code: number }> = {};
/** The probe: NGen blocks until it was expedited once. */
let ngenDone = false;
/** While set, the probe does not return (a probe waiting out NGen for an hour). */
let probeHeld: Promise<void> | null = null;

const handler: RunCommandHandler = async (script, parameters) => {
  if (script.includes('ShutdownForFinalize')) {
    if (probeHeld) await probeHeld;
    if (parameters.ExpediteNGen === 'True') ngenDone = true;
    return { stdout: `${report(ngenDone ? [] : ['ngenInProgress'])}\n` };
  }
  const name = /^# elm build step: (.*)$/m.exec(script)?.[1];
  if (!name || !guest[name]) throw new Error(`no guest behaviour for step ${name}`);
  const r = await guest[name]();
  return { stdout: `${r.out}\nELM-EXIT-CODE: ${r.code}\n`, exitCode: r.code };
};

beforeAll(async () => {
  cloud = await startCloud({ oauth: true });
  e = await scratch(cloud, 'elm-e2e-build-');
  cloud.fake.onRunCommand('*', handler);
  await e.json(connectorFlags(cloud, 'az', ['--client-id', cloud.env.ELM_TEST_AZURE_CLIENT_ID, '--client-secret-env', 'ELM_TEST_AZURE_CLIENT_SECRET']));
  await e.json(['os-layer', 'import', '--name', 'win', '--version', '1', '--disk', e.osDisk]);
  await fs.writeFile(path.join(e.dir, 'agent.cfg'), 'agent settings\n');
}, 120_000);

afterAll(async () => {
  const problems = { unhandled: cloud.fake.unhandled, internalErrors: cloud.fake.internalErrors.map((x) => x.message) };
  await cloud.stop();
  await e.cleanup();
  expect(problems).toEqual({ unhandled: [], internalErrors: [] });
});

async function spec(name: string, vm: string, steps: string): Promise<string> {
  const file = path.join(e.dir, `${name}.yaml`);
  await fs.writeFile(
    file,
    [
      'layer:',
      `  name: ${name}`,
      '  version: "1"',
      '  osLayer: win',
      '  connector: az',
      '  purpose: packaging',
      '  hypervisor: azure',
      '  diskFormat: vhd',
      'machine:',
      `  name: ${vm}`,
      '  size: Standard_D2s_v3',
      `  vnet: ${VNET}`,
      `  subnet: ${SUBNET}`,
      'secrets:',
      '  DomainPassword: ELM_TEST_BUILD_PW',
      'steps:',
      steps,
    ].join('\n'),
  );
  return file;
}

const stateOf = () => JSON.parse(readFileSync(path.join(e.home, 'state.json'), 'utf8'));
const versionTagged = (layerId: string) => cloud.fake.inventory({ tag: ['elm-layer-id', layerId] });
/** Build steps go through managed run commands (PUT …/runCommands/{name}); the probe through the action. */
const buildCommands = (vm: string) => cloud.fake.managedRunCommands.filter((c) => c.vmName === vm && c.script.includes('# elm build step:'));

test('what Run Command cannot do is refused before anything is created (exit 2, state untouched): a bad machine name', async () => {
  const before = await stateBytes(e.home);
  const badName = await spec('badname', 'pkg_x.1', ['  - name: a', '    inline: "exit 0"'].join('\n'));
  const r2 = await e.run(['layer', 'build', '-f', badName], { env: SECRET_ENV });
  expectCode(r2, 2);
  expect(r2.stderr).toMatch(/pkg_x\.1/);
  expect((await stateBytes(e.home))?.equals(before!)).toBe(true);
  expect(cloud.fake.runCommands).toEqual([]);
  expect(cloud.fake.managedRunCommands).toEqual([]);
});

test('a step over 90 minutes is accepted: managed Run Command gets its own timeout (timeoutInSeconds); verify keeps the action Run Command and its 90-minute budget', async () => {
  ngenDone = false;
  guest = { slow: () => ({ out: 'long install done', code: 0 }) };
  const f = await spec('toolong', 'pkg-x', ['  - name: slow', '    inline: "exit 0"', '    timeoutMinutes: "120"'].join('\n'));
  const r = await e.run(['layer', 'build', '-f', f, '--wait', '--json'], { env: SECRET_ENV });
  expectCode(r, 0);
  expect(JSON.parse(r.stdout).task.state).toBe('Complete');
  const cmds = buildCommands('pkg-x');
  expect(cmds.map((c) => c.timeoutInSeconds)).toEqual([120 * 60]);
  // Verify's probe went through the action Run Command, whose scripts Azure stops at 90 minutes:
  // its NGen budget ends before that.
  const probe = cloud.fake.runCommands.filter((c) => c.vmName === 'pkg-x' && c.script.includes('ShutdownForFinalize'));
  const expedited = probe.filter((c) => c.parameters.ExpediteNGen === 'True');
  expect(expedited.length).toBeGreaterThan(0);
  expect(expedited.every((c) => Number(c.parameters.NGenWaitMinutes) < 90)).toBe(true);
}, 300_000);

test('a step asking for a restart (3010): elm restarts through ARM and goes on; verify expedites NGen; the build ends Deployable with nothing left in Azure', async () => {
  ngenDone = false;
  guest = {
    VDA: () => ({ out: 'Citrix VDA installed; restart required', code: 3010 }),
    'agent config': () => ({ out: 'copied', code: 0 }),
    'Azure agent': () => ({ out: 'agent installed', code: 0 }),
  };
  const f = await spec(
    'rdsh',
    'pkg-b1',
    [
      '  - name: VDA',
      '    inline: "& C:\\\\inst\\\\VDAServerSetup.exe /quiet /noreboot; exit $LASTEXITCODE"',
      '    secrets: [DomainPassword]',
      '  - name: agent config',
      '    file: { source: agent.cfg, destination: "C:\\\\inst\\\\agent.cfg" }',
      '  - name: Azure agent',
      '    inline: "Start-Process msiexec -Wait -ArgumentList /i,C:\\\\inst\\\\agent.msi,/quiet"',
      '    idempotent: true',
    ].join('\n'),
  );
  const r = await e.run(['layer', 'build', '-f', f, '--wait', '--json'], { env: SECRET_ENV });
  expectCode(r, 0);
  const doc = JSON.parse(r.stdout);
  expect(doc.task).toMatchObject({ kind: 'LayerBuild', state: 'Complete' });
  const show = await e.json(['layer', 'show', 'rdsh']);
  expect(show.versions[0].state).toBe('Deployable');

  // The steps ran in order through managed Run Commands; the secret went only as a protected
  // parameter: not a plain parameter, not in the script, not in any action Run Command.
  const cmds = buildCommands('pkg-b1');
  expect(cmds.map((c) => /^# elm build step: (.*)$/m.exec(c.script)![1])).toEqual(['VDA', 'agent config', 'Azure agent']);
  expect(cmds[0].protectedParameters).toEqual({ ElmSecret1: encodeSecret(SECRET) }); // base64: the command line would mangle ^&%<>|" and a leading -
  expect(cmds.every((c) => Object.keys(c.parameters).length === 0)).toBe(true);
  expect(cmds[0].script).toContain("env:DomainPassword");
  expect(cmds.every((c) => !c.script.includes(SECRET) && !c.script.includes(encodeSecret(SECRET)))).toBe(true);
  expect(cloud.fake.runCommands.some((c) => Object.values(c.parameters).includes(SECRET) || c.script.includes(SECRET))).toBe(false);
  expect(cmds[1].protectedParameters).toEqual({});
  // Each run command was read back and deleted: none is left on the VM (which is gone too).
  expect(cloud.fake.managedRunCommandNames()).toEqual([]);
  expect(cmds[1].script).toContain(`FromBase64String('${Buffer.from('agent settings\n').toString('base64')}')`); // encoded once
  // The restart came between the 3010 step and the next one; then NGen was expedited, then the VM deallocated.
  const paths = cloud.fake.requests.map((q) => `${q.method} ${q.path}`);
  const restart = paths.findIndex((p) => /POST .*virtualMachines\/pkg-b1\/restart$/.test(p));
  expect(restart).toBeGreaterThan(-1);
  const runs = paths.map((p, i) => (/PUT .*pkg-b1\/runCommands\/elm-step-[0-9a-f]+$/.test(p) ? i : -1)).filter((i) => i >= 0);
  expect(runs[0]).toBeLessThan(restart);
  expect(runs[1]).toBeGreaterThan(restart);
  expect(cloud.fake.runCommands.some((c) => c.vmName === 'pkg-b1' && c.parameters.ExpediteNGen === 'True')).toBe(true);
  expect(paths.some((p) => /POST .*pkg-b1\/deallocate$/.test(p))).toBe(true);
  // Nothing of elm's stays in the layer: the copies Run Command downloaded into the guest (the
  // probe's through the action, each step's through its managed run command) are gone when the VM
  // stopped for the capture; the action's went with its extension, deleted before the deallocate.
  expect(cloud.fake.guestFilesWhenStopped('pkg-b1')).toEqual([]);
  const extensionDeleted = paths.findIndex((p) => /DELETE .*pkg-b1\/extensions\/RunCommandWindows$/.test(p));
  expect(extensionDeleted).toBeGreaterThan(-1);
  expect(extensionDeleted).toBeLessThan(paths.findIndex((p) => /POST .*pkg-b1\/deallocate$/.test(p)));

  // Nothing of the version left: no VM, NIC or disk, no deployment, no packaging disk blob.
  expect(versionTagged(doc.layer.id)).toEqual([]);
  expect(cloud.fake.deployments()).toEqual([]);
  const state = stateOf();
  const v = state.layers.find((l: Doc) => l.name === 'rdsh').versions[0];
  expect(v.artifact.location).toContain(`/elm/layers/${doc.layer.id}/1/`);
  expect(await blobExists(cloud.azurite, v.artifact.location)).toBe(true);
  // Each step's output is in the build's task log.
  const log = await fs.readFile(path.join(e.home, 'logs', `task-${doc.task.id}.log`), 'utf8');
  expect(log).toMatch(/VDA: Citrix VDA installed; restart required/);
  expect(log).toMatch(/VDA: exit code 3010/);
  expect(log).toMatch(/Azure agent: agent installed/);
}, 300_000);

test('a failing step: the build fails, names the step and deletes the machine and disk it created', async () => {
  guest = { VDA: () => ({ out: `MSI (s) error 1603; password was ${SECRET}`, code: 1603 }) };
  const f = await spec('failing', 'pkg-b2', ['  - name: VDA', '    inline: "exit 1603"', '    secrets: [DomainPassword]'].join('\n'));
  const r = await e.run(['layer', 'build', '-f', f, '--wait', '--json'], { env: SECRET_ENV });
  expectCode(r, 1);
  const doc = JSON.parse(r.stdout);
  expect(doc.task.state).toBe('Failed');
  expect(doc.task.description).toMatch(/Failed at step "step 1: VDA": build step "VDA" exited 1603/);
  expect(doc.task.description).toMatch(/pkg-b2 and the packaging disk it created were deleted/);
  expect(versionTagged(doc.layer.id)).toEqual([]);
  expect(cloud.fake.deployments()).toEqual([]);
  const disk = `${cloud.azurite.blobEndpoint}/elm/packaging/${doc.layer.id}/1/`;
  const blobs = (await allBlobNames()).filter((b) => b.startsWith(disk));
  expect(blobs).toEqual([]);
  const log = await fs.readFile(path.join(e.home, 'logs', `task-${doc.task.id}.log`), 'utf8');
  expect(log).toMatch(/VDA: MSI \(s\) error 1603; password was \*\*\*/); // the echoed secret is masked
  expect((await e.json(['layer', 'show', 'failing'])).versions[0].state).toBe('Broken');
  // The failed step is not idempotent: a resume refuses to run it again, and creates nothing.
  const again = await e.run(['task', 'resume', doc.task.id, '--json'], { env: SECRET_ENV });
  expectCode(again, 1);
  expect(JSON.parse(again.stdout).error).toMatch(/step "step 1: VDA" failed and is not safe to run twice/);
  expect(versionTagged(doc.layer.id)).toEqual([]);
}, 300_000);

test('--keep-machine-on-failure leaves the machine for inspection and says so; fixed, an idempotent step is resumed to Deployable', async () => {
  ngenDone = true;
  guest = { VDA: () => ({ out: 'error: source not found', code: 1 }) };
  const f = await spec('kept', 'pkg-b3', ['  - name: VDA', '    inline: "exit 1"', '    idempotent: true'].join('\n'));
  const r = await e.run(['layer', 'build', '-f', f, '--wait', '--json', '--keep-machine-on-failure'], { env: SECRET_ENV });
  expectCode(r, 1);
  const doc = JSON.parse(r.stdout);
  expect(doc.task.description).toMatch(/pkg-b3 and its disk were kept for inspection/);
  expect(versionTagged(doc.layer.id).map((x) => x.type).sort()).toEqual(['Microsoft.Compute/disks', 'Microsoft.Compute/virtualMachines', 'Microsoft.Network/networkInterfaces']);

  // The operator fixes what was wrong (the share); the step says it is safe to run again.
  guest = { VDA: () => ({ out: 'installed', code: 0 }) };
  const resumed = await e.run(['task', 'resume', doc.task.id, '--json'], { env: SECRET_ENV });
  expectCode(resumed, 0);
  expect(JSON.parse(resumed.stdout).state).toBe('Complete');
  expect(buildCommands('pkg-b3')).toHaveLength(2);
  expect((await e.json(['layer', 'show', 'kept'])).versions[0].state).toBe('Deployable');
  expect(versionTagged(doc.layer.id)).toEqual([]);
}, 300_000);

async function killWhenStepRuns(buildTaskId: string, vm: string, step: string): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const t = stateOf().tasks.find((x: Doc) => x.id === buildTaskId);
    if (t.worker?.pid && buildCommands(vm).some((c) => c.script.includes(`# elm build step: ${step}`))) {
      process.kill(t.worker.pid, 'SIGKILL');
      return;
    }
    await new Promise((res) => setTimeout(res, 50));
  }
  throw new Error(`step ${step} never started`);
}

test('a worker killed (SIGKILL) in the middle of an idempotent step: task resume runs that step again and ends Deployable', async () => {
  ngenDone = true;
  let release!: () => void;
  const held = new Promise<void>((res) => (release = res));
  let calls = 0;
  guest = {
    first: () => ({ out: 'done', code: 0 }),
    long: async () => {
      calls += 1;
      if (calls === 1) await held;
      return { out: `run ${calls}`, code: 0 };
    },
  };
  const f = await spec('killed', 'pkg-b4', ['  - name: first', '    inline: "exit 0"', '  - name: long', '    inline: "Start-Sleep 600"', '    idempotent: true'].join('\n'));
  const started = await e.run(['layer', 'build', '-f', f, '--json'], { env: SECRET_ENV });
  expectCode(started, 0);
  const doc = JSON.parse(started.stdout);
  await killWhenStepRuns(doc.task.id, 'pkg-b4', 'long');
  expect(stateOf().tasks.find((x: Doc) => x.id === doc.task.id).state).toBe('Running');

  // The killed worker's command still runs on the machine: the resumed run finds it under the
  // step's name, waits for it to end (reading it back), deletes it, then runs the step again.
  const resuming = e.run(['task', 'resume', doc.task.id, '--json'], { env: SECRET_ENV });
  const reads = () => cloud.fake.requests.filter((q) => q.method === 'GET' && /pkg-b4\/runCommands\/elm-step-/.test(q.path)).length;
  const before = reads();
  const deadline = Date.now() + 60_000;
  while (reads() < before + 3 && Date.now() < deadline) await new Promise((res) => setTimeout(res, 50));
  expect(buildCommands('pkg-b4').filter((c) => c.script.includes('# elm build step: long'))).toHaveLength(1); // not a second one beside it
  release();
  const resumed = await resuming;
  expectCode(resumed, 0);
  expect(buildCommands('pkg-b4').filter((c) => c.script.includes('# elm build step: long'))).toHaveLength(2);
  expect(JSON.parse(resumed.stdout).state).toBe('Complete');
  expect(calls).toBe(2);
  // The finished step was not run again, and only one machine was ever deployed.
  expect(buildCommands('pkg-b4').filter((c) => c.script.includes('# elm build step: first'))).toHaveLength(1);
  expect(stateOf().tasks.filter((t: Doc) => t.kind === 'DeployMachine' && t.params.buildTaskId === doc.task.id)).toHaveLength(1);
  expect((await e.json(['layer', 'show', 'killed'])).versions[0].state).toBe('Deployable');
  expect(versionTagged(doc.layer.id)).toEqual([]);
}, 300_000);

test('a worker killed in a step not marked idempotent: resume refuses to run it twice, fails plainly and cleans up', async () => {
  let release!: () => void;
  const held = new Promise<void>((res) => (release = res));
  let calls = 0;
  guest = {
    installer: async () => {
      calls += 1;
      await held;
      return { out: 'ok', code: 0 };
    },
  };
  const f = await spec('once', 'pkg-b5', ['  - name: installer', '    inline: "exit 0"'].join('\n'));
  const doc = JSON.parse((await e.run(['layer', 'build', '-f', f, '--json'], { env: SECRET_ENV })).stdout);
  await killWhenStepRuns(doc.task.id, 'pkg-b5', 'installer');
  release();
  await new Promise((res) => setTimeout(res, 500));
  const resumed = await e.run(['task', 'resume', doc.task.id, '--json'], { env: SECRET_ENV });
  expectCode(resumed, 1);
  const t = JSON.parse(resumed.stdout);
  expect(t.state).toBe('Failed');
  expect(t.error).toMatch(/step "step 1: installer" was interrupted and is not safe to run twice.*idempotent: true/);
  expect(calls).toBe(1);
  expect(versionTagged(doc.layer.id)).toEqual([]);
}, 300_000);

/** Waits until the build's step runs on the machine (its managed run command was started). */
async function whenStepRuns(vm: string, step: string): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (!buildCommands(vm).some((c) => c.script.includes(`# elm build step: ${step}`))) {
    if (Date.now() > deadline) throw new Error(`step ${step} never started`);
    await new Promise((res) => setTimeout(res, 50));
  }
}

test('elm task cancel in the middle of a build step: the wait on the machine ends at once, the build deletes its machine, disks, deployment and run command, and ends Canceled saying so', async () => {
  let release!: () => void;
  const held = new Promise<void>((res) => (release = res));
  guest = {
    installer: async () => {
      await held; // an installer that would run for an hour
      return { out: 'done', code: 0 };
    },
  };
  const f = await spec('cancelled', 'pkg-c1', ['  - name: installer', '    inline: "Start-Sleep 3600"', '    secrets: [DomainPassword]'].join('\n'));
  const started = await e.run(['layer', 'build', '-f', f, '--json'], { env: SECRET_ENV });
  expectCode(started, 0);
  const doc = JSON.parse(started.stdout);
  await whenStepRuns('pkg-c1', 'installer');
  expect(cloud.fake.managedRunCommandNames().filter((n) => n.startsWith('pkg-c1/'))).toHaveLength(1);

  const t0 = Date.now();
  const r = await e.run(['task', 'cancel', doc.task.id, '--yes', '--json']);
  expectCode(r, 0);
  expect(Date.now() - t0).toBeLessThan(30_000); // not the hour the step would take
  const t = JSON.parse(r.stdout);
  expect(t.state).toBe('Canceled');
  expect(t.description).toMatch(/^Canceled by the operator\. The packaging machine pkg-c1 \(with its network interface, disk and deployment\) and the packaging disk the build created were deleted; the version is Broken/);

  // Nothing of the build is left: no VM, NIC, disk, run command or deployment, no packaging disk blob.
  expect(versionTagged(doc.layer.id)).toEqual([]);
  expect(cloud.fake.inventory({ type: 'Microsoft.Compute/virtualMachines' }).filter((v) => v.name === 'pkg-c1')).toEqual([]);
  expect(cloud.fake.managedRunCommandNames()).toEqual([]);
  expect(cloud.fake.deployments()).toEqual([]);
  expect((await allBlobNames()).filter((b) => b.includes(`/packaging/${doc.layer.id}/`))).toEqual([]);

  // The state says so: the task (task show), the version Broken and its audit history (layer show).
  const shown = await e.json(['task', 'show', doc.task.id]);
  expect(shown.state).toBe('Canceled');
  expect(shown.description).toBe(t.description);
  const layer = await e.json(['layer', 'show', 'cancelled']);
  expect(layer.versions[0].state).toBe('Broken');
  expect(layer.audit.find((a: Doc) => a.action === 'Build cancelled')?.comment).toMatch(/pkg-c1 .* were deleted/);
  const human = await e.run(['layer', 'show', 'cancelled']);
  expect(human.stdout).toMatch(/Build cancelled/);
  expect(stateOf().tasks.filter((x: Doc) => x.params.buildTaskId === doc.task.id).map((x: Doc) => [x.kind, x.state])).toEqual([['DeployMachine', 'Complete']]);
  release();
}, 300_000);

test('elm task cancel of a build run with --keep-machine-on-failure: the machine and its disk stay, the run command of the step is deleted (its script stops), and the description says what was kept', async () => {
  let release!: () => void;
  const held = new Promise<void>((res) => (release = res));
  guest = { installer: async () => (await held, { out: 'done', code: 0 }) };
  const f = await spec('cancelkept', 'pkg-c2', ['  - name: installer', '    inline: "Start-Sleep 3600"'].join('\n'));
  const doc = JSON.parse((await e.run(['layer', 'build', '-f', f, '--json', '--keep-machine-on-failure'], { env: SECRET_ENV })).stdout);
  await whenStepRuns('pkg-c2', 'installer');
  const r = await e.run(['task', 'cancel', doc.task.id, '--yes', '--json']);
  expectCode(r, 0);
  const t = JSON.parse(r.stdout);
  expect(t.state).toBe('Canceled');
  expect(t.description).toMatch(/The packaging machine pkg-c2 and its disk were kept \(--keep-machine-on-failure\); the run command of the interrupted step \(elm-step-[0-9a-f]+\) was deleted, which stops its script/);
  expect(versionTagged(doc.layer.id).map((x) => x.type).sort()).toEqual(['Microsoft.Compute/disks', 'Microsoft.Compute/virtualMachines', 'Microsoft.Network/networkInterfaces']);
  expect(cloud.fake.managedRunCommandNames()).toEqual([]);
  release();
}, 300_000);

test('elm task cancel while the build verifies (the probe, a Run Command action that cannot be stopped, runs long): the build stops at once and deletes what it created', async () => {
  let release!: () => void;
  probeHeld = new Promise<void>((res) => (release = res));
  guest = { quick: () => ({ out: 'ok', code: 0 }) };
  const f = await spec('cancelverify', 'pkg-c4', ['  - name: quick', '    inline: "exit 0"'].join('\n'));
  const doc = JSON.parse((await e.run(['layer', 'build', '-f', f, '--json'], { env: SECRET_ENV })).stdout);
  const deadline = Date.now() + 120_000;
  while (!cloud.fake.runCommands.some((c) => c.vmName === 'pkg-c4' && c.script.includes('ShutdownForFinalize'))) {
    if (Date.now() > deadline) throw new Error('the probe never started');
    await new Promise((res) => setTimeout(res, 50));
  }
  const t0 = Date.now();
  const r = await e.run(['task', 'cancel', doc.task.id, '--yes', '--json']);
  expectCode(r, 0);
  expect(Date.now() - t0).toBeLessThan(30_000);
  expect(JSON.parse(r.stdout)).toMatchObject({ state: 'Canceled', description: expect.stringMatching(/pkg-c4 .* were deleted/) });
  expect(versionTagged(doc.layer.id)).toEqual([]);
  release();
  probeHeld = null;
}, 300_000);

test('elm task cancel while the machine is being deployed: the ARM deployment is let finish (a safe point), then everything it made is deleted', async () => {
  guest = { quick: () => ({ out: 'ok', code: 0 }) };
  const f = await spec('canceldeploy', 'pkg-c5', ['  - name: quick', '    inline: "exit 0"'].join('\n'));
  cloud.fake.configureLro({ polls: 6 }); // a deployment that takes a while
  try {
    const doc = JSON.parse((await e.run(['layer', 'build', '-f', f, '--json'], { env: SECRET_ENV })).stdout);
    const deadline = Date.now() + 120_000;
    while (!cloud.fake.deployments().some((d) => JSON.stringify(d).includes('pkg-c5'))) {
      if (Date.now() > deadline) throw new Error('the deployment never started');
      await new Promise((res) => setTimeout(res, 20));
    }
    const cancelling = e.run(['task', 'cancel', doc.task.id, '--yes', '--json']);
    cloud.fake.configureLro({ polls: 1 }); // the deployment in flight keeps its pace; the clean-up goes fast
    const r = await cancelling;
    expectCode(r, 0);
    expect(JSON.parse(r.stdout)).toMatchObject({ state: 'Canceled', description: expect.stringMatching(/pkg-c5 \(with its network interface, disk and deployment\) .* were deleted/) });
    // The deploy part ended Complete (not cut off mid-deployment); no build step ran; nothing is left.
    expect(stateOf().tasks.filter((x: Doc) => x.params.buildTaskId === doc.task.id).map((x: Doc) => [x.kind, x.state])).toEqual([['DeployMachine', 'Complete']]);
    expect(buildCommands('pkg-c5')).toEqual([]);
    expect(versionTagged(doc.layer.id)).toEqual([]);
    expect(cloud.fake.deployments().filter((d) => String(d.name).includes('pkg-c5'))).toEqual([]); // (pkg-c2's is kept on purpose)
  } finally {
    cloud.fake.configureLro({ polls: 1 });
  }
}, 300_000);

test('elm task cancel from another machine (shared state; the worker gets no signal): the worker reads the cancel from the state within seconds, mid-step, and cleans up', async () => {
  let release!: () => void;
  const held = new Promise<void>((res) => (release = res));
  guest = { installer: async () => (await held, { out: 'done', code: 0 }) };
  const f = await spec('cancelremote', 'pkg-c3', ['  - name: installer', '    inline: "Start-Sleep 3600"'].join('\n'));
  const doc = JSON.parse((await e.run(['layer', 'build', '-f', f, '--json'], { env: SECRET_ENV })).stdout);
  await whenStepRuns('pkg-c3', 'installer');
  const t0 = Date.now();
  const r = await e.run(['task', 'cancel', doc.task.id, '--yes'], { env: { ELM_HOSTNAME: 'another-ci-runner' } });
  expectCode(r, 0);
  expect(r.stdout + r.stderr).toMatch(/runs in process \d+ on .*; it sees the cancel within seconds/);
  expect(r.stdout + r.stderr).toMatch(/Canceled\. Canceled by the operator\. The packaging machine pkg-c3 .* were deleted/);
  expect(Date.now() - t0).toBeLessThan(30_000);
  expect(versionTagged(doc.layer.id)).toEqual([]);
  expect(cloud.fake.managedRunCommandNames()).toEqual([]);
  release();
}, 300_000);

test('finalize of a version whose machine disk is gone in Azure (ARM answers 404 for it): the Finalize task fails naming the disk and the version is Broken (a retry cannot help: DiskUnusableError)', async () => {
  ngenDone = true;
  const created = await e.json(['layer', 'create', '--name', 'gone', '--version', '1', '--os-layer', 'win', '--connector', 'az', '--purpose', 'packaging', '--hypervisor', 'azure', '--disk-format', 'vhd', '--wait']);
  await e.json(['machine', 'deploy', 'gone', '--machine-name', 'pkg-d1', '--size', 'Standard_D2s_v3', '--vnet', VNET, '--subnet', SUBNET]);
  expect((await e.json(['verify', 'gone', '--shutdown'])).shutdownRequested).toBe(true);
  // The machine is stopped as finalize wants it, but its OS disk is gone: ARM answers 404 for it.
  cloud.fake.fail({ method: 'GET', path: /\/disks\/pkg-d1-osdisk$/, status: 404, code: 'ResourceNotFound', message: "The Resource 'Microsoft.Compute/disks/pkg-d1-osdisk' under resource group 'elm-rg' was not found.", times: Infinity });
  const r = await e.run(['finalize', 'gone', '--wait']);
  cloud.fake.clearFaults();
  expectCode(r, 1);
  expect(r.stderr).toMatch(/The OS disk pkg-d1-osdisk of packaging machine pkg-d1 was not found/);
  expect(r.stderr).toMatch(/Version 1 is Broken/);
  const st = stateOf();
  expect(st.layers.find((l: Doc) => l.name === 'gone').versions[0].state).toBe('Broken');
  expect(st.tasks.filter((t: Doc) => t.kind === 'Finalize' && t.layerId === created.layer.id).map((t: Doc) => t.state)).toEqual(['Failed']);
  expect((await e.json(['layer', 'show', 'gone'])).versions[0].state).toBe('Broken');
}, 300_000);

test('the secret is nowhere: not in the state, the task logs, the task descriptions or any output, nor in any answer Azure gave', async () => {
  expect(cloud.fake.managedRunCommands.some((c) => c.protectedParameters.ElmSecret1 === encodeSecret(SECRET))).toBe(true);
  // Azure never answers with it: only pkg-b2's step printed it itself (its output, masked in the log).
  expect(cloud.fake.responsesContaining(SECRET).filter((r) => !/virtualMachines\/pkg-b2\/runCommands\//.test(r.path))).toEqual([]);
  expect(cloud.fake.managedRunCommands.filter((c) => c.vmName === 'pkg-b1' && c.protectedParameters.ElmSecret1 === encodeSecret(SECRET))).toHaveLength(1);
  await expectNoSecrets(e, cloud);
  for (const file of await allFiles(e.home)) expect({ file, found: [SECRET, encodeSecret(SECRET)].some((f) => readFileSync(file, 'latin1').includes(f)) }).toEqual({ file, found: false });
  for (const out of e.outputs) expect(out.includes(SECRET) || out.includes(encodeSecret(SECRET))).toBe(false);
});

async function allBlobNames(): Promise<string[]> {
  const out: string[] = [];
  const container = azuriteBlobService(cloud.azurite).getContainerClient('elm');
  for await (const b of container.listBlobsFlat()) out.push(`${cloud.azurite.blobEndpoint}/elm/${b.name}`);
  return out;
}
