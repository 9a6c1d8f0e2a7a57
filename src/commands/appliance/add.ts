import path from 'node:path';
import type { Context } from '../../runtime/context';
import { UsageError } from '../../domain/errors';
import { nameRule } from '../../domain/rules';
import type { Appliance } from '../../domain/state';
import { shellQuote } from '../../domain/shellQuote';
import { envVarName, requiredString } from '../../connectors/flagValues';
import { applianceEndpoint } from '../../appliance/address';
import { readCaFile } from '../../appliance/connect';
import { nextId } from '../shared/lookup';
import { applianceView } from './view';

const applianceNameRule = nameRule('Appliance name');
export const DEFAULT_PASSWORD_ENV = 'ELM_APPLIANCE_PASSWORD';

/** Records where an appliance is and as whom elm logs in; the password stays in its variable. */
export async function run(ctx: Context, flags: Record<string, unknown>): Promise<void> {
  const name = String(flags.name ?? '');
  const ok = applianceNameRule(name);
  if (ok !== true) throw new UsageError(`--name: ${ok}.`);
  const url = applianceEndpoint(requiredString(flags, 'server', '--server'));
  const user = requiredString(flags, 'user', '--user');
  const passwordEnv = envVarName(flags, 'passwordEnv', '--password-env') ?? DEFAULT_PASSWORD_ENV;
  const caArg = typeof flags.caFile === 'string' ? flags.caFile : undefined;
  const caFile = caArg ? path.resolve(caArg) : null;
  if (caFile) readCaFile(caFile);
  const store = await ctx.store();
  const added = await store.mutate((state) => {
    const all = (state.appliances ??= []);
    if (all.some((a) => a.name === name))
      throw new UsageError(`An appliance named "${name}" already exists; pick another --name or remove it first (elm appliance remove ${shellQuote(name)}).`);
    const appliance: Appliance = { id: nextId(state), name, url: url.href, user, passwordEnv, caFile, createdAt: ctx.now().toISOString() };
    all.push(appliance);
    return appliance;
  });
  if (ctx.io.json) return ctx.out.json(applianceView(added));
  ctx.out.success(`Added appliance "${name}" (${url.host}, user ${user}; the password is read from $${passwordEnv}).`);
  ctx.out.info(`Check it with: elm appliance test ${shellQuote(name)}`);
}
