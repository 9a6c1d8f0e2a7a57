import type { CheckResult } from '../connector';
import type { TransportOptions } from './http';
import { placementChecks } from './inventory';
import { VsphereSession } from './session';
import type { VsphereSettings } from './settings';

const PLACEMENT = ['datacenter', 'datastore', 'host', 'network', 'folder', 'template'];

/**
 * `connector test` for vSphere: the login, then each configured object by name (case-sensitive),
 * then whether the guest account for the probe is set. Checks that depend on a failed one are
 * listed as not checked rather than left out.
 */
export async function vsphereChecks(settings: VsphereSettings, env: NodeJS.ProcessEnv, opts: TransportOptions = {}): Promise<CheckResult[]> {
  const checks: CheckResult[] = [];
  const skipped = (why: string) => PLACEMENT.filter((n) => n !== 'template' || settings.template).map((name): CheckResult => ({ name, ok: null, detail: `not checked: ${why}` }));
  let session: VsphereSession | null = null;
  try {
    session = await VsphereSession.open(settings, env, opts);
    checks.push({ name: 'login', ok: true, detail: `logged in to ${session.server} as ${settings.user} (password from $${settings.passwordEnv})` });
  } catch (e) {
    checks.push({ name: 'login', ok: false, detail: (e as Error).message });
    checks.push(...skipped('the login failed'));
  }
  if (session) {
    try {
      checks.push(...(await placementChecks(session, settings)));
    } catch (e) {
      checks.push({ name: 'inventory', ok: false, detail: (e as Error).message });
    } finally {
      await session.close();
    }
  }
  const guestSet = Boolean(env[settings.guestUserEnv] && env[settings.guestPasswordEnv]);
  checks.push({
    name: 'guest account',
    ok: guestSet ? true : null,
    detail: guestSet
      ? `$${settings.guestUserEnv} and $${settings.guestPasswordEnv} are set: elm verify runs the probe through VMware Tools (the account itself is checked when it does)`
      : `$${settings.guestUserEnv} / $${settings.guestPasswordEnv} not set: elm verify needs them to run the probe in the machine (or pass --report FILE)`,
  });
  return checks;
}
