/**
 * `machine deploy-link --appliance NAME LAYER`: how to deploy the packaging machine is what the
 * appliance wrote in its packaging-disk ticket once the disk is ready (an Azure deployment link,
 * the vSphere VM it made, or the disk's location). The local command's machine flags do not apply:
 * the appliance's connector configuration decides them.
 */
import type { Context } from '../../runtime/context';
import { NotReadyError, UsageError } from '../../domain/errors';
import { shellQuote } from '../../domain/shellQuote';
import { versionTask } from './versionTask';

const MACHINE_FLAGS: Record<string, string> = {
  machineName: '--machine-name', size: '--size', vnet: '--vnet', subnet: '--subnet', linkExpiry: '--link-expiry',
  securityType: '--security-type', licenseType: '--license-type', publicIp: '--public-ip', rdpFrom: '--rdp-from',
};

export async function deployLinkOnAppliance(ctx: Context, appliance: string, flags: Record<string, unknown>, ref: string | undefined): Promise<void> {
  const given = Object.entries(MACHINE_FLAGS).filter(([k]) => flags[k] !== undefined).map(([, f]) => f);
  if (given.length)
    throw new UsageError(`${given.join(', ')}: with --appliance the appliance's connector configuration decides the packaging machine; leave ${given.length > 1 ? 'them' : 'it'} out (change the configuration in its management console).`);
  const { layer, revision, task, diskPath } = await versionTask(ctx, appliance, ref, flags.version as string | undefined);
  const name = `"${layer.name}" ${revision.name}`;
  if (revision.state !== 'Editing' && revision.state !== 'Finalizable') throw new UsageError(`${name} is ${revision.state} on the appliance; a packaging machine is only for a version being edited.`);
  if (!task || task.state !== 'ActionRequired') {
    const follow = task ? `task ${task.id} is ${task.state}: elm task wait ${task.id} --appliance ${shellQuote(appliance)}` : 'the appliance lists no packaging-disk task for it';
    throw new NotReadyError(`The appliance has not said how to deploy the packaging machine of ${name} yet (${follow}).`);
  }
  // The first https URL in the description is the link (Azure's portal link); else the text is the answer.
  const url = /https:\/\/\S+/.exec(task.description)?.[0] ?? null;
  const doc = { link: url ?? task.description, parameters: { task: task.id, disk: diskPath }, note: task.description };
  if (ctx.io.json) return ctx.out.json(doc);
  ctx.out.data(doc.link);
  if (url) ctx.out.info(task.description);
}
