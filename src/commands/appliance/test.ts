import type { Context } from '../../runtime/context';
import { ExitCode } from '../../domain/errors';
import { findAppliance, openSession } from '../../appliance/connect';
import { queryConnectorConfigs, queryFileShares, queryOsLayers, queryVersion, type NamedItem } from '../../appliance/operations';
import type { ApplianceSession } from '../../appliance/session';

interface Check {
  name: string;
  /** true ✓, false ✗, null ? (could not be told from here) */
  ok: boolean | null;
  detail: string;
}

/**
 * Logs in, reads the version and lists what the layer flow needs from the appliance. A login that
 * fails (password, certificate, network) fails the command in one line; each list that is empty
 * or refused is a ✗.
 */
export async function run(ctx: Context, _opts: unknown, [name]: string[]): Promise<void> {
  const appliance = findAppliance(await (await ctx.store()).read(), name);
  const session = openSession(appliance, ctx.env, ctx.signal);
  await session.login();
  const checks: Check[] = [{ name: 'login', ok: true, detail: `${appliance.user} at ${new URL(appliance.url).host}` }];
  checks.push(await versionCheck(session));
  checks.push(await listCheck('file shares', () => queryFileShares(session), 'add one in the management console (System > Settings and Configuration > Network File Shares)'));
  checks.push(await listCheck('platform connector configurations', () => queryConnectorConfigs(session), 'add one in the management console (Connectors)'));
  checks.push(await listCheck('OS layers', () => queryOsLayers(session), 'import one in the management console (Layers > OS Layers)'));
  const ok = checks.every((c) => c.ok !== false);
  if (ctx.io.json) ctx.out.json({ name: appliance.name, ok, checks });
  else {
    for (const c of checks) {
      const mark = c.ok === true ? ctx.out.style.green('✓') : c.ok === false ? ctx.out.style.red('✗') : ctx.out.style.yellow('?');
      ctx.out.data(`${mark} ${c.name}: ${c.detail}`);
    }
    ctx.out.info(ok ? `Appliance "${appliance.name}" is ready for the layer flow.` : `Appliance "${appliance.name}" lacks what the layer flow needs (✗ above).`);
  }
  if (!ok) process.exitCode = ExitCode.failed;
}

async function versionCheck(session: ApplianceSession): Promise<Check> {
  try {
    const version = await queryVersion(session);
    return version ? { name: 'version', ok: true, detail: version } : { name: 'version', ok: null, detail: 'the appliance did not say its version' };
  } catch (e) {
    return { name: 'version', ok: null, detail: (e as Error).message };
  }
}

async function listCheck(name: string, list: () => Promise<NamedItem[]>, fix: string): Promise<Check> {
  try {
    const items = await list();
    if (!items.length) return { name, ok: false, detail: `none; ${fix}` };
    const shown = items.slice(0, 5).map((i) => i.name).join(', ');
    return { name, ok: true, detail: `${items.length} (${shown}${items.length > 5 ? ', …' : ''})` };
  } catch (e) {
    return { name, ok: false, detail: (e as Error).message };
  }
}
