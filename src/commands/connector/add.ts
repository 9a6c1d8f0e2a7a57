import type { Context } from '../../runtime/context';
import { UsageError } from '../../domain/errors';
import { connectorNameRule } from '../../domain/rules';
import type { ConnectorConfig } from '../../domain/state';
import type { ConnectorType } from '../../domain/vocabulary';
import { loadSettingsModule } from '../../connectors/settings';
import { nextId } from '../shared/lookup';
import { connectorView } from './view';
import { shellQuote } from '../../domain/shellQuote';

export function addConnector(type: ConnectorType) {
  return async function run(ctx: Context, flags: Record<string, unknown>): Promise<void> {
    const name = String(flags.name ?? '');
    const ok = connectorNameRule(name);
    if (ok !== true) throw new UsageError(`--name: ${ok}.`);
    const settings = await (await loadSettingsModule(type)).fromFlags(flags, ctx.home);
    const store = await ctx.store();
    const created = await store.mutate((state) => {
      if (state.connectors.some((c) => c.name === name))
        throw new UsageError(`A connector named "${name}" already exists; pick another --name or remove it first (elm connector remove ${shellQuote(name)}).`);
      const config: ConnectorConfig = { id: nextId(state), name, type, createdAt: ctx.now().toISOString(), settings };
      state.connectors.push(config);
      return config;
    });
    if (ctx.io.json) return ctx.out.json(connectorView(created));
    ctx.out.success(`Added ${type} connector "${name}".`);
    ctx.out.info(`Check it with: elm connector test ${shellQuote(name)}`);
  };
}
