import type { Context } from '../../runtime/context';
import type { State } from '../../domain/state';
import { confirmRemoval } from '../shared/confirmRemoval';
import { findConnector } from '../shared/lookup';
import { inUse } from '../shared/removalGuards';

/**
 * Layer versions that still need the connector: any version in progress that is packaged with it
 * or publishes to it, and each layer's newest version, because `layer version add` packages the
 * next version with the newest one's connector and recipes.
 */
function versionsNeeding(state: State, name: string): string[] {
  return state.layers.flatMap((l) =>
    l.versions
      .filter((v, i) => (v.state !== 'Deployable' || i === l.versions.length - 1) && (v.connector === name || v.recipes.includes(name)))
      .map((v) => `"${l.name}" ${v.name}${v.state === 'Deployable' ? ' (its next version)' : ''}`),
  );
}

/** Removes a configuration no layer version needs (else exit 3 naming them). */
export async function run(ctx: Context, flags: { yes?: boolean }, [name]: string[]): Promise<void> {
  const store = await ctx.store();
  const refuseIfNeeded = (s: State) => {
    const users = versionsNeeding(s, findConnector(s, name).name);
    if (users.length) throw inUse(`connector "${name}"`, users, 'finalize or remove those layer versions first (elm layer version remove, elm layer remove)');
  };
  const state = await store.read();
  const c = findConnector(state, name);
  refuseIfNeeded(state);
  await confirmRemoval(ctx, flags.yes, `connector "${c.name}" (${c.type})`);
  const removed = await store.mutate((s) => {
    refuseIfNeeded(s);
    const found = findConnector(s, name);
    s.connectors = s.connectors.filter((x) => x !== found);
    return found;
  });
  if (ctx.io.json) return ctx.out.json({ removed: { id: removed.id, name: removed.name, type: removed.type } });
  ctx.out.success(`Removed connector "${removed.name}".`);
}
