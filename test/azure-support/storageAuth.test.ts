/**
 * The connector's default storage auth against Azurite `--oauth basic` over HTTPS: Microsoft
 * Entra bearer tokens from the fake's identity endpoint, and user-delegation SAS (read-only
 * template links). Azurite checks the token's issuer, audience and lifetime, not its signature.
 */
import {
  AnonymousCredential,
  BlobClient,
  BlobSASPermissions,
  BlobServiceClient,
  BlockBlobClient,
  generateBlobSASQueryParameters,
} from '@azure/storage-blob';
import type { AccessToken, TokenCredential } from '@azure/core-auth';
import { ArmFake, Azurite, AZURITE_SAS_VERSION, azuriteBlobService, fakeCredential, startArmFake, startAzurite, storageTrust } from '../support/azure';

let azurite: Azurite;
let fake: ArmFake;
beforeAll(async () => {
  [azurite, fake] = await Promise.all([startAzurite({ oauth: true }), startArmFake()]);
});
afterAll(async () => {
  await Promise.all([azurite.stop(), fake.stop()]);
});

it('Entra bearer auth works for blob writes and reads', async () => {
  const service = azuriteBlobService(azurite, fakeCredential(fake));
  const container = service.getContainerClient('entra');
  await container.createIfNotExists();
  await container.getBlockBlobClient('hello.txt').upload('hello', 5);
  expect((await container.getBlobClient('hello.txt').downloadToBuffer()).toString()).toBe('hello');
});

it('user-delegation SAS: read-only, bounded expiry, refuses writes', async () => {
  const service = azuriteBlobService(azurite, fakeCredential(fake));
  const container = service.getContainerClient('templates');
  await container.createIfNotExists();
  await container.getBlockBlobClient('vm.json').upload('{"a":1}', 7);

  const startsOn = new Date(Date.now() - 60_000);
  const expiresOn = new Date(Date.now() + 8 * 3600_000);
  const key = await service.getUserDelegationKey(startsOn, expiresOn);
  expect(key.signedTenantId).toBe(fake.tenantId);
  // Azurite 3.35 verifies user-delegation SAS up to version 2025-11-05; @azure/storage-blob 12.32
  // signs with 2026-04-06 by default (one more string-to-sign field), which Azurite rejects. Pin it.
  const sas = generateBlobSASQueryParameters(
    { containerName: 'templates', blobName: 'vm.json', permissions: BlobSASPermissions.parse('r'), startsOn, expiresOn, version: AZURITE_SAS_VERSION },
    key,
    azurite.accountName,
  ).toString();
  expect(sas).toContain('skoid=');
  const url = `${container.getBlobClient('vm.json').url}?${sas}`;

  const readBack = await new BlobClient(url, new AnonymousCredential(), storageTrust()).downloadToBuffer();
  expect(readBack.toString()).toBe('{"a":1}');

  const tamper = new BlockBlobClient(url, new AnonymousCredential(), storageTrust());
  await expect(tamper.upload('tampered', 8)).rejects.toMatchObject({ statusCode: 403 });

  const expired = generateBlobSASQueryParameters(
    { containerName: 'templates', blobName: 'vm.json', permissions: BlobSASPermissions.parse('r'), startsOn, expiresOn: new Date(Date.now() - 1000), version: AZURITE_SAS_VERSION },
    key,
    azurite.accountName,
  ).toString();
  const stale = new BlobClient(`${container.getBlobClient('vm.json').url}?${expired}`, new AnonymousCredential(), storageTrust());
  await expect(stale.downloadToBuffer()).rejects.toMatchObject({ statusCode: 403 });

  // The SDK's default SAS version: fine in Azure, refused by Azurite (documents the pin above).
  const unpinned = generateBlobSASQueryParameters(
    { containerName: 'templates', blobName: 'vm.json', permissions: BlobSASPermissions.parse('r'), startsOn, expiresOn },
    key,
    azurite.accountName,
  ).toString();
  expect(unpinned).toContain('sv=2026-');
  const refused = new BlobClient(`${container.getBlobClient('vm.json').url}?${unpinned}`, new AnonymousCredential(), storageTrust());
  await expect(refused.downloadToBuffer()).rejects.toMatchObject({ statusCode: 403 });
});

it('rejects a token for the wrong audience, and bearer tokens are refused over plain http', async () => {
  const armToken = fake.issueToken(); // audience https://management.azure.com/
  const wrongAudience: TokenCredential = {
    getToken: async (): Promise<AccessToken> => ({ token: armToken, expiresOnTimestamp: Date.now() + 3600_000 }),
  };
  const service = azuriteBlobService(azurite, wrongAudience);
  // Azurite answers 403 AuthenticationFailed "Invalid token audience."
  await expect(service.getContainerClient('entra').createIfNotExists()).rejects.toMatchObject({ statusCode: 403 });

  const plain = await startAzurite();
  try {
    const overHttp = new BlobServiceClient(plain.blobEndpoint, fakeCredential(fake));
    await expect(overHttp.getContainerClient('x').createIfNotExists()).rejects.toThrow(/Bearer token authentication is not permitted for non-TLS protected \(non-https\) URLs/);
  } finally {
    await plain.stop();
  }
});
