/**
 * A build on a connector that reaches the machine (Azure: Run Command and ARM): after the
 * packaging disk, deploy the machine (a DeployMachine task run as a part), one recorded step per
 * build step, verify (expediting NGen whenever it blocks; restarting, up to MAX_VERIFY_RESTARTS
 * times, for what a restart clears), shut down, finalize (a Finalize task
 * run as a part). Parts are found by their buildTaskId, so a resumed build never makes two.
 * A build step that failed or was interrupted runs again only when the spec says `idempotent: true`.
 */
import { counted } from '../../domain/plural';
import type { Connector, DiskLocation, MachineRef } from '../../connectors/connector';
import { addTask } from '../../domain/addTask';
import type { State, Task } from '../../domain/state';
import type { BuildStep } from '../../layerBuild/buildSpec';
import type { StepContext, StepDefinition } from '../taskDefinition';
import type { FinalizeParams } from './finalize';
import type { LayerBuildParams } from './layerBuildParams';
import { deleteBuildResources } from './layerBuildTeardown';
import { versionOf } from './versionOf';
import { MAX_INLINE_FILE_BYTES } from '../../layerBuild/remoteSpec';
import { untilAborted } from '../untilAborted';

export type { MachineParams } from './layerBuildParams';

/** Installer exit codes that mean "restart needed" (Windows Installer: ERROR_SUCCESS_REBOOT_REQUIRED, _INITIATED). */
export const RESTART_CODES = [3010, 1641];

const params = (ctx: StepContext) => ctx.task.params as unknown as LayerBuildParams;

async function connectorOf(ctx: StepContext): Promise<Connector> {
  const name = params(ctx).connector;
  const config = (await ctx.store.read()).connectors.find((c) => c.name === name);
  if (!config) throw new Error(`connector "${name}" was removed while the build ran`);
  return ctx.connector(config);
}

function diskOf(state: State, task: Task): DiskLocation {
  const { version } = versionOf(state, task);
  const d = version.packagingDisk;
  if (!d.location || d.sizeBytes === null) throw new Error('the packaging disk is not ready');
  return { location: d.location, format: d.format, sizeBytes: d.sizeBytes, description: '' };
}

async function machineOf(ctx: StepContext): Promise<MachineRef> {
  const { version } = versionOf(await ctx.store.read(), ctx.task);
  // A failed build deleted what it made: resuming it has no machine to go on with.
  if (version.state === 'Broken') throw new Error(`this build failed earlier and deleted its machine and disk; build again (elm layer build -f SPEC with a new version)`);
  if (!version.machine) throw new Error('no packaging machine is recorded for this version');
  return version.machine as unknown as MachineRef;
}

/** Every secret value, so a line that echoes one is masked before it reaches the task log. */
function mask(ctx: StepContext, text: string): string {
  let out = text;
  for (const envVar of Object.values(params(ctx).secrets)) {
    const v = ctx.env[envVar];
    if (v) out = out.split(v).join('***');
  }
  return out;
}

/**
 * Finds this build's part of a kind, or records it (Pending) with the params `make` gives; then
 * runs it to its end here. A part that failed in an earlier run is tried again.
 */
async function runPart(ctx: StepContext, kind: Task['kind'], make: (state: State) => { description: string; params: Record<string, unknown> }, onCreate?: (state: State) => void): Promise<Task> {
  const part = await ctx.store.mutate((state) => {
    let t = state.tasks.find((x) => x.kind === kind && x.params.buildTaskId === ctx.task.id);
    if (!t) {
      const { description, params: p } = make(state);
      t = addTask(state, { kind, description, layerId: ctx.task.layerId, version: ctx.task.version, params: { ...p, buildTaskId: ctx.task.id } }, new Date());
      onCreate?.(state);
    } else if (t.state === 'Failed') {
      t.state = 'Running';
      t.error = null;
      t.endedAt = null;
    }
    return t;
  });
  ctx.log(`${kind} task ${part.id}: running it as a part of build ${ctx.task.id}`);
  await ctx.runTask(part.id);
  const done = (await ctx.store.read()).tasks.find((t) => t.id === part.id)!;
  if (done.state !== 'Complete') throw new Error(`the ${kind} task ${part.id} ended ${done.state}: ${done.error ?? done.description}`);
  return done;
}

