import type { Context } from '../../runtime/context';
import { findConnector } from '../shared/lookup';
import { connectorView } from './view';

export async function run(ctx: Context, _opts: unknown, [name]: string[]): Promise<void> {
  const state = await (await ctx.store()).read();
  const c = findConnector(state, name);
  const view = connectorView(c);
  if (ctx.io.json) return ctx.out.json(view);
  const used = state.layers.flatMap((l) => l.versions.filter((v) => v.connector === c.name || v.recipes.includes(c.name)).map((v) => `${l.name} ${v.name}`));
  const lines = Object.entries(view).map(([k, v]) => `${k.padEnd(16)} ${typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v)}`);
  lines.push(`${'used by'.padEnd(16)} ${used.length ? used.join(', ') : '(no layer version)'}`);
  ctx.out.data(lines.join('\n'));
}
