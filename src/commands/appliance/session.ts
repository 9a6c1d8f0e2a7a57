import type { Context } from '../../runtime/context';
import type { ApplianceSession } from '../../appliance/session';

/** A session with the appliance --appliance (ELM_APPLIANCE) names, from elm's record of it. */
export async function applianceSession(ctx: Context, name: string): Promise<ApplianceSession> {
  const { findAppliance, openSession } = await import('../../appliance/connect.js');
  return openSession(findAppliance(await (await ctx.store()).read(), name), ctx.env, ctx.signal);
}
