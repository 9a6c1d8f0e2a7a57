import type { Context } from '../../runtime/context';
import { CancelledError } from '../../domain/errors';
import type { Layer, State } from '../../domain/state';
import { withVersionHints } from '../../domain/nextStepHints';
import { spawnWorker } from '../../tasks/spawnWorker';
import { runWhileWaiting } from '../../tasks/runWhileWaiting';
import { draftFromFlags, mergeDrafts, type LayerDraft } from '../../wizard/draft';
import { missingError, missingFields, resolvePlan } from '../../wizard/plan';
import { loadSpec } from '../../wizard/spec';
import { findLayer } from '../shared/lookup';
import { waitChoice } from '../shared/waitChoice';
import { checkOsDiskReadable } from './osDiskReadable';
import { recordLayerVersion } from './recordVersion';
import { shellQuote } from '../../domain/shellQuote';

/**
 * `layer create` and `layer version add`: flags and spec first, the wizard for what is missing on
 * a terminal, one UsageError naming every missing flag otherwise; then record and start the task.
 */
export async function createOrAddVersion(ctx: Context, flags: Record<string, unknown>, existingRef?: string): Promise<void> {
  // Read first: a bad --timeout fails before the wizard asks anything. Waiting is the default on a terminal.
  const { wait, timeoutMs } = waitChoice(flags as { wait?: boolean; timeout?: string }, ctx.io.canPrompt);
  const spec: LayerDraft = typeof flags.file === 'string' ? await loadSpec(flags.file) : {};
  const draft = mergeDrafts(spec, draftFromFlags(flags));
  // --appliance: the layer is the appliance's; nothing is recorded in the local state.
  if (ctx.appliance && existingRef === undefined) return (await import('../appliance/createLayer.js')).createOnAppliance(ctx, ctx.appliance, draft, wait, timeoutMs, Boolean(flags.yes));
  if (ctx.appliance && existingRef !== undefined) return (await import('../appliance/addVersion.js')).addVersionOnAppliance(ctx, ctx.appliance, existingRef, draft, wait, timeoutMs, Boolean(flags.yes));
  const store = await ctx.store();
  const state: State = await store.read();
  let existing: Layer | undefined;
  if (existingRef !== undefined) existing = findLayer(state, existingRef);
  const command = existing ? 'elm layer version add' : 'elm layer create';
  const missing = missingFields(draft, existing, state);
  let result;
  if (ctx.io.canPrompt && missing.length > 0) {
    const { runWizard } = await import('../../wizard/runWizard.js');
    result = await runWizard(ctx, draft, state, existing, Boolean(flags.yes));
  } else {
    // Every required value given: the optional ones take their defaults, unasked; on a terminal
    // only the final confirmation remains (--yes skips it).
    if (missing.length) throw missingError(missing, command);
    result = { plan: resolvePlan(draft, { state, existing }), newConnectors: [] };
    if (ctx.io.canPrompt && !flags.yes) {
      const { confirmPlan } = await import('../../wizard/tabs/confirm.js');
      await confirmPlan(ctx, await ctx.prompter(), result.plan, Boolean(existing));
    }
  }
  await checkOsDiskReadable(result.plan.os);
  // Platform checks that would otherwise fail later, after resources exist (Azure: locations).
  const connector = await ctx.connector(result.plan.connector);
  await connector.preflight?.();
  const { layer, version, task } = await recordLayerVersion(ctx, result.plan, result.newConnectors, existing?.id);
  // Waiting, the task runs in this process (runWhileWaiting); otherwise in a detached worker.
  if (!wait) spawnWorker(ctx.home, task.id, ctx.env);
  let finalTask = task;
  if (wait) {
    try {
      finalTask = await runWhileWaiting(ctx, task.id, { label: `Creating packaging disk ${result.plan.diskName}`, timeoutMs });
    } catch (e) {
      if (e instanceof CancelledError)
        throw new CancelledError(`Stopped waiting; the packaging disk is still being created (task ${task.id}): elm task wait ${task.id}`);
      throw e;
    }
  }
  const fresh = await store.read();
  const freshLayer = fresh.layers.find((l) => l.id === layer.id) ?? layer;
  const freshVersion = freshLayer.versions.find((v) => v.name === version.name) ?? version;
  const doc = {
    layer: { id: freshLayer.id, name: freshLayer.name },
    version: { name: freshVersion.name, state: freshVersion.state },
    task: { id: finalTask.id, kind: finalTask.kind, state: finalTask.state, description: finalTask.description, progress: finalTask.progress },
    packagingDisk: freshVersion.packagingDisk,
  };
  if (finalTask.state === 'Failed') process.exitCode = 1;
  if (ctx.io.json) return ctx.out.json(doc);
  if (finalTask.state === 'Failed') {
    ctx.out.error(`The packaging disk task ${finalTask.id} failed: ${finalTask.error ?? finalTask.description}. Retry with elm task resume ${finalTask.id}.`);
    return;
  }
  ctx.out.success(`${existing ? 'Added version' : 'Created layer'} "${freshLayer.name}" ${freshVersion.name} (${freshVersion.state}); task ${task.id} ${finalTask.state}.`);
  if (finalTask.state === 'ActionRequired') ctx.out.prose(withVersionHints(finalTask.description, freshLayer, freshVersion.name));
  else
    ctx.out.info(
      withVersionHints(`The packaging disk is being created in the background: elm task wait ${task.id}, or elm disk status ${shellQuote(freshLayer.name)}.`, freshLayer, freshVersion.name),
    );
}
