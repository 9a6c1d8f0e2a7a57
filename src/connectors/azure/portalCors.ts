/**
 * The portal link needs the storage account to answer the portal's browser: Custom deployment
 * fetches the template from the operator's browser, so the Blob service needs a CORS rule for
 * the portal origin of the connector's cloud (GET, HEAD, OPTIONS), or the portal says "There was
 * an error downloading the template from URI". `connector test` reports whether the rule exists;
 * `connector test --fix` adds it to the rules already there (a Set Blob Service Properties with
 * Cors replaces the whole list, so the existing rules are sent back with it). Premium accounts
 * (FileStorage, BlockBlobStorage, premium page blobs) have no CORS (Cross-Origin Resource Sharing
 * (CORS) support for Azure Storage), and a storage firewall keeps the browser out: both are
 * reported with `elm machine deploy` as the way.
 */
import type { CorsRule } from '@azure/storage-blob' with { 'resolution-mode': 'import' };
import type { CheckResult } from '../connector';
import type { AzureClients } from './clients';
import { describeError } from './errors';
import { portalOrigin, STORAGE_API_VERSION } from './layout';
import { findStorageAccount } from './preflight/checks';

export const CORS_CHECK = 'portal link (Blob CORS)';
export const FIREWALL_CHECK = 'portal link (storage firewall)';
export const PORTAL_METHODS = ['GET', 'HEAD', 'OPTIONS'];
/** Azure keeps at most five CORS rules per service. */
const MAX_RULES = 5;

const list = (csv: string | undefined) => (csv ?? '').split(',').map((x) => x.trim().toLowerCase()).filter(Boolean);

/** A rule that lets the portal's browser GET, HEAD and preflight the template. */
export function allowsPortal(rule: CorsRule, origin: string): boolean {
  const origins = list(rule.allowedOrigins);
  const methods = list(rule.allowedMethods);
  return (origins.includes('*') || origins.includes(origin.toLowerCase())) && PORTAL_METHODS.every((m) => methods.includes(m.toLowerCase()));
}

export function portalRule(origin: string): CorsRule {
  return { allowedOrigins: origin, allowedMethods: PORTAL_METHODS.join(','), allowedHeaders: '*', exposedHeaders: '*', maxAgeInSeconds: 3600 };
}

function isPremium(kind: string, sku: string): boolean {
  return /^(FileStorage|BlockBlobStorage)$/i.test(kind) || /^Premium/i.test(sku);
}

const useDeploy = 'use elm machine deploy (elm deploys the template through ARM, no browser download)';

export async function portalLinkChecks(clients: AzureClients, connectorName: string, fix: boolean): Promise<CheckResult[]> {
  const origin = portalOrigin(clients.settings);
  const checks: CheckResult[] = [];
  try {
    const account = await findStorageAccount(clients);
    if (isPremium(account.kind, account.sku))
      return [{ name: CORS_CHECK, ok: null, detail: `not possible: ${clients.settings.storageAccount} is a premium account (${account.kind}, ${account.sku}), which has no CORS, so the portal cannot download the template; ${useDeploy}` }];
    const resources = await clients.resources();
    const full = await resources.resources.getById(account.id, STORAGE_API_VERSION);
    const acls = (full.properties as { networkAcls?: { defaultAction?: string }; publicNetworkAccess?: string } | undefined) ?? {};
    if (acls.publicNetworkAccess === 'Disabled' || acls.networkAcls?.defaultAction === 'Deny')
      checks.push({
        name: FIREWALL_CHECK,
        ok: null,
        detail: `${clients.settings.storageAccount} admits only selected networks (storage firewall): the portal link works only from a browser on an allowed network or address; otherwise ${useDeploy}`,
      });
  } catch (e) {
    checks.push({ name: FIREWALL_CHECK, ok: null, detail: `not checked: the storage account could not be read (${describeError(e)})` });
  }

  const service = await clients.blobService();
  let rules: CorsRule[];
  try {
    rules = (await service.getProperties()).cors ?? [];
  } catch (e) {
    checks.push({ name: CORS_CHECK, ok: false, detail: `cannot read the Blob service CORS rules (needs the Storage Account Contributor role, or use --account-key-env): ${describeError(e)}` });
    return checks;
  }
  if (rules.some((r) => allowsPortal(r, origin))) {
    checks.push({ name: CORS_CHECK, ok: true, detail: `a Blob service CORS rule admits ${origin} (${PORTAL_METHODS.join(', ')}): the portal can download the template` });
    return checks;
  }
  if (!fix) {
    checks.push({
      name: CORS_CHECK,
      ok: false,
      detail: `no Blob service CORS rule admits ${origin} (${PORTAL_METHODS.join(', ')}): the portal link fails with "There was an error downloading the template from URI". Add it with elm connector test ${connectorName} --fix (${rules.length === 1 ? 'the existing rule is' : `the existing ${rules.length} rules are`} kept), or ${useDeploy}`,
    });
    return checks;
  }
  if (rules.length >= MAX_RULES) {
    checks.push({ name: CORS_CHECK, ok: false, detail: `no rule admits ${origin}, and the Blob service already has ${rules.length} CORS rules (Azure allows ${MAX_RULES}): add ${origin} (GET, HEAD, OPTIONS) to one of them, or ${useDeploy}` });
    return checks;
  }
  try {
    await service.setProperties({ cors: [...rules, portalRule(origin)] });
  } catch (e) {
    checks.push({ name: CORS_CHECK, ok: false, detail: `cannot add the CORS rule for ${origin} (needs the Storage Account Contributor role): ${describeError(e)}` });
    return checks;
  }
  checks.push({ name: CORS_CHECK, ok: true, detail: `added a Blob service CORS rule for ${origin} (${PORTAL_METHODS.join(', ')}) beside ${rules.length === 1 ? 'the existing rule' : `the ${rules.length} existing rules`}` });
  return checks;
}
