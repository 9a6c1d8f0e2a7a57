/**
 * Microsoft.Network: virtual networks (with subnets) and network interfaces.
 *   GET /…/virtualNetworks/{vnet}, GET /…/virtualNetworks/{vnet}/subnets/{subnet}
 *   GET|DELETE /…/networkInterfaces/{nic}   (DELETE is a long-running op; refused while a VM uses the NIC)
 * A NIC's ipConfigurations must name an existing subnet of a virtual network in its region.
 */
import { randomUUID } from 'node:crypto';
import type { FakeCloud } from '../cloud';
import { ArmError, armErrors } from '../errors';
import type { Router } from '../http';
import { FakeResource, parseResourceId } from '../inventory';
import { dig, isObject, requireLocation, requireResource, requireResourceGroup, resourceBody, regionalOperation } from './common';
import type { Provisioner } from './provisioners';
import { checkNicReferences } from './publicAccess';

export const VNET_TYPE = 'Microsoft.Network/virtualNetworks';
export const NIC_TYPE = 'Microsoft.Network/networkInterfaces';
const RG = '/subscriptions/{sub}/resourceGroups/{rg}/providers';

export function networkRoutes(cloud: FakeCloud, router: Router): void {
  router.add('GET', `${RG}/Microsoft.Network/virtualNetworks/{vnet}`, (req) => ({
    status: 200,
    body: resourceBody(requireResource(cloud, req.params.rg, VNET_TYPE, req.params.vnet)),
  }));
  router.add('GET', `${RG}/Microsoft.Network/virtualNetworks/{vnet}/subnets/{subnet}`, (req) => {
    const vnet = requireResource(cloud, req.params.rg, VNET_TYPE, req.params.vnet);
    const subnet = subnetsOf(vnet).find((s) => s.name.toLowerCase() === req.params.subnet.toLowerCase());
    if (!subnet) throw armErrors.resourceNotFound(`${VNET_TYPE}/subnets`, `${vnet.name}/${req.params.subnet}`, req.params.rg);
    return { status: 200, body: subnet };
  });
  router.add('GET', `${RG}/Microsoft.Network/networkInterfaces/{nic}`, (req) => ({
    status: 200,
    body: resourceBody(requireResource(cloud, req.params.rg, NIC_TYPE, req.params.nic)),
  }));
  router.add('DELETE', `${RG}/Microsoft.Network/networkInterfaces/{nic}`, (req) => {
    requireResourceGroup(cloud, req.params.rg);
    const nic = cloud.inventory.find(req.params.rg, NIC_TYPE, req.params.nic);
    if (!nic) return { status: 204 };
    checkNicDeletable(nic);
    return regionalOperation(cloud, req, 'Microsoft.Network', nic, {
      work: () => {
        const current = cloud.inventory.get(nic.id);
        if (current) {
          checkNicDeletable(current);
          cloud.inventory.remove(current.id);
        }
        return undefined;
      },
    });
  });
}

function checkNicDeletable(nic: FakeResource): void {
  const vm = dig(nic.properties, 'virtualMachine', 'id');
  if (vm) {
    throw new ArmError(
      400,
      'NicInUse',
      `Network Interface ${nic.id} is used by existing resource ${String(vm)}. In order to delete the network interface, it must be dissociated from the resource. To learn more, see aka.ms/deletenic.`,
    );
  }
}

interface Subnet {
  name: string;
  id: string;
  properties: Record<string, unknown>;
}

export function subnetsOf(vnet: FakeResource): Subnet[] {
  return (Array.isArray(vnet.properties.subnets) ? vnet.properties.subnets : []) as Subnet[];
}

/** Builds a virtual network resource (for a template or `fake.addVirtualNetwork`). */
export function makeVnet(
  cloud: FakeCloud,
  opts: { resourceGroup: string; name: string; location: string; tags?: Record<string, string>; properties?: Record<string, unknown>; deployment?: string },
): FakeResource {
  const id = cloud.inventory.resourceId(opts.resourceGroup, VNET_TYPE, opts.name);
  const props = opts.properties ?? {};
  const subnets = (Array.isArray(props.subnets) ? props.subnets : []).map((s: unknown, i: number) => {
    const name = String(dig(s, 'name'));
    return {
      name,
      id: `${id}/subnets/${name}`,
      type: `${VNET_TYPE}/subnets`,
      properties: {
        addressPrefix: dig(s, 'properties', 'addressPrefix') ?? `10.0.${i}.0/24`,
        provisioningState: 'Succeeded',
        privateEndpointNetworkPolicies: 'Disabled',
        privateLinkServiceNetworkPolicies: 'Enabled',
      },
    };
  });
  return {
    id,
    name: opts.name,
    type: VNET_TYPE,
    resourceGroup: opts.resourceGroup,
    location: requireLocation(opts.location, opts.name),
    tags: opts.tags ?? {},
    createdAt: new Date().toISOString(),
    deployment: opts.deployment,
    properties: {
      provisioningState: 'Succeeded',
      resourceGuid: randomUUID(),
      addressSpace: props.addressSpace ?? { addressPrefixes: ['10.0.0.0/16'] },
      subnets,
      virtualNetworkPeerings: [],
      enableDdosProtection: false,
    },
  };
}

