import net from 'node:net';
import type { CheckResult } from '../connector';
import type { ConnectorConfig } from '../../domain/state';
import type { PvsServer } from './settings';

/** The PVS SOAP/MAPI port the console and the App Layering agent talk to. */
const PVS_SOAP_PORT = 54321;

function reachable(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
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
  const consoleUp = await reachable(s.console, PVS_SOAP_PORT, timeout);
  checks.push({
    name: `console ${s.console}`,
    ok: consoleUp,
    detail: consoleUp ? `reachable on port ${PVS_SOAP_PORT}` : `not reachable on port ${PVS_SOAP_PORT} (the PVS SOAP service)`,
  });
  if (s.servers.length === 0) checks.push({ name: 'servers', ok: false, detail: 'no PVS server configured; add --server HOST=VERSION,agent,console' });
  for (const server of s.servers) {
    checks.push({
      name: `server ${server.host} agent`,
      ok: server.agent,
      detail: server.agent ? 'App Layering agent registered' : 'the App Layering agent is not installed/registered on this server; install it and register it with the appliance',
    });
    checks.push({
      name: `server ${server.host} console`,
      ok: server.console,
      detail: server.console ? 'PVS Console installed' : 'the PVS Console is not installed on this server; install it (the agent uses its PowerShell snap-in)',
    });
    const up = await reachable(server.host, PVS_SOAP_PORT, timeout);
    checks.push({ name: `server ${server.host} network`, ok: up, detail: up ? `reachable on port ${PVS_SOAP_PORT}` : `not reachable on port ${PVS_SOAP_PORT}` });
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