const deployStep: StepDefinition = {
  name: 'deployMachine',
  weight: 10,
  finishBeforeCancel: true, // an ARM deployment in flight: a cancel deletes what it made once it ends
  async run(ctx) {
    const p = params(ctx);
    const done = await runPart(ctx, 'DeployMachine', (state) => {
      const { layer, version } = versionOf(state, ctx.task);
      const os = state.osLayers.find((o) => o.name === version.osLayer.name)?.versions.find((v) => v.name === version.osLayer.version);
      const m = p.remote!.machine;
      const request = {
        layer: { id: layer.id, name: layer.name, version: version.name },
        taskId: version.createTaskId ?? '',
        disk: diskOf(state, ctx.task),
        machineName: m.name,
        size: m.size,
        vnet: m.vnet,
        subnet: m.subnet,
        linkExpiryMs: null,
        os: os && { firmware: os.firmware ?? (os.generation === 'V2' ? 'EFI' : 'BIOS'), guestOs: os.guestOs },
      };
      return { description: `Deploying the packaging machine for "${layer.name}" ${version.name} (build ${ctx.task.id}).`, params: { connector: p.connector, request } };
    });
    return { deployTask: done.id };
  },
};

/** The PowerShell of a build step that is not a script of its own. */
function scriptOf(step: BuildStep): string | null {
  const q = (t: string) => `'${t.replace(/'/g, "''")}'`;
  if (step.kind === 'script') return step.script;
  if (step.kind === 'file') {
    const mkdir = `New-Item -ItemType Directory -Force -Path (Split-Path -Parent ${q(step.destination)}) | Out-Null`;
    if (step.source.startsWith('https://'))
      return `$ErrorActionPreference = 'Stop'\n${mkdir}\n$ProgressPreference = 'SilentlyContinue'\nInvoke-WebRequest -UseBasicParsing -Uri ${q(step.source)} -OutFile ${q(step.destination)}`;
    return null; // a local file: its bytes go in the script (read at run time)
  }
  if (step.kind === 'restart' && step.waitFor)
    return `while (-not (Test-Path ${q(step.waitFor)})) { Start-Sleep -Seconds 10 }\nWrite-Output ${q(`${step.waitFor} exists`)}`;
  return null;
}

/** A local file's bytes, checked unchanged on both sides of the read; the connector writes them on the machine. */
async function localFile(step: Extract<BuildStep, { kind: 'file' }>): Promise<{ destination: string; bytes: Buffer }> {
  const { promises: fs } = await import('node:fs');
  const { checkSourceUnchanged } = await import('../../layerBuild/fileSource.js');
  await checkSourceUnchanged(step);
  const bytes = await fs.readFile(step.source);
  await checkSourceUnchanged(step);
  if (bytes.length > MAX_INLINE_FILE_BYTES)
    throw new Error(`${step.source} is ${bytes.length} bytes; a local file goes inside Run Command's script, up to ${MAX_INLINE_FILE_BYTES}. Serve it over https:// and give that URL as file.source`);
  return { destination: step.destination, bytes };
}

