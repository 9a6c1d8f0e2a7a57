import type { Context } from '../../runtime/context';
import type { State } from '../../domain/state';
import type { SnapshotPart } from '../../appliance/snapshot';

/**
 * The state a read command shows: the local one, or with --appliance (ELM_APPLIANCE) the
 * appliance's objects in the same shape. The one place the read commands meet the appliance.
 */
export async function readState(ctx: Context, parts: SnapshotPart[]): Promise<State> {
  const local = await (await ctx.store()).read();
  if (!ctx.appliance) return local;
  const [{ findAppliance, openSession }, { applianceSnapshot }] = await Promise.all([import('../../appliance/connect.js'), import('../../appliance/snapshot.js')]);
  const appliance = findAppliance(local, ctx.appliance);
  return applianceSnapshot(openSession(appliance, ctx.env, ctx.signal), new URL(appliance.url), parts);
}
