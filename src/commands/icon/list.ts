import type { Context } from '../../runtime/context';
import { formatTable } from '../../runtime/output';
import { BUILTIN_ICONS } from '../../domain/icons';
import { readState } from '../shared/readState';

export async function run(ctx: Context): Promise<void> {
  const state = await readState(ctx, ['icons']);
  const icons = [
    ...BUILTIN_ICONS.map((i) => ({ id: i.id, name: i.name, builtIn: true, format: 'png', file: null as string | null })),
    ...state.icons.map((i) => ({ id: i.id, name: i.name, builtIn: false, format: i.format, file: i.file })),
  ];
  if (ctx.io.json) return ctx.out.json(icons);
  ctx.out.data(formatTable(ctx.out.style, ['ID', 'NAME', 'SOURCE'], icons.map((i) => [i.id, i.name, i.builtIn ? 'built-in' : (i.file ?? '')])));
}
