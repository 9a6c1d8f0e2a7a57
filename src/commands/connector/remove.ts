import type { Context } from '../../runtime/context';
import { UsageError } from '../../domain/errors';
import { findConnector } from '../shared/lookup';

/** Removes a configuration, refusing while a layer version that is not Deployable still needs it. */
export async function run(ctx: Context, _opts: unknown, [name]: string[]): Promise<void> {
  const store = await ctx.store();
  const removed = await store.mutate((state) => {
    const c = findConnector(state, name);
    const users = state.layers.flatMap((l) =>
      l.versions.filter((v) => v.state !== 'Deployable' && (v.connector === c.name || v.recipes.includes(c.name))).map((v) => `${l.name} ${v.name}`),
    );
    if (users.length) throw new UsageError(`Connector "${name}" is used by layer versions in progress (${users.join(', ')}); finalize them first.`);
    state.connectors = state.connectors.filter((x) => x !== c);
    return c;
  });
  if (ctx.io.json) return ctx.out.json({ removed: { id: removed.id, name: removed.name, type: removed.type } });
  ctx.out.success(`Removed connector "${removed.name}".`);
}
