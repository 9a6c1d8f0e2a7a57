/**
 * `elm connector test` for Azure, and the preflight that layer create, machine deploy-link and
 * machine deploy run before anything is created. The seed's IMPORTANT note — the resource group
 * location must match the storage account location, or the packaging machine fails to deploy —
 * is checked here, before the operator meets the failed deployment.
 */
import { ElmError, UsageError } from '../../../domain/errors';
import type { CheckResult, DeployLinkRequest } from '../../connector';
import type { AzureClients } from '../clients';
import { armScope } from '../credential';
import { describeError, isNotFound, platformError } from '../errors';
import { machineTags, resourceId, STORAGE_API_VERSION, STORAGE_TYPE, type AzureSettings } from '../layout';
import { ownerOf } from '../ownership';
import type { MachineClaim } from './machineChecks';
import { machineParams } from '../machineParams';
import { allowSharedKeyAccessOf, sharedKeyRefusal } from './sharedKey';

export interface StorageAccountInfo {
  id: string;
  location: string;
  kind: string;
  sku: string;
  /** null: not known (the account was found by listing, which returns no properties). */
  allowSharedKeyAccess: boolean | null;
}

const norm = (loc: string | undefined) => (loc ?? '').toLowerCase().replace(/\s+/g, '');

/** Per process: commands that check twice (deploy runs deploy-link's checks) ask ARM once. */
const accountCache = new Map<string, Promise<StorageAccountInfo>>();

/** The storage account by name: first in the connector's resource group, else anywhere in the subscription. */
export function findStorageAccount(clients: AzureClients): Promise<StorageAccountInfo> {
  const s = clients.settings;
  const key = `${s.armEndpoint}|${s.subscription}|${s.resourceGroup}|${s.storageAccount}`;
  let p = accountCache.get(key);
  if (!p) {
    p = lookupStorageAccount(clients);
    accountCache.set(key, p);
    p.catch(() => accountCache.delete(key));
  }
  return p;
}

