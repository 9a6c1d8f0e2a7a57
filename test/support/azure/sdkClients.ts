/**
 * The real Azure SDK clients, wired to the fakes in process (jest workers cannot use
 * NODE_EXTRA_CA_CERTS): the credential asks the fake's identity endpoint, ARM clients talk to the
 * fake, storage clients to Azurite, all trusting the test CA. `fastRetries` shortens the SDK's
 * exponential back-off (800 ms base) so fault tests stay quick; Retry-After still wins.
 */
import { ClientSecretCredential } from '@azure/identity';
import { ResourceManagementClient } from '@azure/arm-resources';
import { ComputeManagementClient } from '@azure/arm-compute';
import { BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import type { TokenCredential } from '@azure/core-auth';
import type { ArmFake } from './armFake';
import type { Azurite } from './azurite';
import { TEST_CLIENT_ID, TEST_CLIENT_SECRET } from './env';
import { storageTrust, trustTestCa } from './sdkTrust';

const FAST_RETRIES = { retryDelayInMs: 20, maxRetryDelayInMs: 200 };

export function fakeCredential(
  fake: ArmFake,
  client: { clientId: string; secret: string } = { clientId: TEST_CLIENT_ID, secret: TEST_CLIENT_SECRET },
): ClientSecretCredential {
  fake.addClient(client.clientId, client.secret);
  return new ClientSecretCredential(fake.tenantId, client.clientId, client.secret, {
    authorityHost: fake.url,
    disableInstanceDiscovery: true,
    ...trustTestCa(fake.caPem),
  });
}

export function fakeArmClients(
  fake: ArmFake,
  opts: { credential?: TokenCredential; fastRetries?: boolean } = {},
): { credential: TokenCredential; resources: ResourceManagementClient; compute: ComputeManagementClient } {
  const credential = opts.credential ?? fakeCredential(fake);
  const common = { endpoint: fake.url, ...trustTestCa(fake.caPem), ...(opts.fastRetries ? { retryOptions: FAST_RETRIES } : {}) };
  return {
    credential,
    resources: new ResourceManagementClient(credential, fake.subscriptionId, common),
    compute: new ComputeManagementClient(credential, fake.subscriptionId, common),
  };
}

/** A BlobServiceClient on Azurite, with the account key or (oauth Azurite) a token credential. */
export function azuriteBlobService(azurite: Azurite, credential?: TokenCredential): BlobServiceClient {
  return new BlobServiceClient(
    azurite.blobEndpoint,
    credential ?? new StorageSharedKeyCredential(azurite.accountName, azurite.accountKey),
    azurite.https ? storageTrust(azurite.caPem) : {},
  );
}
