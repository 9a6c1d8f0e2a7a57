import { promises as fs } from 'node:fs';
import type { Context } from '../runtime/context';
import { ConflictError, ExitCode, NotReadyError } from '../domain/errors';
import { homePaths } from '../domain/home';
import { hostName } from '../domain/hostName';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { withVersionHints } from '../domain/nextStepHints';
import type { DiskLocation, MachineRef } from '../connectors/connector';
import { parseDuration } from '../domain/duration';
import { addTask } from '../domain/addTask';
import type { Layer, LayerVersion, State, Task, VersionRepository } from '../domain/state';
import type { FinalizeParams } from '../tasks/kinds/finalize';
import { spawnWorker } from '../tasks/spawnWorker';
import { runWhileWaiting } from '../tasks/runWhileWaiting';
import { liveWorker, workerStarting } from '../tasks/workerLiveness';
import { integrityContext } from '../integrity/versionContext';
import { findConnector, resolveLayer, resolveVersion } from './shared/lookup';
import { staleReportError } from '../integrity/versionFreshness';
import { readyDisk } from './shared/versionDisk';
import { claimVersion } from './shared/versionLock';
import { waitChoice } from './shared/waitChoice';
import { shellQuote } from '../domain/shellQuote';
import { dropDigestsAhead, startDigestAhead } from '../disk/digestAhead';
import { dropCopiesAhead, startCopyAhead } from '../disk/copyAhead';
import { shareImportDestination } from '../connectors/fileshare/finalizeFromShare';
import { handBuildComment, openHandBuild } from '../tasks/kinds/handBuild';
import { capturesIntoRepository } from '../repository/capture';
import { chooseVersionRepository } from '../repository/versionRepository';
import { refuseRepositoryElsewhere } from '../tasks/repositoryRefusal';

