/**
 * `elm machine deploy-link` on Azure, as the seed describes it: the packaging-machine template is
 * uploaded beside the packaging disk, and the link opens the portal's Custom deployment on it
 * through a read-only SAS URL with a bounded expiry. The parameters are checked first.
 */
import { UsageError } from '../../domain/errors';
import type { DeployLink, DeployLinkRequest } from '../connector';
import type { AzureClients } from './clients';
import { platformError } from './errors';
import { machineTags, portalOrigin, templateBlobName } from './layout';
import { reachNote } from './machineOptions';
import { machineParams } from './machineParams';
import { findStorageAccount, resourceGroupLocation } from './preflight/checks';
import { readOnlySasUrl } from './sas';
import { packagingMachineTemplate, type TemplateInputs } from './template';

export const DEFAULT_LINK_EXPIRY_MS = 8 * 3600_000;

/** Parameters checked, the storage account's id and the tags: what template and deployment share. */
export async function templateInputs(clients: AzureClients, req: DeployLinkRequest): Promise<TemplateInputs> {
  const params = machineParams(req);
  const account = await findStorageAccount(clients);
  return { params, sourceVhdUri: req.disk.location, storageAccountId: account.id, tags: machineTags(req.layer, req.taskId) };
}

export async function deployLink(clients: AzureClients, req: DeployLinkRequest): Promise<DeployLink> {
  // The link opens elm's own template: not the operator's policies, NSGs and encryption sets.
  if (clients.settings.machineTemplateSpec)
    throw new UsageError(`This connector deploys the operator's machine template (${clients.settings.machineTemplateSpec}), which the portal link cannot carry: use elm machine deploy.`);
  const inputs = await templateInputs(clients, req);
  const text = JSON.stringify(packagingMachineTemplate(inputs), null, 2);
  const container = await clients.container();
  const blob = container.getBlockBlobClient(templateBlobName(req.layer));
  let sas: { url: string; expiresOn: Date };
  try {
    await container.createIfNotExists();
    await blob.upload(text, Buffer.byteLength(text), { blobHTTPHeaders: { blobContentType: 'application/json' } });
    sas = await readOnlySasUrl(clients, blob, req.linkExpiryMs ?? DEFAULT_LINK_EXPIRY_MS);
  } catch (e) {
    throw platformError(`Uploading the deployment template to ${blob.url}`, e);
  }
  const link = `${portalOrigin(clients.settings)}/#create/Microsoft.Template/uri/${encodeURIComponent(sas.url)}`;
  const p = inputs.params;
  const rg = clients.settings.resourceGroup;
  const rgLocation = await resourceGroupLocation(clients);
  return {
    link,
    parameters: {
      machineName: p.vmName,
      size: p.vmSize,
      virtualNetwork: p.virtualNetwork,
      subnet: p.subnet,
      ...(p.virtualNetworkResourceGroup ? { virtualNetworkResourceGroup: p.virtualNetworkResourceGroup } : {}),
      hyperVGeneration: p.options.generation,
      securityType: p.options.securityType,
      licenseType: p.options.licenseType ?? 'none',
      ...(p.options.rdpFrom ? { rdpFrom: p.options.rdpFrom } : {}),
      resourceGroup: rg,
      resourceGroupLocation: rgLocation,
      storageAccount: clients.settings.storageAccount,
      packagingDisk: req.disk.location,
      template: blob.url,
      linkExpiresAt: sas.expiresOn.toISOString(),
      tags: inputs.tags,
    },
    // The portal lets the operator pick any group: the disk import needs the storage account's region.
    note: `In the portal choose resource group ${rg} (${rgLocation}), the storage account's region; a machine deployed into another group of the subscription is found by its tags. ${reachNote(p.options, p.virtualNetwork, p.subnet)}`,
  };
}
