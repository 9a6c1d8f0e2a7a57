/**
 * Microsoft.Compute/disks: managed disks imported from a VHD page blob, their bytes in Azurite.
 *   GET|DELETE /…/disks/{disk}                 (DELETE: long-running; refused while attached or exported)
 *   POST /…/disks/{disk}/beginGetAccess        (long-running; `{ accessSAS }`, a read-only SAS URL)
 *   POST /…/disks/{disk}/endGetAccess          (long-running; the SAS stops working)
 * An imported disk (creationData.createOption Import) needs sourceUri and storageAccountId, the
 * storage account in the disk's region, and a fixed VHD (footer cookie `conectix`, N MiB + 512).
 * Not modeled (no document or maintainer's statement found for what the disk RP answers): an
 * import from an account with allowSharedKeyAccess false or a storage firewall (networkAcls
 * defaultAction Deny, publicNetworkAccess Disabled), and a VHD whose footer checksum is wrong.
 * Microsoft.Compute is not among the trusted services of "Configure Azure Storage firewalls and
 * virtual networks" (learn.microsoft.com/azure/storage/common/storage-network-security), which
 * says nothing of disk import either way.
 * Access is refused while the disk is attached to a VM that is not deallocated, as in Azure.
 * A redeployment replaces tags, sku, osType and the network access settings, and refuses another
 * creationData, generation or security type (409 PropertyChangeNotAllowed; see updateDisk).
 */
import { randomUUID } from 'node:crypto';
import { accountNameOfEndpoint } from '../blobs';
import type { FakeCloud } from '../cloud';
import { ArmError, armErrors } from '../errors';
import { jsonBody, Router } from '../http';
import type { FakeResource } from '../inventory';
import { dig, requireLocation, requireResource, requireResourceGroup, resourceBody, regionalOperation } from './common';
import type { ProvisionInput, Provisioner } from './provisioners';
import { STORAGE_TYPE } from './storage';
import { diskCreationProblem } from './vmGeneration';

export const DISK_TYPE = 'Microsoft.Compute/disks';
const GiB = 1024 ** 3;
const RG = '/subscriptions/{sub}/resourceGroups/{rg}/providers';

