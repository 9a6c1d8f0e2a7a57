import type { Context } from '../../runtime/context';
import { formatTable } from '../../runtime/output';
import { findLayer } from '../shared/lookup';

export async function run(ctx: Context, _opts: unknown, [ref]: string[]): Promise<void> {
  const layer = findLayer(await (await ctx.store()).read(), ref);
  if (ctx.io.json) return ctx.out.json(layer) // the stored shape is the --json contract (the README's Conventions);
  const s = ctx.out.style;
  ctx.out.data(`${s.bold(layer.name)} (id ${layer.id})${layer.description ? ` — ${layer.description}` : ''}`);
  ctx.out.data(
    formatTable(
      s,
      ['VERSION', 'STATE', 'OS LAYER', 'CONNECTOR', 'PACKAGING DISK'],
      layer.versions.map((v) => [
        v.name,
        v.state,
        `${v.osLayer.name} ${v.osLayer.version}`,
        v.connector,
        v.packagingDisk.location ?? `${v.packagingDisk.name} (${v.packagingDisk.format}, not written yet)`,
      ]),
    ),
  );
  ctx.out.data(`\n${s.bold('Audit History')}`);
  ctx.out.data(formatTable(s, ['WHEN', 'USER', 'ACTION', 'VERSION', 'COMMENT'], layer.audit.map((a) => [a.at, a.user, a.action, a.version ?? '', a.comment])));
}
