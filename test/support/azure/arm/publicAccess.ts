/**
 * Microsoft.Network public IPs and network security groups, what a packaging machine reachable
 * over RDP needs:
 *   DELETE /…/publicIPAddresses/{name}, /…/networkSecurityGroups/{name}  (long-running; refused
 *          while a NIC uses them, as Azure refuses: PublicIPAddressCannotBeDeleted,
 *          InUseNetworkSecurityGroupCannotBeDeleted); GET through the generic routes.
 * Rules from the Azure docs:
 * - Basic SKU public IPs were retired on 30 September 2025 ("Upgrade to Standard SKU public IP
 *   addresses"): the fake creates Standard only, and a Standard public IP must be Static
 *   (StandardSkuPublicIPAddressesMustBeStatic).
 * - Security rules ("Network security groups: security rules"): a name, priority 100-4096 unique
 *   per direction, direction Inbound|Outbound, access Allow|Deny, protocol Tcp|Udp|Icmp|Esp|Ah|*,
 *   port ranges `*`, a port or `low-high` in 0-65535, and an address prefix on each side.
 */
import { randomUUID } from 'node:crypto';
import type { FakeCloud } from '../cloud';
import { ArmError, armErrors } from '../errors';
import type { Router } from '../http';
import type { FakeResource } from '../inventory';
import { dig, isObject, requireLocation, requireResourceGroup, regionalOperation } from './common';
import type { Provisioner } from './provisioners';

export const PUBLIC_IP_TYPE = 'Microsoft.Network/publicIPAddresses';
export const NSG_TYPE = 'Microsoft.Network/networkSecurityGroups';
const NIC_TYPE = 'Microsoft.Network/networkInterfaces';
const RG = '/subscriptions/{sub}/resourceGroups/{rg}/providers';

/** The NICs that use a public IP or a network security group. */
function usersOf(cloud: FakeCloud, resource: FakeResource): string[] {
  const id = resource.id.toLowerCase();
  const users: string[] = [];
  for (const nic of cloud.inventory.list({ type: NIC_TYPE })) {
    if (String(dig(nic.properties, 'networkSecurityGroup', 'id') ?? '').toLowerCase() === id) users.push(nic.id);
    const configs = dig(nic.properties, 'ipConfigurations');
    for (const c of Array.isArray(configs) ? configs : []) {
      if (String(dig(c, 'properties', 'publicIPAddress', 'id') ?? '').toLowerCase() === id) users.push(String(dig(c, 'id') ?? nic.id));
    }
  }
  return users;
}

function checkNotInUse(cloud: FakeCloud, resource: FakeResource): void {
  const users = usersOf(cloud, resource);
  if (!users.length) return;
  if (resource.type.toLowerCase() === PUBLIC_IP_TYPE.toLowerCase()) {
    throw new ArmError(
      400,
      'PublicIPAddressCannotBeDeleted',
      `Public IP address ${resource.id} can not be deleted since it is still allocated to resource ${users[0]}. In order to delete the public IP, disassociate/detach the Public IP address from the resource.`,
    );
  }
  throw new ArmError(
    400,
    'InUseNetworkSecurityGroupCannotBeDeleted',
    `Network security group ${resource.id} cannot be deleted because it is in use by the following resources: ${users.join(', ')}. In order to delete the Network security group, remove the association with the resource(s).`,
  );
}

export function publicAccessRoutes(cloud: FakeCloud, router: Router): void {
  for (const [segment, type] of [['publicIPAddresses', PUBLIC_IP_TYPE], ['networkSecurityGroups', NSG_TYPE]] as const) {
    router.add('DELETE', `${RG}/Microsoft.Network/${segment}/{name}`, (req) => {
      requireResourceGroup(cloud, req.params.rg);
      const resource = cloud.inventory.find(req.params.rg, type, req.params.name);
      if (!resource) return { status: 204 };
      checkNotInUse(cloud, resource);
      return regionalOperation(cloud, req, 'Microsoft.Network', resource, {
        work: () => {
          const current = cloud.inventory.get(resource.id);
          if (current) {
            checkNotInUse(cloud, current);
            cloud.inventory.remove(current.id);
          }
          return undefined;
        },
      });
    });
  }
}

/** The references a NIC makes to a public IP and a security group must exist in its region. */
export function checkNicReferences(cloud: FakeCloud, nicId: string, location: string, properties: Record<string, unknown>): void {
  const refs: Array<[string, string]> = [];
  const nsg = dig(properties, 'networkSecurityGroup', 'id');
  if (nsg !== undefined) refs.push([String(nsg), NSG_TYPE]);
  const configs = dig(properties, 'ipConfigurations');
  for (const c of Array.isArray(configs) ? configs : []) {
    const pip = dig(c, 'properties', 'publicIPAddress', 'id');
    if (pip !== undefined) refs.push([String(pip), PUBLIC_IP_TYPE]);
  }
  for (const [id, type] of refs) {
    const r = cloud.inventory.get(id);
    if (!r || r.type.toLowerCase() !== type.toLowerCase() || r.location !== location) {
      throw new ArmError(
        400,
        'InvalidResourceReference',
        `Resource ${id} referenced by resource ${nicId} was not found. Please make sure that the referenced resource exists, and that both resources are in the same region.`,
      );
    }
  }
}

