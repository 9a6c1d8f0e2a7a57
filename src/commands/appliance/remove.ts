import type { Context } from '../../runtime/context';
import { findAppliance } from '../../appliance/connect';
import { confirmRemoval } from '../shared/confirmRemoval';

/** Forgets an appliance: only elm's record of it; nothing on the appliance changes. */
export async function run(ctx: Context, flags: { yes?: boolean }, [name]: string[]): Promise<void> {
  const store = await ctx.store();
  const a = findAppliance(await store.read(), name);
  await confirmRemoval(ctx, flags.yes, `appliance "${a.name}" (${new URL(a.url).host}) from elm's list (nothing on the appliance changes)`);
  const removed = await store.mutate((s) => {
    const found = findAppliance(s, name);
    s.appliances = (s.appliances ?? []).filter((x) => x.id !== found.id);
    return found;
  });
  if (ctx.io.json) return ctx.out.json({ removed: { id: removed.id, name: removed.name } });
  ctx.out.success(`Removed appliance "${removed.name}" from elm's list.`);
}