async function lookupStorageAccount(clients: AzureClients): Promise<StorageAccountInfo> {
  const s = clients.settings;
  const resources = await clients.resources();
  const info = (r: { id?: string; location?: string; kind?: string; sku?: { name?: string }; properties?: unknown }): StorageAccountInfo => ({
    id: r.id ?? '',
    location: norm(r.location),
    kind: r.kind ?? 'unknown kind',
    sku: r.sku?.name ?? 'unknown SKU',
    allowSharedKeyAccess: allowSharedKeyAccessOf(r.properties),
  });
  try {
    return info(await resources.resources.getById(resourceId(s, STORAGE_TYPE, s.storageAccount), STORAGE_API_VERSION));
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
  for await (const r of resources.resources.list({ filter: `resourceType eq '${STORAGE_TYPE}'` })) {
    if (r.name?.toLowerCase() === s.storageAccount.toLowerCase()) return info(r);
  }
  throw new UsageError(`Storage account "${s.storageAccount}" does not exist in subscription ${s.subscription} (or this identity cannot see it).`);
}

const groupCache = new Map<string, Promise<string>>();

export function resourceGroupLocation(clients: AzureClients): Promise<string> {
  const s = clients.settings;
  const key = `${s.armEndpoint}|${s.subscription}|${s.resourceGroup}`;
  let p = groupCache.get(key);
  if (!p) {
    p = (async () => norm((await (await clients.resources()).resourceGroups.get(s.resourceGroup)).location))();
    groupCache.set(key, p);
    p.catch(() => groupCache.delete(key));
  }
  return p;
}

export function locationMismatch(s: AzureSettings, rgLocation: string, accountLocation: string): string | null {
  if (rgLocation === accountLocation) return null;
  return (
    `Resource group "${s.resourceGroup}" is in ${rgLocation} but storage account "${s.storageAccount}" is in ${accountLocation}: ` +
    `the resource group location must match the storage account location, or the packaging machine fails to deploy ` +
    `(its disk is imported from the storage account). Use a resource group in ${accountLocation} or a storage account in ${rgLocation} ` +
    `(elm connector add azure --resource-group … --storage-account …).`
  );
}

/** Throws UsageError (exit 2) for a location mismatch or bad machine parameters; nothing is created. */
export async function preflight(clients: AzureClients, machine?: DeployLinkRequest): Promise<void> {
  const params = machine ? machineParams(machine) : null; // no network needed: first
  const s = clients.settings;
  let rgLocation: string;
  let account: StorageAccountInfo;
  try {
    [rgLocation, account] = await Promise.all([resourceGroupLocation(clients), findStorageAccount(clients)]);
  } catch (e) {
    if (e instanceof ElmError) throw e;
    if (isNotFound(e)) throw new UsageError(`Resource group "${s.resourceGroup}": ${describeError(e)}`);
    throw platformError(`Checking the Azure connector's resource group and storage account`, e);
  }
  const mismatch = locationMismatch(s, rgLocation, account.location);
  if (mismatch) throw new UsageError(mismatch);
  const keyRefused = sharedKeyRefusal(s, clients.storageAuth, account.allowSharedKeyAccess);
  if (keyRefused) throw new UsageError(keyRefused);
  if (params && s.machineTemplateSpec) {
    // The operator's template is read and checked before any task or resource exists.
    const { checkOperatorDeployment } = await import('../operatorTemplate.js');
    await checkOperatorDeployment(clients, s.machineTemplateSpec, params);
  }
  if (params && machine) {
    const { machinePreflight } = await import('./machineChecks.js');
    const claim = nameClaim(machine);
    // deploy checks what deploy-link checks, twice in one process: ARM is asked once.
    const key = `${s.armEndpoint}|${s.subscription}|${s.resourceGroup}|${JSON.stringify(params)}|${JSON.stringify(claim)}`;
    let checked = machineCache.get(key);
    if (!checked) {
      checked = machinePreflight(clients, params, rgLocation, claim);
      machineCache.set(key, checked);
      checked.catch(() => machineCache.delete(key));
    }
    try {
      await checked;
    } catch (e) {
      if (e instanceof ElmError) throw e;
      throw platformError(`Checking the packaging machine's network, size and quota`, e);
    }
  }
}

const machineCache = new Map<string, Promise<void>>();

/**
 * Whose resources the machine's names may hold: this version's (recorded: its layer id and
 * create task), or nobody's (layer build, before the version exists: its id is not known yet).
 * No check of a default name before the version exists: the name derives from the id.
 */
function nameClaim(machine: DeployLinkRequest): MachineClaim {
  if (machine.layer.id) return { check: true, owner: ownerOf(machine.layer, machineTags(machine.layer, machine.taskId)) };
  return { check: Boolean(machine.machineName?.trim()), owner: null };
}

/** Every check of `elm connector test`, each reported on its own; later ones say when they could not run. */
export async function connectorChecks(clients: AzureClients): Promise<CheckResult[]> {
  const s = clients.settings;
  const checks: CheckResult[] = [];
  try {
    const credential = await clients.credential();
    await credential.getToken(armScope(s));
    checks.push({ name: 'credential', ok: true, detail: s.clientId && s.clientSecretEnv ? `service principal ${s.clientId} (secret from $${s.clientSecretEnv})` : 'DefaultAzureCredential' });
  } catch (e) {
    checks.push({ name: 'credential', ok: false, detail: describeError(e) });
    return checks; // nothing else can be asked without a token
  }

  let rgLocation: string | null = null;
  try {
    rgLocation = await resourceGroupLocation(clients);
    checks.push({ name: 'resource group', ok: true, detail: `${s.resourceGroup} in ${rgLocation}` });
  } catch (e) {
    checks.push({ name: 'resource group', ok: false, detail: `${s.resourceGroup}: ${describeError(e)}` });
  }

  let account: StorageAccountInfo | null = null;
  try {
    account = await findStorageAccount(clients);
    checks.push({ name: 'storage account', ok: true, detail: `${s.storageAccount} (${account.kind}, ${account.sku}) in ${account.location}` });
  } catch (e) {
    checks.push({ name: 'storage account', ok: false, detail: `${s.storageAccount}: ${describeError(e)}` });
  }

  if (rgLocation && account) {
    const mismatch = locationMismatch(s, rgLocation, account.location);
    checks.push({
      name: 'resource group location = storage account location',
      ok: mismatch === null,
      detail: mismatch ?? `both in ${rgLocation}: the packaging machine's disk can be imported`,
    });
    if (norm(s.location) !== account.location)
      checks.push({ name: 'configured location', ok: false, detail: `--location ${s.location}, but storage account ${s.storageAccount} is in ${account.location}` });
  } else {
    checks.push({ name: 'resource group location = storage account location', ok: null, detail: 'not checked: the resource group or the storage account could not be read' });
  }
  if (clients.storageAuth === 'key') checks.push(sharedKeyCheck(clients, account));

  try {
    const container = await clients.container();
    const created = await container.createIfNotExists();
    checks.push({
      name: 'container',
      ok: true,
      detail: `${container.url} ${created.succeeded ? 'created' : 'exists'} (${clients.storageAuth === 'key' ? `account key from $${s.accountKeyEnv}` : 'Microsoft Entra auth'})`,
    });
  } catch (e) {
    checks.push({ name: 'container', ok: false, detail: `${s.container}: ${describeError(e)}` });
    return checks;
  }

  if (clients.storageAuth === 'entra') {
    try {
      const service = await clients.blobService();
      await service.getUserDelegationKey(new Date(Date.now() - 60_000), new Date(Date.now() + 3600_000));
      checks.push({ name: 'read-only links', ok: true, detail: 'user-delegation SAS available for deploy links' });
    } catch (e) {
      checks.push({
        name: 'read-only links',
        ok: false,
        detail: `cannot get a user delegation key (needs the Storage Blob Delegator role, or use --account-key-env): ${describeError(e)}`,
      });
    }
  }
  return checks;
}

/** Account-key auth needs an account that allows Shared Key authorization (see sharedKey.ts). */
function sharedKeyCheck(clients: AzureClients, account: StorageAccountInfo | null): CheckResult {
  const name = 'shared key access';
  if (!account || account.allowSharedKeyAccess === null)
    return { name, ok: null, detail: 'not checked: the storage account properties could not be read' };
  const refused = sharedKeyRefusal(clients.settings, clients.storageAuth, account.allowSharedKeyAccess);
  return { name, ok: refused === null, detail: refused ?? `${clients.settings.storageAccount} allows Shared Key authorization: the account key works` };
}
