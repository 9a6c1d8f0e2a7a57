import net from 'node:net';
import type { CheckResult } from '../connector';
import type { ConnectorConfig } from '../../domain/state';
import type { PvsServer } from './settings';

/** The PVS SOAP/MAPI port the console and the App Layering agent talk to. */
const PVS_SOAP_PORT = 54321;

/** `host` or `host:port` (a console or server behind a non-standard port, or a test listener). */
export function endpoint(spec: string): { host: string; port: number } {
  const m = /^(.+):(\d{1,5})$/.exec(spec);
  if (m && !m[1].includes(':')) return { host: m[1], port: Number(m[2]) };
  return { host: spec.replace(/^\[|\]$/g, ''), port: PVS_SOAP_PORT };
}

function reachable(spec: string, timeoutMs: number): Promise<{ ok: boolean; port: number }> {
  const { host, port } = endpoint(spec);
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve({ ok, port });
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * What `connector test` can say about a PVS connector: what the configuration records about each
 * server (agent, console), what the network shows, and plainly what cannot be checked from here.
 */
export async function testPvsConnector(config: ConnectorConfig, env: NodeJS.ProcessEnv): Promise<CheckResult[]> {
  const s = config.settings as { console: string; passwordEnv: string; licenseMode: string; servers: PvsServer[] };
  const timeout = Number(env.ELM_PVS_CONNECT_TIMEOUT_MS) || 3000;
  const checks: CheckResult[] = [];
  checks.push({
    name: 'password',
    ok: env[s.passwordEnv] ? true : false,
    detail: env[s.passwordEnv] ? `read from $${s.passwordEnv}` : `environment variable ${s.passwordEnv} is not set`,
  });
  const consoleUp = await reachable(s.console, timeout);
  checks.push({
    name: `console ${s.console}`,
    ok: consoleUp.ok,
    detail: consoleUp.ok ? `reachable on port ${consoleUp.port} (the PVS SOAP service)` : `not reachable on port ${consoleUp.port} (the PVS SOAP service): check the host name and the firewall`,
  });
  if (s.servers.length === 0) checks.push({ name: 'servers', ok: false, detail: 'no PVS server configured; add --server HOST=VERSION,agent,console' });
  for (const server of s.servers) {
    // The agent and the console are what the configuration declares (--server HOST=VERSION,agent,console):
    // elm cannot see installed software on the server from here, so a declaration is not verified
    // (`?`), never passed; only a missing declaration is a failure (the configuration says it is not there).
    checks.push({
      name: `server ${server.host} agent`,
      ok: server.agent ? null : false,
      detail: server.agent
        ? 'App Layering agent declared installed and registered (--server …,agent): not verified, elm cannot see it from here'
        : 'no App Layering agent: it must be installed on every PVS server used for publishing and registered with the appliance; then add ",agent" to --server',
    });
    checks.push({
      name: `server ${server.host} console`,
      ok: server.console ? null : false,
      detail: server.console
        ? 'PVS Console declared installed (--server …,console): not verified, elm cannot see it from here'
        : 'no PVS Console: it must be installed on every PVS server where the agent is (the agent uses its PowerShell snap-in); then add ",console" to --server',
    });
    const up = await reachable(server.host, timeout);
    checks.push({ name: `server ${server.host} network`, ok: up.ok, detail: up.ok ? `reachable on port ${up.port}` : `not reachable on port ${up.port}` });
    checks.push({
      name: `server ${server.host} snap-in`,
      ok: null,
      detail: `not verified from here: run Get-PSSnapin -Registered Citrix.PVS.SnapIn on ${server.host}`,
    });
  }
  const versions = [...new Set(s.servers.map((x) => x.version))];
  if (versions.length > 1) checks.push({ name: 'server versions', ok: false, detail: `PVS servers run different versions (${versions.join(', ')}); target devices must match one version` });
  checks.push({
    name: 'license mode',
    ok: true,
    detail: s.licenseMode === 'kms' ? 'KMS: the platform layer must be rearmed before finalize (elm verify checks it)' : s.licenseMode,
  });
  return checks;
}
