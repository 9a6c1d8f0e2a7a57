import type { Context } from '../../runtime/context';
import { formatTable } from '../../runtime/output';
import { findOsLayer } from '../../domain/osLayerRef';
import { formatGiB } from './import';
import { osLayerView } from './view';

export async function run(ctx: Context, _opts: unknown, [name]: string[]): Promise<void> {
  const os = findOsLayer(await (await ctx.store()).read(), name);
  if (ctx.io.json) return ctx.out.json(osLayerView(os));
  ctx.out.data(`${ctx.out.style.bold(os.name)} (id ${os.id})`);
  ctx.out.data(
    formatTable(
      ctx.out.style,
      ['VERSION', 'IPV6', 'FORMAT', 'SIZE', 'GEN', 'DISK'],
      os.versions.map((v) => [v.name, v.ipv6, v.disk.format, formatGiB(v.disk.sizeBytes), v.generation ?? 'V1', v.disk.location]),
    ),
  );
}
