import { counted } from '../../domain/plural';
import type { Context } from '../../runtime/context';
import { ExitCode } from '../../domain/errors';
import type { CheckResult } from '../../connectors/connector';
import { findConnector } from '../shared/lookup';

/** Runs every check of the connector and prints each; exit 1 when one fails. */
export async function run(ctx: Context, flags: { fix?: boolean }, [name]: string[]): Promise<void> {
  const state = await (await ctx.store()).read();
  const config = findConnector(state, name);
  let checks: CheckResult[];
  if (config.type === 'pvs') {
    const { testPvsConnector } = await import('../../connectors/pvs/pvsChecks.js');
    checks = await testPvsConnector(config, ctx.env);
  } else {
    checks = await (await ctx.connector(config)).test({ fix: Boolean(flags.fix) });
  }
  const ok = checks.every((c) => c.ok !== false);
  if (ctx.io.json) {
    ctx.out.json({ name: config.name, type: config.type, ok, checks });
  } else {
    for (const c of checks) {
      const mark = c.ok === true ? ctx.out.style.green('✓') : c.ok === false ? ctx.out.style.red('✗') : ctx.out.style.yellow('?');
      ctx.out.data(`${mark} ${c.name}: ${c.detail}`);
    }
    const unverified = checks.filter((c) => c.ok === null).length;
    ctx.out.info(
      ok
        ? `Connector "${config.name}" works${unverified ? ` (${counted(unverified, 'check')} could not be verified from here)` : ''}.`
        : `Connector "${config.name}" has failing checks.`,
    );
  }
  if (!ok) process.exitCode = ExitCode.failed;
}