function buildStep(step: BuildStep, index: number): StepDefinition {
  return {
    name: `step ${index + 1}: ${step.name}`,
    weight: 10,
    ...(step.idempotent ? {} : { rerunnable: false as const }),
    async run(ctx) {
      const p = params(ctx);
      const connector = await connectorOf(ctx);
      const machine = await machineOf(ctx);
      if (!connector.runOnMachine || !connector.restartMachine || !connector.probeIntegrity) throw new Error(`the ${connector.type} connector cannot run build steps on the machine`);
      if (step.kind === 'expediteNgen') {
        const raw = await untilAborted(connector.probeIntegrity(machine, { expediteNgen: true, shutdown: false }), ctx.signal);
        ctx.log(`${step.name}: ${raw.trim()}`);
        return { expedited: true };
      }
      if (step.kind === 'restart' && !step.waitFor) {
        ctx.progress(0, `Build step ${index + 1}/${p.steps.length} (${step.name}): restarting ${machine.name}`);
        await connector.restartMachine(machine, ctx.signal);
        return { restarted: true };
      }
      if (step.kind === 'restart') await connector.restartMachine(machine, ctx.signal);
      if (step.kind === 'file' && !step.source.startsWith('https://') && connector.copyToMachine) {
        ctx.progress(0, `Build step ${index + 1}/${p.steps.length} (${step.name}): copying ${step.source} to ${step.destination} on ${machine.name}`);
        const { checkSourceUnchanged } = await import('../../layerBuild/fileSource.js');
        await checkSourceUnchanged(step);
        await connector.copyToMachine(machine, step.source, step.destination, ctx.signal);
        await checkSourceUnchanged(step);
        ctx.log(`${step.name}: copied ${step.source} to ${step.destination}`);
        return { copied: true };
      }
      const inline = scriptOf(step);
      // A local file without copyToMachine: its bytes go to the connector, which writes them (no script of its own).
      const file = inline === null && step.kind === 'file' ? await localFile(step) : undefined;
      const script = inline ?? '';
      const secrets: Record<string, string> = {};
      for (const name of step.kind === 'script' ? step.secrets : []) {
        const envVar = p.secrets[name];
        const value = ctx.env[envVar];
        if (!value) throw new Error(`secret ${name} needs ${envVar} set in the environment of the process that runs the build`);
        secrets[name] = value;
      }
      ctx.progress(0, `Build step ${index + 1}/${p.steps.length} (${step.name}) on ${machine.name}`);
      const timeoutMs = (step.kind === 'script' ? step.timeoutMinutes : 90) * 60_000;
      const result = await connector.runOnMachine(machine, { script, secrets, timeoutMs, signal: ctx.signal, label: step.name, ...(file ? { file } : {}) });
      for (const line of mask(ctx, result.output).split(/\r?\n/)) if (line.trim()) ctx.log(`${step.name}: ${line}`);
      ctx.log(`${step.name}: exit code ${result.exitCode}`);
      if (RESTART_CODES.includes(result.exitCode)) {
        ctx.progress(0.5, `Build step ${index + 1}/${p.steps.length} (${step.name}) asks for a restart (exit ${result.exitCode}): restarting ${machine.name}`);
        await connector.restartMachine(machine, ctx.signal);
        return { exitCode: result.exitCode, restarted: true };
      }
      if (result.exitCode !== 0) {
        const last = mask(ctx, result.output).trim().split(/\r?\n/).slice(-1)[0] ?? '';
        throw new Error(`build step "${step.name}" exited ${result.exitCode}${last ? `: ${last.slice(0, 300)}` : ''}`);
      }
      return { exitCode: 0 };
    },
  };
}

/**
 * The probe's report judged as `elm verify` judges it (the version's PVS, KMS and IPv6 rules, and
 * a stale report refused), so a build never finalizes what verify would refuse.
 */
async function probe(ctx: StepContext, connector: Connector, machine: MachineRef, expediteNgen: boolean) {
  const [{ parseIntegrityReport }, { evaluateReport }, { integrityContext }, { staleReportError }] = await Promise.all([
    import('../../integrity/report.js'),
    import('../../integrity/evaluate.js'),
    import('../../integrity/versionContext.js'),
    import('../../integrity/versionFreshness.js'),
  ]);
  const raw = await untilAborted(connector.probeIntegrity!(machine, { expediteNgen, shutdown: false }), ctx.signal);
  const source = `${connector.type} machine ${machine.name}`;
  const report = parseIntegrityReport(raw, source);
  const state = await ctx.store.read();
  const { layer, version } = versionOf(state, ctx.task);
  const stale = await staleReportError(state, layer, version, report, source);
  if (stale) throw stale;
  return { report, evaluation: evaluateReport(report, integrityContext(state, version)) };
}