export const virtualNetworkProvisioner: Provisioner = {
  type: VNET_TYPE,
  create: (cloud, planned) =>
    makeVnet(cloud, {
      resourceGroup: planned.resourceGroup,
      name: planned.name,
      location: planned.location ?? '',
      tags: planned.tags,
      properties: planned.properties,
      deployment: planned.deploymentName,
    }),
};

export const networkInterfaceProvisioner: Provisioner = {
  type: NIC_TYPE,
  create(cloud, planned, existing) {
    const location = requireLocation(planned.location, planned.name);
    checkNicReferences(cloud, planned.id, location, planned.properties);
    const configs = Array.isArray(planned.properties.ipConfigurations) ? planned.properties.ipConfigurations : [];
    if (configs.length === 0) {
      throw new ArmError(400, 'InvalidRequestFormat', `Network interface '${planned.name}' must have at least one IP configuration.`);
    }
    const ipConfigurations = configs.map((c: unknown, i: number) => {
      if (!isObject(c)) throw new ArmError(400, 'InvalidRequestFormat', 'An IP configuration must be an object.');
      const name = String(c.name ?? `ipconfig${i + 1}`);
      const subnetId = String(dig(c, 'properties', 'subnet', 'id') ?? '');
      const parsed = parseResourceId(subnetId);
      const vnetName = parsed?.name.split('/')[0] ?? '';
      const vnet = parsed ? cloud.inventory.find(parsed.resourceGroup, VNET_TYPE, vnetName) : undefined;
      const subnet = vnet && subnetsOf(vnet).find((s) => s.id.toLowerCase() === subnetId.toLowerCase());
      if (!vnet || !subnet || vnet.location !== location) {
        throw new ArmError(
          400,
          'InvalidResourceReference',
          `Resource ${subnetId || '(no subnet id)'} referenced by resource ${planned.id} was not found. Please make sure that the referenced resource exists, and that both resources are in the same region.`,
        );
      }
      return {
        name,
        id: `${planned.id}/ipConfigurations/${name}`,
        type: `${NIC_TYPE}/ipConfigurations`,
        properties: {
          provisioningState: 'Succeeded',
          privateIPAddress: `10.0.0.${4 + i}`,
          privateIPAllocationMethod: dig(c, 'properties', 'privateIPAllocationMethod') ?? 'Dynamic',
          subnet: { id: subnet.id },
          primary: i === 0,
          privateIPAddressVersion: 'IPv4',
          ...(dig(c, 'properties', 'publicIPAddress') ? { publicIPAddress: dig(c, 'properties', 'publicIPAddress') } : {}),
        },
      };
    });
    return {
      id: planned.id,
      name: planned.name,
      type: NIC_TYPE,
      resourceGroup: planned.resourceGroup,
      location,
      tags: planned.tags,
      createdAt: existing?.createdAt ?? new Date().toISOString(),
      deployment: planned.deploymentName,
      properties: {
        provisioningState: 'Succeeded',
        resourceGuid: (existing?.properties.resourceGuid as string) ?? randomUUID(),
        ipConfigurations,
        dnsSettings: { dnsServers: [], appliedDnsServers: [] },
        enableAcceleratedNetworking: Boolean(planned.properties.enableAcceleratedNetworking),
        enableIPForwarding: false,
        nicType: 'Standard',
        ...(planned.properties.networkSecurityGroup ? { networkSecurityGroup: planned.properties.networkSecurityGroup } : {}),
        ...(existing && dig(existing.properties, 'virtualMachine') ? { virtualMachine: dig(existing.properties, 'virtualMachine') } : {}),
      },
    };
  },
  remove(_cloud, nic, opts) {
    if (!opts.force) checkNicDeletable(nic);
  },
};
