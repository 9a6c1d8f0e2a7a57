import type { Context } from '../../runtime/context';
import { findAppliance } from '../../appliance/connect';
import { applianceView } from './view';

export async function run(ctx: Context, _opts: unknown, [name]: string[]): Promise<void> {
  const view = applianceView(findAppliance(await (await ctx.store()).read(), name));
  if (ctx.io.json) return ctx.out.json(view);
  ctx.out.data(Object.entries(view).map(([k, v]) => `${k.padEnd(12)} ${v ?? '(none: Node\'s CA store and NODE_EXTRA_CA_CERTS)'}`).join('\n'));
}