export const publicIpProvisioner: Provisioner = {
  type: PUBLIC_IP_TYPE,
  create(_cloud, input, existing) {
    const location = requireLocation(input.location, input.name);
    const sku = isObject(input.sku) ? String(input.sku.name ?? 'Basic') : 'Basic';
    if (sku !== 'Standard') {
      throw armErrors.invalidParameter(
        `Basic SKU public IP addresses were retired on 30 September 2025; create public IP '${input.name}' with sku Standard.`,
        'sku.name',
      );
    }
    const allocation = String(input.properties.publicIPAllocationMethod ?? 'Dynamic');
    if (allocation !== 'Static') {
      throw new ArmError(400, 'StandardSkuPublicIPAddressesMustBeStatic', `Standard sku publicIp ${input.id} must have AllocationMethod set to Static.`);
    }
    return {
      id: input.id,
      name: input.name,
      type: PUBLIC_IP_TYPE,
      resourceGroup: input.resourceGroup,
      location,
      tags: input.tags,
      sku: { name: 'Standard', tier: 'Regional' },
      createdAt: existing?.createdAt ?? new Date().toISOString(),
      deployment: input.deploymentName,
      properties: {
        provisioningState: 'Succeeded',
        resourceGuid: (existing?.properties.resourceGuid as string) ?? randomUUID(),
        ipAddress: (existing?.properties.ipAddress as string) ?? `198.51.100.${1 + Math.floor(Math.random() * 250)}`,
        publicIPAddressVersion: input.properties.publicIPAddressVersion ?? 'IPv4',
        publicIPAllocationMethod: 'Static',
        idleTimeoutInMinutes: 4,
      },
    };
  },
  remove(cloud, resource, opts) {
    if (!opts.force) checkNotInUse(cloud, resource);
  },
};

const PROTOCOLS = ['Tcp', 'Udp', 'Icmp', 'Esp', 'Ah', '*'];

function portRangeOk(v: unknown): boolean {
  if (v === '*') return true;
  const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(String(v ?? ''));
  if (!m) return false;
  const lo = Number(m[1]);
  const hi = m[2] === undefined ? lo : Number(m[2]);
  return lo <= hi && hi <= 65535;
}

function checkRule(nsgName: string, rule: unknown, seen: Set<string>): void {
  const name = String(dig(rule, 'name') ?? '');
  const bad = (what: string) => new ArmError(400, 'SecurityRuleParameterInvalid', `Security rule '${name || '(no name)'}' of network security group '${nsgName}' is not valid: ${what}.`);
  if (!name) throw bad('a rule needs a name');
  const p = dig(rule, 'properties');
  const priority = Number(dig(p, 'priority'));
  if (!Number.isInteger(priority) || priority < 100 || priority > 4096) throw bad('priority must be between 100 and 4096');
  const direction = String(dig(p, 'direction') ?? '');
  if (!['Inbound', 'Outbound'].includes(direction)) throw bad(`direction '${direction}' is not Inbound or Outbound`);
  if (seen.has(`${direction}|${priority}`)) {
    throw new ArmError(400, 'SecurityRulesWithSamePriorityAndDirection', `Network security group '${nsgName}' has two ${direction} rules with priority ${priority}.`);
  }
  seen.add(`${direction}|${priority}`);
  if (!['Allow', 'Deny'].includes(String(dig(p, 'access') ?? ''))) throw bad('access must be Allow or Deny');
  if (!PROTOCOLS.includes(String(dig(p, 'protocol') ?? ''))) throw bad(`protocol must be one of ${PROTOCOLS.join(', ')}`);
  for (const side of ['source', 'destination']) {
    if (!portRangeOk(dig(p, `${side}PortRange`)) && !Array.isArray(dig(p, `${side}PortRanges`))) throw bad(`${side}PortRange must be *, a port or a range of ports`);
    if (typeof dig(p, `${side}AddressPrefix`) !== 'string' && !Array.isArray(dig(p, `${side}AddressPrefixes`))) throw bad(`${side}AddressPrefix is missing`);
  }
}

export const networkSecurityGroupProvisioner: Provisioner = {
  type: NSG_TYPE,
  create(_cloud, input, existing) {
    const location = requireLocation(input.location, input.name);
    const rules = dig(input.properties, 'securityRules');
    const seen = new Set<string>();
    for (const rule of Array.isArray(rules) ? rules : []) checkRule(input.name, rule, seen);
    return {
      id: input.id,
      name: input.name,
      type: NSG_TYPE,
      resourceGroup: input.resourceGroup,
      location,
      tags: input.tags,
      createdAt: existing?.createdAt ?? new Date().toISOString(),
      deployment: input.deploymentName,
      properties: {
        provisioningState: 'Succeeded',
        resourceGuid: (existing?.properties.resourceGuid as string) ?? randomUUID(),
        securityRules: (Array.isArray(rules) ? rules : []).map((r) => ({
          name: String(dig(r, 'name')),
          id: `${input.id}/securityRules/${String(dig(r, 'name'))}`,
          type: `${NSG_TYPE}/securityRules`,
          properties: { ...(dig(r, 'properties') as Record<string, unknown>), provisioningState: 'Succeeded' },
        })),
      },
    };
  },
  remove(cloud, resource, opts) {
    if (!opts.force) checkNotInUse(cloud, resource);
  },
};
