/**
 * A ready-made Azure environment on the fakes: a resource group, a storage account (on Azurite)
 * and a virtual network in one region, and a small fixed VHD uploaded as a page blob — what the
 * connector's tests need before `layer create` / `machine deploy`.
 */
import type { ArmFake } from './armFake';
import type { Azurite } from './azurite';
import { makeFixedVhd } from './fixtures';
import { azuriteBlobService } from './sdkClients';

export interface SeededEnvironment {
  resourceGroup: string;
  location: string;
  storageAccountName: string;
  storageAccountId: string;
  virtualNetwork: string;
  subnet: string;
  /** Page blob URL of the uploaded VHD, and its bytes. */
  sourceVhdUri: string;
  vhd: Buffer;
}

export async function seedAzureEnvironment(
  fake: ArmFake,
  azurite: Azurite,
  opts: { resourceGroup?: string; location?: string; storageAccountName?: string; vhdDataBytes?: number; container?: string; blobName?: string } = {},
): Promise<SeededEnvironment> {
  const resourceGroup = opts.resourceGroup ?? 'elm-rg';
  const location = opts.location ?? 'westeurope';
  const storageAccountName = opts.storageAccountName ?? 'elmstore';
  fake.addResourceGroup(resourceGroup, location);
  const storageAccountId = fake.addStorageAccount(storageAccountName, { resourceGroup, location }).id;
  fake.addVirtualNetwork('elm-vnet', { resourceGroup, location, subnets: ['default'] });
  const vhd = makeFixedVhd(opts.vhdDataBytes ?? 1024 * 1024, (d) => d.fill(0x42, 0, 512));
  const sourceVhdUri = await uploadPageBlob(azurite, opts.container ?? 'packaging', opts.blobName ?? 'seed.vhd', vhd);
  return { resourceGroup, location, storageAccountName, storageAccountId, virtualNetwork: 'elm-vnet', subnet: 'default', sourceVhdUri, vhd };
}

/** Uploads bytes (a multiple of 512) as a page blob with the account key; returns its URL. */
export async function uploadPageBlob(azurite: Azurite, containerName: string, blobName: string, data: Buffer): Promise<string> {
  const container = azuriteBlobService(azurite).getContainerClient(containerName);
  await container.createIfNotExists();
  const blob = container.getPageBlobClient(blobName);
  await blob.create(data.length);
  const chunk = 4 * 1024 * 1024;
  for (let offset = 0; offset < data.length; offset += chunk) {
    const part = data.subarray(offset, Math.min(offset + chunk, data.length));
    if (part.some((b) => b !== 0)) await blob.uploadPages(part, offset, part.length);
  }
  return blob.url;
}
