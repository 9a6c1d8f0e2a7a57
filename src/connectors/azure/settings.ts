import { UsageError } from '../../domain/errors';
import { envVarName, httpsUrl, optionalString, requiredString } from '../flagValues';
import { CLOUDS, cloudNamed } from './clouds';
import { templateSourceFromFlag } from './operatorTemplate';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Azure connector settings. Secrets stay in the environment: only variable names are stored. */
export async function fromFlags(flags: Record<string, unknown>): Promise<Record<string, unknown>> {
  const subscription = requiredString(flags, 'subscription', '--subscription');
  if (!GUID.test(subscription)) throw new UsageError(`--subscription "${subscription}" is not a subscription id (a GUID such as 00000000-0000-0000-0000-000000000000).`);
  const tenant = requiredString(flags, 'tenant', '--tenant');
  if (!GUID.test(tenant) && !/^[a-z0-9.-]+\.[a-z]{2,}$/i.test(tenant))
    throw new UsageError(`--tenant "${tenant}" is neither a tenant id (GUID) nor a domain such as contoso.onmicrosoft.com.`);
  const storageAccount = requiredString(flags, 'storageAccount', '--storage-account');
  if (!/^[a-z0-9]{3,24}$/.test(storageAccount))
    throw new UsageError(`--storage-account "${storageAccount}" is not a storage account name: 3-24 lowercase letters and digits.`);
  const resourceGroup = requiredString(flags, 'resourceGroup', '--resource-group');
  if (!/^[-\w._()]{1,90}$/.test(resourceGroup) || resourceGroup.endsWith('.'))
    throw new UsageError(`--resource-group "${resourceGroup}" is not a resource group name: 1-90 letters, digits, - _ . ( ), not ending in ".".`);
  const location = requiredString(flags, 'location', '--location').toLowerCase().replace(/\s+/g, '');
  // Region names are lowercase letters and digits (westeurope, eastus2, usgovvirginia).
  if (!/^[a-z][a-z0-9]{2,39}$/.test(location))
    throw new UsageError(`--location "${String(flags.location)}" is not an Azure region name such as westeurope or eastus2 (az account list-locations lists them).`);
  const container = optionalString(flags, 'container') ?? 'elm';
  if (!/^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/.test(container))
    throw new UsageError(`--container "${container}" is not a container name: 3-63 lowercase letters, digits and single hyphens.`);
  const clientId = optionalString(flags, 'clientId');
  if (clientId !== undefined && !GUID.test(clientId)) throw new UsageError(`--client-id "${clientId}" is not an application (client) id: a GUID such as 00000000-0000-0000-0000-000000000000.`);
  const clientSecretEnv = envVarName(flags, 'clientSecretEnv', '--client-secret-env');
  if (clientSecretEnv && !clientId) throw new UsageError('--client-secret-env needs --client-id (the app the secret belongs to).');
  // --cloud sets every endpoint of that cloud; an explicit endpoint flag still wins.
  // Given but blank (`--cloud ''`, an unset variable in a script) is refused, not read as "not given".
  const cloudFlag = typeof flags.cloud === 'string' ? flags.cloud.trim() : undefined;
  const cloud = cloudFlag !== undefined ? cloudNamed(cloudFlag) : null;
  const endpoints = cloud ? CLOUDS[cloud] : null;
  // A template spec version id, or a local template's absolute path (read at each deploy).
  const templateFlag = typeof flags.machineTemplateSpec === 'string' ? flags.machineTemplateSpec : undefined;
  const machineTemplateSpec = templateFlag !== undefined ? await templateSourceFromFlag(templateFlag) : null;
  return {
    subscription,
    tenant,
    storageAccount,
    resourceGroup,
    location,
    container,
    clientId: clientId ?? null,
    clientSecretEnv: clientSecretEnv ?? null,
    accountKeyEnv: envVarName(flags, 'accountKeyEnv', '--account-key-env') ?? null,
    cloud,
    armEndpoint: httpsUrl(flags, 'armEndpoint', '--arm-endpoint') ?? endpoints?.arm ?? null,
    authorityHost: httpsUrl(flags, 'authorityHost', '--authority-host') ?? endpoints?.authority ?? null,
    blobEndpoint: httpsUrl(flags, 'blobEndpoint', '--blob-endpoint')?.replace(/\/+$/, '') ?? (endpoints ? `https://${storageAccount}.${endpoints.blobSuffix}` : null),
    machineTemplateSpec,
  };
}
