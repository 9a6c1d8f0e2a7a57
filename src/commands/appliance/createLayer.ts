/**
 * `layer create --appliance NAME`: the platform layer is created on the appliance
 * (CreatePlatformLayer); its packaging disk is the appliance's work ticket. `--wait` follows the
 * ticket until it ends or needs the operator (exit 1 when it fails, 4 on --timeout); without it the
 * ticket id is printed. `--json` has the local layer create's fields where they apply.
 */
import type { Context } from '../../runtime/context';
import { CancelledError, ExitCode } from '../../domain/errors';
import { shellQuote } from '../../domain/shellQuote';
import type { LayerDraft } from '../../wizard/draft';
import { resolveAppliancePlan } from '../../appliance/layerPlan';
import { createPlatformLayer, queryLayerDetails } from '../../appliance/operations';
import { queryTicket, type TicketTask } from '../../appliance/workTickets';
import { applianceSession } from './session';
import { pollTicket } from './tasks';

export async function createOnAppliance(ctx: Context, appliance: string, draft: LayerDraft, wait: boolean, timeoutMs: number | undefined, yes = false): Promise<void> {
  const session = await applianceSession(ctx, appliance);
  // On a terminal, what the flags left out is asked with the wizard's tabs (nothing is created before the answers).
  const complete = await (await import('./wizardDraft.js')).applianceWizardDraft(ctx, session, draft, yes);
  const plan = await resolveAppliancePlan(session, appliance, complete);
  const created = await createPlatformLayer(session, plan.command);
  let task: TicketTask;
  try {
    task = wait ? await pollTicket(ctx, session, created.ticketId, timeoutMs) : await queryTicket(session, created.ticketId);
  } catch (e) {
    if (e instanceof CancelledError)
      throw new CancelledError(`Stopped waiting; the appliance goes on creating the packaging disk (task ${created.ticketId}): elm task wait ${created.ticketId} --appliance ${shellQuote(appliance)}`);
    throw e;
  }
  // The version's state as the appliance reports it now (Editing while the disk is made and used).
  const details = await queryLayerDetails(session, 'Platform', created.layerId);
  const revision = details.revisions.find((r) => r.name === plan.command.versionName);
  const doc = {
    layer: { id: created.layerId, name: plan.command.name },
    version: { name: plan.command.versionName, state: revision?.state || 'Editing' },
    task: { id: task.id, kind: task.kind, state: task.state, description: task.description, progress: null },
    // Where the appliance writes the disk is in the task's description, not a field of its answer.
    packagingDisk: { name: plan.diskName, format: plan.diskFormat, location: null, sizeBytes: null },
  };
  if (task.state === 'Failed' || task.state === 'Canceled') process.exitCode = ExitCode.failed;
  if (ctx.io.json) return ctx.out.json(doc);
  if (process.exitCode === ExitCode.failed) {
    ctx.out.error(`The appliance's packaging disk task ${task.id} ${task.state === 'Failed' ? 'failed' : 'was cancelled'}: ${task.description || 'no reason given'}; see its Tasks view in the management console.`);
    return;
  }
  ctx.out.success(`Created layer "${doc.layer.name}" ${doc.version.name} (${doc.version.state}) on the appliance "${appliance}"; task ${task.id} ${task.state}.`);
  if (task.state === 'ActionRequired') ctx.out.prose(task.description);
  else ctx.out.info(`The appliance is creating the packaging disk: elm task wait ${task.id} --appliance ${shellQuote(appliance)}.`);
}
