/**
 * `elm connector test` for Azure: the connector checks (credential, resource group, storage
 * account, locations, container, read-only links), then what the portal link needs (Blob CORS,
 * storage firewall). A check that could not run because an earlier one failed is listed as not
 * checked (`?`), so the operator sees everything that is still unknown, not a shorter list.
 */
import type { CheckResult } from '../connector';
import type { AzureClients } from './clients';
import { CORS_CHECK, portalLinkChecks } from './portalCors';

const AFTER_CREDENTIAL = ['resource group', 'storage account', 'resource group location = storage account location', 'container'];

export async function testAzureConnector(clients: AzureClients, connectorName: string, opts: { fix?: boolean }): Promise<CheckResult[]> {
  const { connectorChecks } = await import('./preflight/checks.js');
  const checks = await connectorChecks(clients);
  const failed = (name: string) => checks.some((c) => c.name === name && c.ok === false);
  const notChecked = (names: string[], why: string) => {
    for (const name of names) if (!checks.some((c) => c.name === name)) checks.push({ name, ok: null, detail: `not checked: ${why}` });
  };
  const later = [...(clients.storageAuth === 'entra' ? ['read-only links'] : []), CORS_CHECK];
  if (failed('credential')) {
    notChecked([...AFTER_CREDENTIAL, ...later], 'no sign-in (see credential), so Azure could not be asked');
    return checks;
  }
  if (failed('container')) {
    notChecked(later, 'the container could not be reached');
    return checks;
  }
  checks.push(...(await portalLinkChecks(clients, connectorName, Boolean(opts.fix))));
  return checks;
}
