/**
 * `layer version add --appliance NAME LAYER`: a new version of the appliance's platform layer
 * (CreatePlatformLayerRevision), resolved as layer create resolves its flags, based on the layer's
 * newest Deployable version (ctxal-sdk New-ALPlatformLayerRev.ps1's example picks it so; the
 * plugin takes it as base_version_name), whose OS layer, Max Layer Size and platform types it keeps
 * unless flags say otherwise, as the local version add keeps the previous version's. Its packaging
 * disk is the appliance's work ticket, followed as layer create follows it. Nothing is written to
 * the local state.
 */
import type { Context } from '../../runtime/context';
import { CancelledError, ExitCode, NotReadyError, UsageError } from '../../domain/errors';
import { shellQuote } from '../../domain/shellQuote';
import type { LayerDraft } from '../../wizard/draft';
import { resolveAppliancePlan } from '../../appliance/layerPlan';
import { queryLayerDetails, revisionPurpose, type LayerDetails, type Revision } from '../../appliance/operations';
import { createPlatformLayerRevision, findApplianceVersion } from '../../appliance/revisions';
import { queryTicket, type TicketTask } from '../../appliance/workTickets';
import { applianceSession } from './session';
import { pollTicket } from './tasks';

export async function addVersionOnAppliance(ctx: Context, appliance: string, ref: string, draft: LayerDraft, wait: boolean, timeoutMs: number | undefined, yes = false): Promise<void> {
  if (draft.name !== undefined && draft.name !== ref) throw new UsageError(`The spec names layer "${draft.name}", but the command adds a version to "${ref}"; leave the name out of the spec or name the same layer.`);
  const session = await applianceSession(ctx, appliance);
  const { layer } = await findApplianceVersion(session, appliance, ref, undefined);
  const base = [...layer.revisions].reverse().find((r) => r.state === 'Deployable');
  if (!base) throw new NotReadyError(`Layer "${layer.name}" on the appliance has no Deployable version to base a new one on; finalize its version first (elm finalize ${shellQuote(layer.name)} --wait --appliance ${shellQuote(appliance)}).`);
  // On a terminal, what the flags left out is asked with the wizard's tabs; the layer's name and description are the appliance's, not asked.
  const inherited = { ...inheritFromBase(draft, layer, base), name: layer.name, description: draft.description ?? '' };
  const answered = await (await import('./wizardDraft.js')).applianceWizardDraft(ctx, session, inherited, yes);
  if (answered.version !== undefined && layer.revisions.some((r) => r.name === String(answered.version)))
    throw new UsageError(`--version: layer "${layer.name}" on the appliance already has a version "${answered.version}"; pick another name.`);
  const plan = await resolveAppliancePlan(session, appliance, answered, 'elm layer version add');
  const c = plan.command;
  const ticketId = await createPlatformLayerRevision(session, {
    layerId: layer.id,
    baseRevisionId: base.id,
    osLayerRevisionId: c.osLayerRevisionId,
    versionName: c.versionName,
    versionDescription: c.versionDescription,
    sizeMiB: c.sizeMiB,
    fileShareId: c.fileShareId,
    diskFileName: c.diskFileName,
    diskFormat: c.diskFormat,
    comment: c.comment,
    connectorConfigId: c.connectorConfigId,
    hypervisor: c.hypervisor,
    provisioning: c.provisioning,
    broker: c.broker,
  });
  let task: TicketTask;
  try {
    task = wait ? await pollTicket(ctx, session, ticketId, timeoutMs) : await queryTicket(session, ticketId);
  } catch (e) {
    if (e instanceof CancelledError)
      throw new CancelledError(`Stopped waiting; the appliance goes on creating the packaging disk (task ${ticketId}): elm task wait ${ticketId} --appliance ${shellQuote(appliance)}`);
    throw e;
  }
  const revision = (await queryLayerDetails(session, 'Platform', layer.id)).revisions.find((r) => r.name === c.versionName);
  const doc = {
    layer: { id: layer.id, name: layer.name },
    version: { name: c.versionName, state: revision?.state || 'Editing' },
    base: { name: base.name },
    task: { id: task.id, kind: task.kind, state: task.state, description: task.description, progress: null },
    packagingDisk: { name: plan.diskName, format: plan.diskFormat, location: null, sizeBytes: null },
  };
  const failed = task.state === 'Failed' || task.state === 'Canceled';
  if (failed) process.exitCode = ExitCode.failed;
  if (ctx.io.json) return ctx.out.json(doc);
  if (failed) return ctx.out.error(`The appliance's packaging disk task ${task.id} ${task.state === 'Failed' ? 'failed' : 'was cancelled'}: ${task.description || 'no reason given'}; see its Tasks view in the management console.`);
  ctx.out.success(`Added version ${c.versionName} (${doc.version.state}, from ${base.name}) to "${layer.name}" on the appliance "${appliance}"; task ${task.id} ${task.state}.`);
  if (task.state === 'ActionRequired') ctx.out.prose(task.description);
  else ctx.out.info(`The appliance is creating the packaging disk: elm task wait ${task.id} --appliance ${shellQuote(appliance)}.`);
}

/**
 * What the new version takes from its base when the flags leave it out: the layer's OS layer
 * (AssociatedOsLayerName; its newest Deployable version is picked), the Max Layer Size and the
 * platform types, a publishing base's provisioning service and broker too (none when it had none).
 * What the appliance does not record on a version (its connector configuration) is still asked.
 */
function inheritFromBase(draft: LayerDraft, layer: LayerDetails, base: Revision): LayerDraft {
  const recorded = revisionPurpose(base);
  const purpose = draft.purpose ?? recorded;
  const publishing = purpose === 'publishing' && recorded !== undefined;
  return {
    ...draft,
    osLayer: draft.osLayer ?? layer.osLayerName,
    maxSize: draft.maxSize ?? (base.sizeMiB ? Math.ceil(base.sizeMiB / 1024) : undefined),
    purpose,
    hypervisor: draft.hypervisor ?? base.hypervisor,
    provisioning: draft.provisioning ?? (publishing ? (base.provisioning ?? 'none') : undefined),
    broker: draft.broker ?? (publishing ? (base.broker ?? 'none') : undefined),
  };
}