interface FinalizeFlags {
  version?: string;
  wait?: boolean;
  timeout?: string;
  comment?: string;
  settle?: string;
  keepMachine?: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Finalize: preconditions first (each failure named, exit 3), then a durable Finalize task that
 * imports the disk, removes the packaging machine and disk, and makes the version Deployable.
 * A Finalize task left behind by a killed worker is resumed instead of started again.
 */
export async function run(ctx: Context, flags: FinalizeFlags, [ref]: string[]): Promise<void> {
  // --appliance: the appliance finalizes its own version; nothing local is read or written.
  if (ctx.appliance) return (await import('./appliance/finalize.js')).finalizeOnAppliance(ctx, ctx.appliance, flags, ref);
  try {
    await finalize(ctx, flags, ref);
  } finally {
    // What the task did not take (it failed first) must not hold the exit or stay on disk.
    dropDigestsAhead();
    await dropCopiesAhead();
  }
}

async function finalize(ctx: Context, flags: FinalizeFlags, ref: string | undefined): Promise<void> {
  const { wait, timeoutMs } = waitChoice(flags, false);
  const settleMs = flags.settle !== undefined ? parseDuration(flags.settle, '--settle') : 10_000;
  const started = Date.now();
  const store = await ctx.store();
  let state = await store.read();
  const layer = resolveLayer(state, ref);
  const version = resolveVersion(layer, flags.version);

  let task = await pendingFinalize(ctx, state, layer, version, wait);
  if (!task) {
    const repository = await repositoryFor(ctx, state, version);
    const repositoryDir = repository?.dir ?? path.join(homePaths(ctx.home).repository, randomUUID());
    const disk = await checkPreconditions(ctx, state, layer, version, wait, settleMs, timeoutMs, repositoryDir);
    task = await store.mutate(async (s) => {
      const l = s.layers.find((x) => x.id === layer.id)!;
      const v = l.versions.find((x) => x.name === version.name)!;
      await claimVersion(ctx, s, layer.id, version.name);
      // Recorded before anything is written there: removal deletes this folder, and only it.
      if (repository) v.repository = repository;
      const params: FinalizeParams = {
        connector: v.connector,
        disk,
        machine: (v.machine as MachineRef | null) ?? null,
        // A build on the file share carries the comment of the finalize that closes it.
        comment: flags.comment ?? handBuildComment(openHandBuild(s, layer.id, v.name)),
        keepMachine: Boolean(flags.keepMachine),
        repositoryDir,
        ...(repository ? { repository } : {}),
        previousState: v.state,
        user: ctx.user(),
      };
      const t = addTask(
        s,
        {
          kind: 'Finalize',
          description: `Finalizing "${l.name}" ${v.name}: importing the packaging disk into the layer repository.`,
          layerId: l.id,
          version: v.name,
          params: params as unknown as Record<string, unknown>,
        },
        ctx.now(),
      );
      v.state = 'Finalizing';
      return t;
    });
    // With --wait the task runs in this process (runWhileWaiting); without, in a detached worker.
    if (!wait) spawnWorker(ctx.home, task.id, ctx.env);
  } else if (!ctx.io.json) {
    ctx.out.info(`Resuming finalize task ${task.id}, left ${task.state} by an earlier run.`);
  }

  let final = task;
  if (wait) {
    const remaining = timeoutMs !== undefined ? Math.max(0, timeoutMs - (Date.now() - started)) : undefined;
    final = await runWhileWaiting(ctx, task.id, { timeoutMs: remaining, label: `Finalizing "${layer.name}" ${version.name}` });
  }
  state = await store.read();
  const v = state.layers.find((l) => l.id === layer.id)!.versions.find((x) => x.name === version.name)!;
  if (final.state === 'Failed' || final.state === 'Canceled') process.exitCode = ExitCode.failed;
  if (ctx.io.json) {
    ctx.out.json({
      task: { id: final.id, kind: final.kind, state: final.state, description: final.description, error: final.error },
      version: { name: v.name, state: v.state },
      artifact: v.artifact,
    });
    return;
  }
  if (final.state === 'Complete') {
    ctx.out.success(`"${layer.name}" ${v.name} is ${v.state}.`);
    if (v.artifact) ctx.out.data(`Layer disk: ${v.artifact.location}${v.artifact.sha256 ? ` (sha256 ${v.artifact.sha256})` : ''}`);
  } else if (final.state === 'Failed') {
    // A Broken version's disk cannot be retried; anything else can, from the failed step.
    const next = v.state === 'Broken' ? '' : `; retry with elm task resume ${final.id}`;
    ctx.out.error(`Finalize task ${final.id} failed: ${final.error}. Version ${v.name} is ${v.state}${next}.`);
  } else if (final.state === 'Canceled') {
    ctx.out.error(`Finalize task ${final.id} was canceled. Version ${v.name} is ${v.state} again; finalize it again when ready.`);
  } else {
    ctx.out.success(`Finalize task ${final.id} started (${final.state}); follow it with elm task wait ${final.id}.`);
  }
}

/** A Finalize task of this version whose worker died: the next finalize picks it up (the README's Quickstart). */
async function pendingFinalize(ctx: Context, state: State, layer: Layer, version: LayerVersion, wait: boolean): Promise<Task | null> {
  const task = state.tasks.find(
    (t) => t.kind === 'Finalize' && t.layerId === layer.id && t.version === version.name && ['Pending', 'Running', 'Canceling'].includes(t.state),
  );
  if (!task) return null;
  // A capture into a repository this machine cannot reach would write the disk where nobody finds it.
  await refuseRepositoryElsewhere(ctx.env, state, task);
  // A just-started finalize whose worker is still starting is running too: exit 5, not a resume.
  if (workerStarting(task) || (await liveWorker(ctx, task.id))) {
    throw new ConflictError(`Finalize of "${layer.name}" ${version.name} is already running as task ${task.id}; wait for it with elm task wait ${task.id}.`);
  }
  if (!wait) spawnWorker(ctx.home, task.id, ctx.env);
  return task;
}

/**
 * The version's folder in the layer repository, for a connector whose finalize writes there:
 * where an earlier finalize put it when this machine reaches that, else a new one in this home.
 */
async function repositoryFor(ctx: Context, state: State, version: LayerVersion): Promise<VersionRepository | null> {
  const type = state.connectors.find((c) => c.name === version.connector)?.type;
  if (!capturesIntoRepository(type)) return null;
  return chooseVersionRepository(ctx.home, hostName(ctx.env), ctx.now(), version.repository);
}

/** Each precondition of the README's Quickstart, all reported at once (exit 3). */
async function checkPreconditions(
  ctx: Context,
  state: State,
  layer: Layer,
  version: LayerVersion,
  wait: boolean,
  settleMs: number,
  timeoutMs: number | undefined,
  repositoryDir: string,
): Promise<DiskLocation> {
  const name = `"${layer.name}" ${version.name}`;
  if (version.state !== 'Editing' && version.state !== 'Finalizable')
    throw new NotReadyError(`${name} is ${version.state}; only a version in Editing or Finalizable can be finalized.`);
  const disk = readyDisk(state, layer, version);
  const config = findConnector(state, version.connector);
  const problems: string[] = [];
  let integrity = version.integrity;
  let shutdownRequested = integrity?.shutdownRequested ?? false;
  // The import hashes every byte, and from a share on another filesystem it copies them too. A
  // waiting finalize starts what takes longest early: beside the repository, the hash at once,
  // beside the checks; from another filesystem, the copy (and the hash) once the checks pass,
  // beside the task's recording; both again if the disk changed meanwhile. The import takes them
  // over when the disk is still the same file, unchanged; otherwise it does them itself.
  const ahead = wait && config.type === 'fileshare';
  const besideRepository = ahead && (await sameFilesystem(disk.location, ctx.home));
  const importAhead = async () => {
    if (!besideRepository) {
      await fs.mkdir(repositoryDir, { recursive: true, mode: 0o700 });
      await startCopyAhead(disk.location, `${shareImportDestination(repositoryDir, disk.location)}.partial`);
    }
    await startDigestAhead(disk.location);
  };
  if (besideRepository) await startDigestAhead(disk.location).catch(() => undefined); // the import does it itself
  if (config.type === 'fileshare') {
    // The report beside the disk is the freshest word from the machine; a malformed one is exit 2.
    const { readShareReport, shareReportPath } = await import('../connectors/fileshare/shareReport.js');
    const found = await readShareReport(disk.location);
    const stale = found ? await staleReportError(state, layer, version, found.report, found.path) : null;
    if (stale) {
      problems.push(stale.message.replace(/\.$/, ''));
      integrity = null;
    } else if (found) {
      const { evaluateReport } = await import('../integrity/evaluate.js');
      const e = evaluateReport(found.report, integrityContext(state, version));
      integrity = { at: found.report.at, source: found.path, ready: e.ready, blockers: e.blockers.map((b) => ({ id: b.id, message: b.message })), shutdownRequested: found.report.shutdownRequested };
      shutdownRequested = found.report.shutdownRequested;
    } else if (!integrity) {
      problems.push(`no integrity report: ${shareReportPath(disk.location)} does not exist; run ShutdownForFinalize.ps1 -ReportPath … -Shutdown on the packaging machine, then elm verify ${shellQuote(layer.name)}`);
    }
  } else if (!integrity) {
    problems.push(`no integrity report: run elm verify ${shellQuote(layer.name)} first`);
  }
  if (integrity && !integrity.ready) problems.push(`the integrity report has blockers: ${integrity.blockers.map((b) => b.message).join(' ')}`);
  if (config.type === 'fileshare') {
    if (integrity && integrity.ready && !shutdownRequested)
      problems.push('the packaging machine has not been shut down: run ShutdownForFinalize.ps1 with -Shutdown on it');
    if (problems.length === 0)
      await waitQuiescent(disk.location, settleMs, wait ? (timeoutMs ?? Infinity) : 0, problems, (seconds) =>
        ctx.out.info(`Waiting ${seconds}s for the packaging disk to stay unchanged for ${Math.round(settleMs / 1000)}s (--settle) before importing it.`),
      );
  } else if (integrity?.ready) {
    const connector = await ctx.connector(config);
    const status = await connector.machineStatus((version.machine as MachineRef | null) ?? null, disk);
    if (status !== 'stopped') problems.push(`the packaging machine is ${status}, not stopped: shut it down (elm verify ${shellQuote(layer.name)} --shutdown)`);
    else problems.push(...((await connector.captureBlockers?.((version.machine as MachineRef | null) ?? null, disk)) ?? []));
  }
  if (ahead && problems.length === 0) await importAhead().catch(() => undefined);
  if (problems.length) throw new NotReadyError(withVersionHints(`${name} cannot be finalized yet: ${problems.join('; ').replace(/\.$/, '')}.`, layer, version.name));
  return disk;
}

async function sameFilesystem(a: string, b: string): Promise<boolean> {
  const [sa, sb] = await Promise.all([fs.stat(a), fs.stat(b)]).catch(() => [null, null]);
  return sa !== null && sb !== null && sa.dev === sb.dev;
}

/**
 * The disk must have stopped changing for the settle period: a VM still writing to it would be
 * imported half-written. With --wait this waits (within the timeout); without, it says how long.
 */
async function waitQuiescent(location: string, settleMs: number, maxWaitMs: number, problems: string[], onWait: (seconds: number) => void): Promise<void> {
  const deadline = Date.now() + maxWaitMs;
  let told = false;
  for (;;) {
    const st = await fs.stat(location);
    const quietFor = Date.now() - st.mtimeMs;
    if (quietFor >= settleMs) return;
    const need = settleMs - quietFor;
    if (Date.now() + need > deadline) {
      problems.push(`the packaging disk changed ${Math.round(quietFor / 1000)}s ago; it must be quiescent for ${Math.round(settleMs / 1000)}s (is the machine still running? pass --wait to wait for it)`);
      return;
    }
    // Said once: seconds of silence before the import starts would look like a hang.
    if (!told) onWait(Math.ceil(need / 1000));
    told = true;
    await sleep(Math.min(need + 50, 5000));
  }
}
