/**
 * The environment a spawned `elm` needs to reach the fakes:
 *
 *   NODE_EXTRA_CA_CERTS            the test CA (the fake and an HTTPS Azurite use its certificate)
 *   AZURE_TENANT_ID                @azure/identity EnvironmentCredential / DefaultAzureCredential:
 *   AZURE_CLIENT_ID                  a client registered on the fake
 *   AZURE_CLIENT_SECRET
 *   AZURE_AUTHORITY_HOST           the fake (identity reads it when no authorityHost is passed;
 *                                  the credential must still set disableInstanceDiscovery: true)
 *   ELM_TEST_AZURE_SUBSCRIPTION_ID for `connector add azure --subscription`
 *   ELM_TEST_AZURE_TENANT_ID       for `--tenant`
 *   ELM_TEST_AZURE_CLIENT_ID       for `--client-id`
 *   ELM_TEST_AZURE_CLIENT_SECRET   the secret again, for `--client-secret-env ELM_TEST_AZURE_CLIENT_SECRET`
 *   ELM_TEST_AZURE_ARM_ENDPOINT    for `--arm-endpoint` (the fake's url)
 *   ELM_TEST_AZURE_AUTHORITY_HOST  for `--authority-host` (the fake's url)
 *   ELM_TEST_AZURE_BLOB_ENDPOINT   for `--blob-endpoint` (Azurite's https://127.0.0.1:PORT/devstoreaccount1)
 *   ELM_TEST_AZURE_STORAGE_KEY     Azurite's account key, for the account-key alternative to Entra
 *
 * Merge it over process.env when spawning: `{ ...process.env, ...azureTestEnv(fake, azurite) }`.
 */
import type { ArmFake } from './armFake';
import type { Azurite } from './azurite';

export const TEST_CLIENT_ID = 'e1e1e1e1-0000-4000-8000-00000000c11e';
export const TEST_CLIENT_SECRET = 'elm-test-secret~not-a-real-one';

export function azureTestEnv(
  fake: ArmFake,
  azurite?: Pick<Azurite, 'blobEndpoint' | 'accountKey'>,
  client: { clientId: string; secret: string } = { clientId: TEST_CLIENT_ID, secret: TEST_CLIENT_SECRET },
): Record<string, string> {
  fake.addClient(client.clientId, client.secret);
  return {
    NODE_EXTRA_CA_CERTS: fake.caCertPath,
    AZURE_TENANT_ID: fake.tenantId,
    AZURE_CLIENT_ID: client.clientId,
    AZURE_CLIENT_SECRET: client.secret,
    AZURE_AUTHORITY_HOST: fake.url,
    ELM_TEST_AZURE_SUBSCRIPTION_ID: fake.subscriptionId,
    ELM_TEST_AZURE_TENANT_ID: fake.tenantId,
    ELM_TEST_AZURE_CLIENT_ID: client.clientId,
    ELM_TEST_AZURE_CLIENT_SECRET: client.secret,
    ELM_TEST_AZURE_ARM_ENDPOINT: fake.url,
    ELM_TEST_AZURE_AUTHORITY_HOST: fake.url,
    ...(azurite
      ? { ELM_TEST_AZURE_BLOB_ENDPOINT: azurite.blobEndpoint, ELM_TEST_AZURE_STORAGE_KEY: azurite.accountKey }
      : {}),
  };
}
