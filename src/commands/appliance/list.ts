import type { Context } from '../../runtime/context';
import { formatTable } from '../../runtime/output';
import { applianceView } from './view';

export async function run(ctx: Context): Promise<void> {
  const state = await (await ctx.store()).read();
  const all = state.appliances ?? [];
  if (ctx.io.json) return ctx.out.json(all.map(applianceView));
  if (all.length === 0) {
    ctx.out.info('No appliances yet. Add one: elm appliance add --name corp --server elm01.corp.local --user administrator');
    return;
  }
  ctx.out.data(formatTable(ctx.out.style, ['NAME', 'SERVER', 'USER', 'PASSWORD FROM'], all.map((a) => [a.name, new URL(a.url).host, a.user, `$${a.passwordEnv}`])));
}
