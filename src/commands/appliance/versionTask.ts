/**
 * A version on the appliance and the work ticket that made its packaging disk: the ticket's
 * description is where the appliance writes what the operator acts on (the disk's location, the
 * Azure link, the vSphere VM), as the console's Tasks view shows it.
 */
import type { Context } from '../../runtime/context';
import { findApplianceVersion, queryInstallDisk, type ApplianceVersion } from '../../appliance/revisions';
import { findPackagingTicket, type TicketTask } from '../../appliance/workTickets';
import { ApplianceError } from '../../appliance/errors';
import { applianceSession } from './session';

export interface VersionTask extends ApplianceVersion {
  task: TicketTask | undefined;
  /** The packaging disk's path on the share while the version is edited; null otherwise. */
  diskPath: string | null;
  diskName: string;
}

export async function versionTask(ctx: Context, appliance: string, ref: string | undefined, version: string | undefined): Promise<VersionTask> {
  const session = await applianceSession(ctx, appliance);
  const found = await findApplianceVersion(session, appliance, ref, version);
  const editing = found.revision.state === 'Editing' || found.revision.state === 'Finalizable';
  const [task, disk] = await Promise.all([findPackagingTicket(session, found.layer.name), editing ? installDisk(session, found.layer.id) : Promise.resolve(null)]);
  return { ...found, task, diskPath: disk ? `${disk.uncPath}\\${disk.name}` : null, diskName: disk?.name ?? '' };
}

/** A disk the appliance cannot name (it has none yet) is no location, not a failure. */
async function installDisk(session: Parameters<typeof queryInstallDisk>[0], layerId: string) {
  try {
    return await queryInstallDisk(session, layerId);
  } catch (e) {
    if (e instanceof ApplianceError && e.messageId === 'ItemNotFound') return null;
    throw e;
  }
}
