/**
 * `finalize --appliance NAME LAYER`: the appliance finalizes the version (FinalizeLayerRevision
 * with the packaging disk QueryLayerInstallDisk names, on the first file share). It refuses a
 * version that is not Finalizable (exit 3). `--wait` follows its work ticket until the version is
 * Deployable (exit 0), the ticket fails (1), --timeout passes (4) or Ctrl-C (130); in the last two
 * the appliance's task goes on, and the message says how to follow it.
 */
import type { Context } from '../../runtime/context';
import { CancelledError, ExitCode, NotReadyError, TimeoutError, UsageError } from '../../domain/errors';
import { parseDuration } from '../../domain/duration';
import { shellQuote } from '../../domain/shellQuote';
import { queryFileShares, queryLayerDetails } from '../../appliance/operations';
import { finalizeRevision, findApplianceVersion, queryInstallDisk } from '../../appliance/revisions';
import { queryTicket, type TicketTask } from '../../appliance/workTickets';
import { applianceSession } from './session';
import { pollTicket } from './tasks';

interface Flags {
  version?: string;
  wait?: boolean;
  timeout?: string;
  comment?: string;
  settle?: string;
  keepMachine?: boolean;
}

export async function finalizeOnAppliance(ctx: Context, appliance: string, flags: Flags, ref: string | undefined): Promise<void> {
  // The appliance captures the disk and removes its packaging machine itself: these flags would do nothing.
  const local = [flags.settle !== undefined && '--settle', flags.keepMachine && '--keep-machine'].filter(Boolean);
  if (local.length) throw new UsageError(`${local.join(' and ')} apply to elm's own finalize; the appliance finalizes on its own terms: leave ${local.length > 1 ? 'them' : 'it'} out with --appliance.`);
  const timeoutMs = flags.timeout !== undefined ? parseDuration(flags.timeout, '--timeout') : undefined;
  const session = await applianceSession(ctx, appliance);
  const { layer, revision } = await findApplianceVersion(session, appliance, ref, flags.version);
  // As the local finalize says it: a version the appliance already finalized has nothing left to capture.
  if (revision.state === 'Deployable') throw new NotReadyError(`"${layer.name}" ${revision.name} is already Deployable on the appliance; only a version being edited is finalized (elm layer version add --appliance ${shellQuote(appliance)} ${shellQuote(layer.name)} for a new one).`);
  const [disk, shares] = await Promise.all([queryInstallDisk(session, layer.id), queryFileShares(session)]);
  // The share the packaging disk is on, else the first (the plugin's GetDefaultFileShareId).
  const share = shares.find((s) => s.path && disk.uncPath.toLowerCase().startsWith(s.path.toLowerCase())) ?? shares[0];
  const ticketId = await finalizeRevision(session, { fileShareId: share?.id ?? '0', revisionId: revision.id, disk, comment: flags.comment ?? '' });
  const follow = `elm task wait ${ticketId} --appliance ${shellQuote(appliance)}`;
  let task: TicketTask;
  try {
    task = flags.wait ? await pollTicket(ctx, session, ticketId, timeoutMs) : await queryTicket(session, ticketId);
  } catch (e) {
    if (e instanceof CancelledError || (e as Error).name === 'AbortError')
      throw new CancelledError(`Stopped waiting; the appliance goes on finalizing "${layer.name}" ${revision.name} (task ${ticketId}): ${follow}`);
    if (e instanceof TimeoutError) throw new TimeoutError(`Finalize of "${layer.name}" ${revision.name} is still running on the appliance after ${flags.timeout} (task ${ticketId}); it goes on there: ${follow}`);
    throw e;
  }
  const now = (await queryLayerDetails(session, 'Platform', layer.id)).revisions.find((r) => r.id === revision.id);
  const doc = {
    task: { id: task.id, kind: task.kind, state: task.state, description: task.description, error: task.state === 'Failed' ? task.description : null },
    version: { name: revision.name, state: now?.state ?? revision.state },
    artifact: null,
  };
  const failed = task.state === 'Failed' || task.state === 'Canceled';
  if (failed) process.exitCode = ExitCode.failed;
  if (ctx.io.json) return ctx.out.json(doc);
  if (failed) return ctx.out.error(`The appliance's finalize task ${task.id} ${task.state === 'Failed' ? 'failed' : 'was cancelled'}: ${task.description || 'no reason given'}; version ${revision.name} is ${doc.version.state}.`);
  if (task.state === 'Complete') return ctx.out.success(`"${layer.name}" ${revision.name} is ${doc.version.state} on the appliance "${appliance}".`);
  ctx.out.success(`The appliance is finalizing "${layer.name}" ${revision.name} (task ${task.id} ${task.state}); follow it with ${follow}.`);
}
