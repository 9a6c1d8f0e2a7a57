/**
 * Resource providers behind template deployments: each known type validates its definition the
 * way Azure does and builds the stored resource; deleting runs the type's side effects (detach a
 * NIC, drop a disk's blob). Types without a provisioner are stored as given (generic resources).
 */
import type { FakeCloud } from '../cloud';
import { ArmError } from '../errors';
import type { FakeResource } from '../inventory';
import type { PlannedResource } from '../templateEngine';
import { checkServedApiVersion } from './apiVersions';
import { normalizeLocation } from './common';
import { diskProvisioner } from './disks';
import { networkInterfaceProvisioner, virtualNetworkProvisioner } from './network';
import { networkSecurityGroupProvisioner, publicIpProvisioner } from './publicAccess';
import { virtualMachineProvisioner } from './virtualMachines';

export interface ProvisionInput extends PlannedResource {
  resourceGroup: string;
  deploymentName?: string;
}

export interface Provisioner {
  type: string;
  /** Builds the resource (existing: the current one, for a redeployment). Throw ArmError to fail. */
  create(cloud: FakeCloud, input: ProvisionInput, existing: FakeResource | undefined): FakeResource | Promise<FakeResource>;
  /** Side effects of deleting (force: part of a resource-group delete, skip the checks). */
  remove?(cloud: FakeCloud, resource: FakeResource, opts: { force?: boolean }): void | Promise<void>;
}

// A function, not a constant: the type modules import this one (circular imports).
const provisioners = (): Provisioner[] => [
  virtualNetworkProvisioner,
  networkInterfaceProvisioner,
  diskProvisioner,
  virtualMachineProvisioner,
  publicIpProvisioner,
  networkSecurityGroupProvisioner,
];

function provisionerFor(type: string): Provisioner | undefined {
  return provisioners().find((p) => p.type.toLowerCase() === type.toLowerCase());
}

export async function provision(cloud: FakeCloud, input: ProvisionInput): Promise<FakeResource> {
  // A template resource's apiVersion must be one its provider serves (arm/apiVersions.ts), as ARM checks it.
  checkServedApiVersion(input.type, input.apiVersion, normalizeLocation(input.location ?? 'global'));
  const existing = cloud.inventory.get(input.id);
  if (existing && input.location) refuseLocationChange(existing, normalizeLocation(input.location));
  const provisioner = provisionerFor(input.type);
  const resource = provisioner
    ? await provisioner.create(cloud, input, existing)
    : genericResource(input, existing);
  cloud.inventory.put(resource);
  return resource;
}

/**
 * A resource stays where it was created: a PUT naming another location is refused, 409
 * InvalidResourceLocation (the message as ARM words it: MicrosoftDocs/azure-docs#70422,
 * fortinetsolutions/Azure-Templates#8; azure-cli#31604 shows it as ResourceExistsError, a 409).
 */
export function refuseLocationChange(existing: FakeResource, location: string): void {
  if (existing.location === location) return;
  throw new ArmError(
    409,
    'InvalidResourceLocation',
    `The resource '${existing.name}' already exists in location '${existing.location}' in resource group '${existing.resourceGroup}'. A resource with the same name cannot be created in location '${location}'. Please select a new resource name.`,
  );
}

export async function deleteResource(cloud: FakeCloud, resource: FakeResource, opts: { force?: boolean } = {}): Promise<void> {
  await provisionerFor(resource.type)?.remove?.(cloud, resource, opts);
  cloud.inventory.remove(resource.id);
}

function genericResource(input: ProvisionInput, existing: FakeResource | undefined): FakeResource {
  return {
    id: input.id,
    name: input.name,
    type: input.type,
    resourceGroup: input.resourceGroup,
    location: input.location ? normalizeLocation(input.location) : 'global',
    tags: input.tags,
    sku: input.sku,
    kind: input.kind,
    zones: input.zones,
    createdAt: existing?.createdAt ?? new Date().toISOString(),
    deployment: input.deploymentName,
    properties: { ...input.properties, provisioningState: 'Succeeded' },
  };
}