export function diskRoutes(cloud: FakeCloud, router: Router): void {
  router.add('GET', `${RG}/Microsoft.Compute/disks/{disk}`, (req) => ({
    status: 200,
    body: diskBody(cloud, requireResource(cloud, req.params.rg, DISK_TYPE, req.params.disk)),
  }));
  router.add('GET', `${RG}/Microsoft.Compute/disks`, (req) => {
    requireResourceGroup(cloud, req.params.rg);
    return { status: 200, body: { value: cloud.inventory.list({ resourceGroup: req.params.rg, type: DISK_TYPE }).map((d) => diskBody(cloud, d)) } };
  });

  router.add('DELETE', `${RG}/Microsoft.Compute/disks/{disk}`, (req) => {
    requireResourceGroup(cloud, req.params.rg);
    const disk = cloud.inventory.find(req.params.rg, DISK_TYPE, req.params.disk);
    if (!disk) return { status: 204 };
    checkDeletable(disk);
    return regionalOperation(cloud, req, 'Microsoft.Compute', disk, {
      work: async () => {
        const current = cloud.inventory.get(disk.id);
        if (current) {
          checkDeletable(current);
          await removeDisk(cloud, current);
          cloud.inventory.remove(current.id);
        }
        return undefined;
      },
    });
  });

  router.add('POST', `${RG}/Microsoft.Compute/disks/{disk}/beginGetAccess`, (req) => {
    const disk = requireResource(cloud, req.params.rg, DISK_TYPE, req.params.disk);
    const body = jsonBody(req);
    const access = String(body.access ?? '');
    const duration = Number(body.durationInSeconds);
    if (!['read', 'write'].includes(access.toLowerCase())) {
      throw armErrors.invalidParameter(`The value '${access}' of parameter 'grantAccessData.access' is invalid.`, 'grantAccessData.access');
    }
    if (access.toLowerCase() === 'write') {
      throw new ArmError(409, 'OperationNotAllowed', `Write access can only be granted to a disk created for upload; disk '${disk.name}' was not.`);
    }
    if (!Number.isInteger(duration) || duration <= 0) {
      throw armErrors.invalidParameter(`Required parameter 'grantAccessData.durationInSeconds' is missing or invalid.`, 'grantAccessData.durationInSeconds');
    }
    checkAccessAllowed(cloud, disk);
    return regionalOperation(cloud, req, 'Microsoft.Compute', disk, {
      outputInStatus: true,
      work: async () => {
        const current = cloud.inventory.get(disk.id);
        if (!current?.disk) throw armErrors.resourceNotFound(DISK_TYPE, disk.name, disk.resourceGroup);
        checkAccessAllowed(cloud, current);
        const url = await cloud.requireDiskBlobs().grantRead(current.disk.blobName, sasIdentifier(current), new Date(Date.now() + duration * 1000));
        current.disk.activeSas = true;
        return { accessSAS: url };
      },
    });
  });

  router.add('POST', `${RG}/Microsoft.Compute/disks/{disk}/endGetAccess`, (req) => {
    const disk = requireResource(cloud, req.params.rg, DISK_TYPE, req.params.disk);
    return regionalOperation(cloud, req, 'Microsoft.Compute', disk, {
      work: async () => {
        const current = cloud.inventory.get(disk.id);
        if (current?.disk?.activeSas) {
          await cloud.requireDiskBlobs().revoke(sasIdentifier(current));
          current.disk.activeSas = false;
        }
        return undefined;
      },
    });
  });
}

/**
 * A PUT on an existing disk whose creationData differs (another source blob or account, another
 * create option) is refused, not applied: creationData is set at creation only. Azure answers
 * 409 PropertyChangeNotAllowed "Changing property 'creationData' is not allowed." with target
 * creationData (as reported in ansible/ansible#38883 and Azure/azure-cli#14286; the 409 status of
 * PropertyChangeNotAllowed in Azure/azure-cli#15765), so a deployment over another machine's disk fails.
 */
function refuseCreationDataChange(existing: FakeResource, properties: Record<string, unknown>): void {
  const text = (v: unknown) => (typeof v === 'string' ? v : '');
  const same = (k: string, fold: boolean) => {
    const a = text(dig(existing.properties, 'creationData', k));
    const b = text(dig(properties, 'creationData', k));
    return fold ? a.toLowerCase() === b.toLowerCase() : a === b;
  };
  if (!(same('createOption', true) && same('storageAccountId', true) && same('sourceUri', false))) {
    const message = "Changing property 'creationData' is not allowed.";
    throw new ArmError(409, 'PropertyChangeNotAllowed', message, [{ code: 'PropertyChangeNotAllowed', message, target: 'creationData' }]);
  }
}

/**
 * A PUT on an existing disk replaces what the PUT may set (Disks - Create Or Update): tags, sku,
 * osType, networkAccessPolicy, publicNetworkAccess; what Azure computed stays. Refused:
 * - another creationData (refuseCreationDataChange);
 * - another sku while the disk is attached to a VM that is not deallocated: "you can only change
 *   the disk type of an unattached disk or of a disk whose VM is deallocated"
 *   (learn.microsoft.com/azure/virtual-machines/disks-convert-types), 409 OperationNotAllowed;
 * - another hyperVGeneration or securityProfile.securityType: neither is in DiskUpdateProperties
 *   (DiskRP spec, disk.json), so neither changes after creation; the fake answers as Azure does
 *   for creationData (409 PropertyChangeNotAllowed).
 */
