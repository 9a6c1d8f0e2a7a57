import type { Context } from '../../runtime/context';
import { importIconInto } from './importIcon';

export async function run(ctx: Context, flags: { name?: string }, [file]: string[]): Promise<void> {
  const icon = await importIconInto(await ctx.store(), ctx.home, file, flags.name, ctx.now());
  if (ctx.io.json) return ctx.out.json({ id: icon.id, name: icon.name, format: icon.format, file: icon.file, builtIn: false });
  ctx.out.success(`Imported icon "${icon.name}" as ${icon.id}.`);
}
