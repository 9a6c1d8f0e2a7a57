import type { Context } from '../../runtime/context';
import { formatTable } from '../../runtime/output';
import { connectorView } from './view';
import { readState } from '../shared/readState';

export async function run(ctx: Context): Promise<void> {
  const state = await readState(ctx, ['connectors']);
  if (ctx.io.json) return ctx.out.json(state.connectors.map(connectorView));
  if (state.connectors.length === 0) {
    ctx.out.info('No connectors yet. Add the built-in file share: elm connector add fileshare --name share');
    return;
  }
  ctx.out.data(
    formatTable(
      ctx.out.style,
      ['NAME', 'TYPE', 'WHERE'],
      state.connectors.map((c) => [c.name, c.type, String(c.settings.path ?? c.settings.storageAccount ?? c.settings.server ?? c.settings.console ?? '')]),
    ),
  );
}
