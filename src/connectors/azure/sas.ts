/**
 * Read-only SAS URLs with a bounded expiry: the deploy link's template URL, and the copy source of
 * a server-side copy inside the storage account. User-delegation SAS (signed with a key Microsoft
 * Entra hands out, revocable with the identity) by default; a service SAS signed with the account
 * key when the connector uses key auth. elm never makes a writable SAS.
 */
import type { BlobClient } from '@azure/storage-blob' with { 'resolution-mode': 'import' };
import type { AzureClients } from './clients';

/**
 * The SAS version signed. Pinned: 2025-11-05 is accepted by Azure and by Azurite 3.35, while the
 * SDK's newer default (2026-04-06) is refused by the emulator and by older Azure Stack Hub builds.
 */
export const SAS_VERSION = '2025-11-05';

/** Allowance for clocks that run behind the service's. */
const CLOCK_SKEW_MS = 5 * 60_000;

export async function readOnlySasUrl(clients: AzureClients, blob: BlobClient, validForMs: number): Promise<{ url: string; expiresOn: Date }> {
  const { BlobSASPermissions, SASProtocol, generateBlobSASQueryParameters } = await import('@azure/storage-blob');
  const startsOn = new Date(Date.now() - CLOCK_SKEW_MS);
  const expiresOn = new Date(Date.now() + validForMs);
  const values = {
    containerName: blob.containerName,
    blobName: blob.name,
    permissions: BlobSASPermissions.parse('r'),
    startsOn,
    expiresOn,
    protocol: blob.url.startsWith('https:') ? SASProtocol.Https : SASProtocol.HttpsAndHttp,
    version: SAS_VERSION,
  };
  const key = await clients.sharedKey();
  let query: string;
  if (key) {
    query = generateBlobSASQueryParameters(values, key).toString();
  } else {
    const service = await clients.blobService();
    const delegation = await service.getUserDelegationKey(startsOn, expiresOn);
    query = generateBlobSASQueryParameters(values, delegation, clients.accountName).toString();
  }
  return { url: `${blob.url}?${query}`, expiresOn };
}
