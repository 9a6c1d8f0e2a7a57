/**
 * The Microsoft Entra credential: a service principal whose secret is read, at run time, from the
 * environment variable the connector names; otherwise DefaultAzureCredential (environment,
 * workload identity, managed identity, Azure CLI / PowerShell / azd login). Nothing is stored.
 */
import type { TokenCredential } from '@azure/core-auth' with { 'resolution-mode': 'import' };
import { UsageError } from '../../domain/errors';
import type { AzureSettings } from './layout';

export async function azureCredential(s: AzureSettings, env: NodeJS.ProcessEnv): Promise<TokenCredential> {
  const { explainedCredential } = await import('./signInErrors.js');
  const host = s.authorityHost ?? env.AZURE_AUTHORITY_HOST;
  return explainedCredential(await chosenCredential(s, env), host || 'https://login.microsoftonline.com');
}

async function chosenCredential(s: AzureSettings, env: NodeJS.ProcessEnv): Promise<TokenCredential> {
  const identity = await import('@azure/identity');
  // A custom authority (sovereign cloud, Azure Stack, a test double) cannot be validated against
  // login.microsoftonline.com's instance discovery.
  // AZURE_AUTHORITY_HOST is honoured the same way when the connector names no authority.
  const host = s.authorityHost ?? env.AZURE_AUTHORITY_HOST;
  const custom = host !== undefined && host !== '' && !/^https:\/\/login\.microsoftonline\.com\/?$/i.test(host);
  const authority = custom ? { authorityHost: host, disableInstanceDiscovery: true } : {};
  if (s.clientId && s.clientSecretEnv) {
    const secret = env[s.clientSecretEnv];
    if (!secret)
      throw new UsageError(
        `The environment variable ${s.clientSecretEnv} (--client-secret-env) is not set: export the client secret of app ${s.clientId} in it; elm never stores it.`,
      );
    return new identity.ClientSecretCredential(s.tenant, s.clientId, secret, authority);
  }
  return new identity.DefaultAzureCredential({
    tenantId: s.tenant,
    ...authority,
    // A --client-id without a secret names a user-assigned managed identity.
    ...(s.clientId ? { managedIdentityClientId: s.clientId, workloadIdentityClientId: s.clientId } : {}),
  });
}

/** The token audience of the ARM endpoint (public cloud unless --arm-endpoint says otherwise). */
export function armScope(s: AzureSettings): string {
  return `${(s.armEndpoint ?? 'https://management.azure.com').replace(/\/+$/, '')}/.default`;
}
