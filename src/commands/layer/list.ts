import type { Context } from '../../runtime/context';
import { formatTable } from '../../runtime/output';
import { readState } from '../shared/readState';

export async function run(ctx: Context): Promise<void> {
  const state = await readState(ctx, ['layers']);
  if (ctx.io.json) return ctx.out.json(state.layers) // the stored shape is the --json contract (the README's Conventions);
  if (state.layers.length === 0) return ctx.out.info('No platform layers yet. Create one: elm layer create');
  ctx.out.data(
    formatTable(
      ctx.out.style,
      ['ID', 'NAME', 'VERSIONS', 'NEWEST', 'STATE'],
      state.layers.map((l) => {
        const newest = l.versions[l.versions.length - 1];
        return [l.id, l.name, String(l.versions.length), newest?.name ?? '—', newest?.state ?? '—'];
      }),
    ),
  );
}
