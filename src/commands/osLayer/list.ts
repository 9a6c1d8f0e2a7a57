import type { Context } from '../../runtime/context';
import { formatTable } from '../../runtime/output';
import { osLayerView } from './view';
import { readState } from '../shared/readState';

export async function run(ctx: Context): Promise<void> {
  const state = await readState(ctx, ['osLayers']);
  if (ctx.io.json) return ctx.out.json(state.osLayers.map(osLayerView));
  if (state.osLayers.length === 0) return ctx.out.info('No OS layers yet. Import one: elm os-layer import --name N --version V --disk PATH');
  ctx.out.data(
    formatTable(
      ctx.out.style,
      ['NAME', 'VERSIONS', 'NEWEST', 'IPV6'],
      state.osLayers.map((o) => {
        const newest = o.versions[o.versions.length - 1];
        return [o.name, String(o.versions.length), newest.name, newest.ipv6];
      }),
    ),
  );
}