/** Restarts verify may make to clear what a restart clears, before the build fails naming it. */
export const MAX_VERIFY_RESTARTS = 3;
/** Blockers a person clears by restarting (RunOnce: by logging on, which the build does for them). */
const RESTART_CLEARS = ['postInstallReboot', 'bootDriverReboot', 'runOncePending', 'windowsUpgradePending'];

/** One verify round: the probe, and with NGen among the blockers the probe again expediting it. */
async function verifyOnce(ctx: StepContext, connector: Connector, machine: MachineRef) {
  let result = await probe(ctx, connector, machine, false);
  const ngen = result.evaluation.blockers.filter((b) => /ngen/i.test(b.id));
  if (ngen.length === 0) return { ...result, expedited: false };
  ctx.log(`verify: ${ngen.map((b) => b.id).join(', ')} on ${machine.name}: expediting NGen, then checking again (never a restart while NGen works)`);
  ctx.progress(0.3, `NGen blocks finalize on ${machine.name}: expediting it, then checking again`);
  result = await probe(ctx, connector, machine, true);
  return { ...result, expedited: true };
}

/** What a person does before a restart: runs the RunOnce entries (a logon would), then restarts. */
async function restartFor(ctx: StepContext, connector: Connector, machine: MachineRef, ids: string[], n: number): Promise<void> {
  ctx.log(`verify: restart ${n}/${MAX_VERIFY_RESTARTS} of ${machine.name}, for ${ids.join(', ')}`);
  if (ids.includes('runOncePending')) {
    const { RUN_ONCE_LABEL, RUN_ONCE_SCRIPT } = await import('./runOnceEntries.js');
    const r = await connector.runOnMachine!(machine, { script: RUN_ONCE_SCRIPT, secrets: {}, timeoutMs: 60 * 60_000, signal: ctx.signal, label: RUN_ONCE_LABEL });
    for (const line of mask(ctx, r.output).split(/\r?\n/)) if (line.trim()) ctx.log(`${RUN_ONCE_LABEL}: ${line}`);
  }
  ctx.progress(0.5, `Restarting ${machine.name} (${ids.join(', ')}), then checking again`);
  await connector.restartMachine!(machine, ctx.signal);
}

const verifyStep: StepDefinition = {
  name: 'verify',
  weight: 5,
  async run(ctx) {
    const connector = await connectorOf(ctx);
    const machine = await machineOf(ctx);
    if (!connector.probeIntegrity) throw new Error(`the ${connector.type} connector cannot probe the machine`);
    ctx.progress(0, `Layer integrity check on ${machine.name}`);
    let restarts = 0;
    let expeditedNgen = false;
    for (;;) {
      const { report, evaluation, expedited } = await verifyOnce(ctx, connector, machine);
      expeditedNgen ||= expedited;
      const blockers = evaluation.blockers.map((b) => ({ id: b.id, message: b.message }));
      ctx.log(`verify: ${evaluation.ready ? 'ready' : `blocked by ${blockers.map((b) => b.id).join(', ')}`}`);
      await ctx.store.mutate((state) => {
        const { version } = versionOf(state, ctx.task);
        version.integrity = { at: new Date().toISOString(), source: `${connector.type} machine ${machine.name}`, ready: evaluation.ready, blockers, shutdownRequested: false, machine: report.machine };
      });
      if (evaluation.ready) return { ready: true, expeditedNgen, restarts };
      const restartable = blockers.filter((b) => RESTART_CLEARS.includes(b.id)).map((b) => b.id);
      const canRestart = restartable.length > 0 && connector.restartMachine && connector.runOnMachine;
      if (!canRestart || restarts >= MAX_VERIFY_RESTARTS) {
        const after = restarts > 0 ? ` after ${counted(restarts, 'restart')}` : '';
        throw new Error(`the layer integrity check found blockers${after}: ${blockers.map((b) => `${b.id} (${b.message})`).join(' ')}`);
      }
      restarts += 1;
      await restartFor(ctx, connector, machine, restartable, restarts);
    }
  },
};

