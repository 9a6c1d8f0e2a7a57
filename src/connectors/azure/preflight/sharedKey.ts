/**
 * A connector on account-key auth (--account-key-env) against a storage account that disallows
 * Shared Key authorization. "Prevent Shared Key authorization for an Azure Storage account"
 * (learn.microsoft.com/azure/storage/common/shared-key-authorization-prevent): with
 * AllowSharedKeyAccess false, requests signed with the account key are denied, and so are service
 * and account SAS (what elm signs with the key for deploy links and server-side copies); a
 * user-delegation SAS (Microsoft Entra) is permitted. Azure answers 403
 * KeyBasedAuthenticationNotPermitted (as reported in hashicorp/terraform-provider-azurerm#11460
 * and Azure/terraform-azurerm-avm-res-storage-storageaccount#184). A missing property means true
 * (Storage RP, StorageAccountCreateParameters.allowSharedKeyAccess: "The default value is null,
 * which is equivalent to true"). The refusal comes before the upload: the data plane would refuse
 * the first request anyway, but with a 403 that does not say why.
 */
import type { AzureSettings } from '../layout';

/** The refusal, one line naming the problem and both fixes; null when the connector can use the account. */
export function sharedKeyRefusal(s: AzureSettings, storageAuth: 'entra' | 'key', allowSharedKeyAccess: boolean | null): string | null {
  if (storageAuth !== 'key' || allowSharedKeyAccess !== false) return null;
  return (
    `Storage account "${s.storageAccount}" disallows Shared Key authorization (allowSharedKeyAccess false): ` +
    `the account key in $${s.accountKeyEnv} (--account-key-env) and the SAS it signs are refused (403 KeyBasedAuthenticationNotPermitted). ` +
    `Use Microsoft Entra auth (elm connector add azure … without --account-key-env; needs Storage Blob Data Contributor and Storage Blob Delegator), ` +
    `or allow storage account key access on ${s.storageAccount}.`
  );
}

/** allowSharedKeyAccess of a storage account resource: null when its properties were not returned. */
export function allowSharedKeyAccessOf(properties: unknown): boolean | null {
  if (!properties || typeof properties !== 'object') return null;
  return (properties as { allowSharedKeyAccess?: unknown }).allowSharedKeyAccess !== false;
}
