import type { CheckResult } from '../connector';
import { createTransport, type TransportOptions } from './http';
import { PLACEMENT_CHECKS, placementChecks } from './placementChecks';
import { judgeServer, readServerAbout, type ServerAbout } from './serverVersion';
import { VsphereSession } from './session';
import type { VsphereSettings } from './settings';

/**
 * `connector test` for vSphere, every check on its own line: login, server version, then each
 * configured object by name (case-sensitive), then whether the guest account for the probe is
 * set. Checks after one that failed in a way they depend on are listed as not checked (`?`).
 */
export async function vsphereChecks(settings: VsphereSettings, env: NodeJS.ProcessEnv, opts: TransportOptions = {}): Promise<CheckResult[]> {
  const checks: CheckResult[] = [];
  const notChecked = (why: string) => PLACEMENT_CHECKS.map((name): CheckResult => ({ name, ok: null, detail: `not checked: ${why}` }));
  // The version needs no login: read first, so a failed login on an ESXi host or an old vCenter is explained.
  const probe = createTransport(settings.server, opts);
  const about: ServerAbout | Error = await readServerAbout(probe).catch((e: Error) => e);
  probe.agent.destroy();
  const server = about instanceof Error ? null : judgeServer(about);

  let session: VsphereSession | null = null;
  try {
    session = await VsphereSession.open(settings, env, opts);
    checks.push({ name: 'login', ok: true, detail: `logged in to ${session.server} as ${settings.user} (password from $${settings.passwordEnv})` });
  } catch (e) {
    checks.push({ name: 'login', ok: false, detail: (e as Error).message });
    checks.push(server && !server.ok ? { name: 'version', ...server } : { name: 'version', ok: null, detail: 'not checked: the login failed' });
    checks.push(...notChecked('the login failed'));
  }
  if (session) {
    try {
      if (!server) checks.push({ name: 'version', ok: null, detail: `not verified: ${(about as Error).message}` });
      else checks.push({ name: 'version', ...server });
      if (server && !server.ok) checks.push(...notChecked('the server is not vCenter 7.0 Update 2 or later'));
      else checks.push(...(await placementChecks(session, settings)));
    } finally {
      await session.close();
    }
  }
  // Not checkable before a VM runs there: the transfer URL names the host running it.
  checks.push({
    name: 'guest file transfers',
    ok: null,
    detail: `not checked: verify's probe and layer build's steps copy files from this machine straight to the ESXi host ${settings.host} on port 443 (vCenter does not relay them); it must be reachable from here and its certificate trusted (NODE_EXTRA_CA_CERTS)`,
  });
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