function updateDisk(cloud: FakeCloud, existing: FakeResource, input: ProvisionInput): FakeResource {
  refuseCreationDataChange(existing, input.properties);
  const text = (v: unknown) => (typeof v === 'string' ? v.toLowerCase() : '');
  for (const path of [['hyperVGeneration'], ['securityProfile', 'securityType']]) {
    const before = text(dig(existing.properties, ...path)) || (path[0] === 'hyperVGeneration' ? 'v1' : '');
    const after = text(dig(input.properties, ...path)) || (path[0] === 'hyperVGeneration' ? 'v1' : '');
    if (before !== after) {
      const message = `Changing property '${path.join('.')}' is not allowed.`;
      throw new ArmError(409, 'PropertyChangeNotAllowed', message, [{ code: 'PropertyChangeNotAllowed', message, target: path.join('.') }]);
    }
  }
  const skuName = (input.sku as { name?: string } | undefined)?.name ?? 'Standard_LRS';
  if (skuName.toLowerCase() !== String((existing.sku as { name?: string } | undefined)?.name ?? '').toLowerCase() && existing.managedBy) {
    const vm = cloud.inventory.get(existing.managedBy);
    if (vm?.vm && vm.vm.powerState !== 'deallocated') {
      throw new ArmError(409, 'OperationNotAllowed', `Cannot change the sku of disk '${existing.name}' to '${skuName}' while it is attached to running VM '${existing.managedBy}'. Deallocate the VM first.`);
    }
  }
  const writable = ['osType', 'networkAccessPolicy', 'publicNetworkAccess'];
  const kept = Object.fromEntries(Object.entries(existing.properties).filter(([k]) => !writable.includes(k)));
  const given = Object.fromEntries(writable.filter((k) => input.properties[k] !== undefined).map((k) => [k, input.properties[k]]));
  return {
    ...existing,
    tags: input.tags,
    deployment: input.deploymentName,
    sku: { name: skuName, tier: skuName.startsWith('Premium') ? 'Premium' : 'Standard' },
    properties: { networkAccessPolicy: 'AllowAll', publicNetworkAccess: 'Enabled', ...kept, ...given },
  };
}

function sasIdentifier(disk: FakeResource): string {
  return `md-${disk.disk?.uniqueId.slice(0, 23)}`;
}

function checkDeletable(disk: FakeResource): void {
  if (disk.managedBy) {
    throw new ArmError(409, 'OperationNotAllowed', `Disk ${disk.name} is attached to VM ${disk.managedBy}.`);
  }
  if (disk.disk?.activeSas) {
    // Azure leaves such a delete hanging; the fake refuses it so that the caller learns to revoke first.
    throw new ArmError(409, 'OperationNotAllowed', `Disk ${disk.name} has an active SAS (diskState ActiveSAS). Revoke access (endGetAccess) before deleting it.`);
  }
}

function checkAccessAllowed(cloud: FakeCloud, disk: FakeResource): void {
  if (!disk.managedBy) return;
  const vm = cloud.inventory.get(disk.managedBy);
  if (vm?.vm && vm.vm.powerState !== 'deallocated') {
    throw new ArmError(409, 'Conflict', `Access not permitted because disk ${disk.name} is currently attached to running VM ${disk.managedBy}.`);
  }
}

export function diskState(cloud: FakeCloud, disk: FakeResource): string {
  if (disk.disk?.activeSas) return 'ActiveSAS';
  if (!disk.managedBy) return 'Unattached';
  return cloud.inventory.get(disk.managedBy)?.vm?.powerState === 'deallocated' ? 'Reserved' : 'Attached';
}

export function diskBody(cloud: FakeCloud, disk: FakeResource): Record<string, unknown> {
  return resourceBody(disk, { ...disk.properties, diskState: diskState(cloud, disk) });
}

async function removeDisk(cloud: FakeCloud, disk: FakeResource): Promise<void> {
  if (disk.disk) {
    if (disk.disk.activeSas) await cloud.requireDiskBlobs().revoke(sasIdentifier(disk));
    await cloud.requireDiskBlobs().delete(disk.disk.blobName);
  }
}