const shutdownStep: StepDefinition = {
  name: 'shutdown',
  weight: 2,
  async run(ctx) {
    const connector = await connectorOf(ctx);
    const machine = await machineOf(ctx);
    ctx.progress(0, `Shutting down ${machine.name} for finalize`);
    // The probe again, and only a clean report stops (deallocates) the machine.
    await untilAborted(connector.probeIntegrity!(machine, { expediteNgen: false, shutdown: true }), ctx.signal);
    if ((await connector.machineStatus(machine, diskOf(await ctx.store.read(), ctx.task))) !== 'stopped') throw new Error(`${machine.name} did not stop`);
    await ctx.store.mutate((state) => {
      const { version } = versionOf(state, ctx.task);
      if (version.integrity) version.integrity.shutdownRequested = true;
      if (version.state === 'Editing') version.state = 'Finalizable';
    });
  },
};

const finalizeStep: StepDefinition = {
  name: 'finalize',
  weight: 15,
  async run(ctx) {
    const p = params(ctx);
    const done = await runPart(
      ctx,
      'Finalize',
      (state) => {
        const { layer, version } = versionOf(state, ctx.task);
        const fp: FinalizeParams = {
          connector: p.connector,
          disk: diskOf(state, ctx.task),
          machine: (version.machine as unknown as MachineRef | null) ?? null,
          comment: p.remote!.finalizeComment,
          keepMachine: false,
          repositoryDir: p.remote!.repositoryDir,
          ...(p.remote!.repository ? { repository: p.remote!.repository } : {}),
          previousState: version.state === 'Finalizing' ? 'Finalizable' : version.state,
          user: p.remote!.user,
        };
        return { description: `Finalizing "${layer.name}" ${version.name} (build ${ctx.task.id}).`, params: fp as unknown as Record<string, unknown> };
      },
      (state) => {
        versionOf(state, ctx.task).version.state = 'Finalizing';
      },
    );
    await ctx.store.mutate((state) => {
      const t = state.tasks.find((x) => x.id === ctx.task.id)!;
      const { layer, version } = versionOf(state, t);
      t.description = `"${layer.name}" ${version.name} built and ${version.state}: ${version.artifact?.location ?? ''}`;
    });
    return { finalizeTask: done.id };
  },
};

export function buildStepsOnMachine(p: LayerBuildParams): StepDefinition[] {
  return [deployStep, ...p.steps.map(buildStep), verifyStep, shutdownStep, finalizeStep];
}

/**
 * A failed build deletes what it created (the machine, the packaging disk), unless the spec's
 * run said --keep-machine-on-failure; either way the description says what is left.
 */
export async function failedBuildCleanup(ctx: StepContext, error: Error): Promise<string> {
  const p = params(ctx);
  const state = await ctx.store.read();
  const { version } = versionOf(state, ctx.task);
  const machine = (version.machine as unknown as MachineRef | null) ?? null;
  if (p.remote?.keepMachineOnFailure) {
    ctx.log(`build failed (${error.message}); the packaging machine and disk are kept (--keep-machine-on-failure)`);
    return machine
      ? `The packaging machine ${machine.name} and its disk were kept for inspection (--keep-machine-on-failure).`
      : 'The packaging disk was kept (--keep-machine-on-failure).';
  }
  const connector = await connectorOf(ctx);
  ctx.log(`build failed (${error.message}): deleting the packaging machine and disk it created`);
  await deleteBuildResources(ctx, connector, { state: 'Failed', why: `the build (task ${ctx.task.id}) failed and deleted the packaging disk` });
  return `The packaging machine${machine ? ` ${machine.name}` : ''} and the packaging disk it created were deleted; the version is Broken (build it again as a new version).`;
}