export const diskProvisioner: Provisioner = {
  type: DISK_TYPE,
  async create(cloud, input, existing) {
    if (existing) return updateDisk(cloud, existing, input);
    const location = requireLocation(input.location, input.name);
    const refused = diskCreationProblem(input.properties);
    if (refused) throw refused;
    const createOption = String(dig(input.properties, 'creationData', 'createOption') ?? '');
    if (createOption.toLowerCase() !== 'import') {
      throw armErrors.invalidParameter(
        `The ARM fake creates disks with creationData.createOption 'Import' only (got '${createOption}').`,
        'creationData.createOption',
      );
    }
    const sourceUri = dig(input.properties, 'creationData', 'sourceUri');
    const storageAccountId = dig(input.properties, 'creationData', 'storageAccountId');
    if (typeof sourceUri !== 'string' || !sourceUri) {
      throw armErrors.invalidParameter("Required parameter 'creationData.sourceUri' is missing (null).", 'creationData.sourceUri');
    }
    if (typeof storageAccountId !== 'string' || !storageAccountId) {
      throw armErrors.invalidParameter("Required parameter 'creationData.storageAccountId' is missing (null).", 'creationData.storageAccountId');
    }
    const account = cloud.inventory.get(storageAccountId);
    if (!account?.storage || account.type.toLowerCase() !== STORAGE_TYPE.toLowerCase()) {
      throw new ArmError(404, 'NotFound', `Storage account '${storageAccountId}' was not found.`);
    }
    if (account.location !== location) {
      throw armErrors.invalidParameter(
        `The storage account '${account.name}' is in location '${account.location}', which is not the location '${location}' of disk '${input.name}'. A disk can only be imported from a storage account in its own region.`,
        'creationData.storageAccountId',
      );
    }
    const uniqueId = randomUUID();
    const blobName = `${input.resourceGroup}/${input.name}-${uniqueId}.vhd`.toLowerCase();
    const size = await cloud.requireDiskBlobs().importVhd(
      sourceUri,
      {
        blobEndpoint: account.storage.blobEndpoint.replace(/\/$/, ''),
        accountName: accountNameOfEndpoint(account.storage.blobEndpoint),
        accountKey: account.storage.accountKey,
      },
      blobName,
      input.name,
    );
    const diskSizeBytes = size - 512;
    const sku = (input.sku as { name?: string } | undefined)?.name ?? 'Standard_LRS';
    return {
      id: input.id,
      name: input.name,
      type: DISK_TYPE,
      resourceGroup: input.resourceGroup,
      location,
      tags: input.tags,
      sku: { name: sku, tier: sku.startsWith('Premium') ? 'Premium' : 'Standard' },
      zones: input.zones,
      createdAt: new Date().toISOString(),
      deployment: input.deploymentName,
      disk: { blobName, sizeBytes: diskSizeBytes, activeSas: false, uniqueId },
      properties: {
        ...(input.properties.osType ? { osType: input.properties.osType } : {}),
        hyperVGeneration: input.properties.hyperVGeneration ?? 'V1',
        ...(input.properties.securityProfile ? { securityProfile: input.properties.securityProfile } : {}),
        creationData: { createOption: 'Import', storageAccountId, sourceUri },
        diskSizeGB: Math.ceil(diskSizeBytes / GiB),
        diskSizeBytes,
        uniqueId,
        encryption: { type: 'EncryptionAtRestWithPlatformKey' },
        networkAccessPolicy: 'AllowAll',
        publicNetworkAccess: 'Enabled',
        timeCreated: new Date().toISOString(),
        provisioningState: 'Succeeded',
      },
    };
  },
  async remove(cloud, disk, opts) {
    if (!opts.force) checkDeletable(disk);
    await removeDisk(cloud, disk);
  },
};
