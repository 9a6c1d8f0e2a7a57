/**
 * Subscription, resource groups and the resource list:
 *   GET  /subscriptions[/{s}]
 *   GET|HEAD|PUT|DELETE /subscriptions/{s}/resourcegroups/{rg}   (DELETE is a long-running op)
 *   GET  /subscriptions/{s}/resourcegroups
 *   GET  /subscriptions/{s}[/resourceGroups/{rg}]/resources?$filter=tagName eq 'k' and tagValue eq 'v'
 *        (with a tag filter the resources come back WITHOUT their tags, as in Azure)
 */
import type { FakeCloud } from '../cloud';
import { ArmError, armErrors } from '../errors';
import { FakeRequest, jsonBody, Router } from '../http';
import type { FakeResource, ResourceGroup } from '../inventory';
import { apiVersionOf, normalizeLocation, requireResourceGroup } from './common';
import { deleteResource } from './provisioners';

export function subscriptionRoutes(cloud: FakeCloud, router: Router): void {
  const subscriptionBody = () => ({
    id: `/subscriptions/${cloud.subscriptionId}`,
    authorizationSource: 'RoleBased',
    managedByTenants: [],
    subscriptionId: cloud.subscriptionId,
    tenantId: cloud.tenantId,
    displayName: 'elm fake subscription',
    state: 'Enabled',
    subscriptionPolicies: { locationPlacementId: 'Public_2014-09-01', quotaId: 'PayAsYouGo_2014-09-01', spendingLimit: 'Off' },
  });

  router.add('GET', '/subscriptions', () => ({ status: 200, body: { value: [subscriptionBody()], count: { type: 'Total', value: 1 } } }));
  router.add('GET', '/subscriptions/{sub}', () => ({ status: 200, body: subscriptionBody() }));

  router.add('GET', '/subscriptions/{sub}/resourcegroups', () => ({
    status: 200,
    body: { value: cloud.inventory.listResourceGroups().map(groupBody) },
  }));
  router.add('GET', '/subscriptions/{sub}/resourcegroups/{rg}', (req) => ({
    status: 200,
    body: groupBody(requireResourceGroup(cloud, req.params.rg)),
  }));
  router.add('HEAD', '/subscriptions/{sub}/resourcegroups/{rg}', (req) => ({
    status: cloud.inventory.getResourceGroup(req.params.rg) ? 204 : 404,
  }));
  router.add('PUT', '/subscriptions/{sub}/resourcegroups/{rg}', (req) => {
    const body = jsonBody(req);
    if (typeof body.location !== 'string' || !body.location) {
      throw new ArmError(400, 'LocationRequired', 'The location property is required for this definition.');
    }
    const location = normalizeLocation(body.location);
    const existing = cloud.inventory.getResourceGroup(req.params.rg);
    if (existing && existing.location !== location) {
      throw new ArmError(
        409,
        'InvalidResourceGroupLocation',
        `Invalid resource group location '${location}'. The Resource group already exists in location '${existing.location}'.`,
      );
    }
    // A PUT replaces the group's tags: none given, none kept (Resource Groups - Create Or Update).
    const tags = (body.tags ?? {}) as Record<string, string>;
    const group = cloud.inventory.putResourceGroup(req.params.rg, location, tags);
    return { status: existing ? 200 : 201, body: groupBody(group) };
  });
  router.add('DELETE', '/subscriptions/{sub}/resourcegroups/{rg}', (req) => {
    const group = cloud.inventory.getResourceGroup(req.params.rg);
    if (!group) throw armErrors.resourceGroupNotFound(req.params.rg);
    return cloud.lro.start({
      monitor: { kind: 'operationResults' },
      method: req.method,
      path: req.path,
      apiVersion: apiVersionOf(req),
      initialStatus: 202,
      work: async () => {
        for (const r of cloud.inventory.list({ resourceGroup: group.name })) await deleteResource(cloud, r, { force: true });
        for (const [key, d] of cloud.deployments) if (d.resourceGroup.toLowerCase() === group.name.toLowerCase()) cloud.deployments.delete(key);
        cloud.inventory.deleteResourceGroup(group.name);
        return undefined;
      },
    });
  });

  router.add('GET', '/subscriptions/{sub}/resourceGroups/{rg}/resources', (req) => {
    requireResourceGroup(cloud, req.params.rg);
    return listResources(cloud, req, cloud.inventory.listed({ resourceGroup: req.params.rg }));
  });
  router.add('GET', '/subscriptions/{sub}/resources', (req) => listResources(cloud, req, cloud.inventory.listed()));
}

function groupBody(g: ResourceGroup): Record<string, unknown> {
  return {
    id: g.id,
    name: g.name,
    type: 'Microsoft.Resources/resourceGroups',
    location: g.location,
    ...(Object.keys(g.tags).length ? { tags: g.tags } : {}),
    properties: { provisioningState: 'Succeeded' },
  };
}

function listResources(_cloud: FakeCloud, req: FakeRequest, all: FakeResource[]) {
  const filter = parseFilter(req.query.get('$filter'));
  const value = all
    .filter((r) => {
      if (filter.resourceType && r.type.toLowerCase() !== filter.resourceType.toLowerCase()) return false;
      if (filter.name && r.name.toLowerCase() !== filter.name.toLowerCase()) return false;
      if (filter.location && r.location !== normalizeLocation(filter.location)) return false;
      if (filter.tagName !== undefined) {
        const key = Object.keys(r.tags).find((k) => k.toLowerCase() === filter.tagName!.toLowerCase());
        if (key === undefined) return false;
        if (filter.tagValue !== undefined && r.tags[key] !== filter.tagValue) return false;
      }
      return true;
    })
    .filter((r) => r.name.split('/').length === 1) // nested types are not listed
    .map((r) => ({
      id: r.id,
      name: r.name,
      type: r.type,
      ...(r.sku !== undefined ? { sku: r.sku } : {}),
      ...(r.kind !== undefined ? { kind: r.kind } : {}),
      location: r.location,
      // Resources – List By Resource Group, $filter: "when resources are filtered by tag name and
      // value, the original tags for each resource will not be returned in the results"
      // (azure-rest-api-specs resources.json; issue Azure/azure-rest-api-specs#3819). Stricter
      // than the text, as the issue reports: any tag filter hides the tags.
      ...(Object.keys(r.tags).length && filter.tagName === undefined ? { tags: r.tags } : {}),
      ...(r.managedBy ? { managedBy: r.managedBy } : {}),
    }));
  return { status: 200, body: { value } };
}

interface ResourceFilter {
  tagName?: string;
  tagValue?: string;
  resourceType?: string;
  name?: string;
  location?: string;
}

function parseFilter(filter: string | null): ResourceFilter {
  if (!filter) return {};
  const out: ResourceFilter = {};
  for (const clause of filter.split(/\s+and\s+/i)) {
    const m = /^\s*(\w+)\s+eq\s+'((?:[^']|'')*)'\s*$/i.exec(clause);
    const key = m ? (['tagName', 'tagValue', 'resourceType', 'name', 'location'] as const).find((k) => k.toLowerCase() === m[1].toLowerCase()) : undefined;
    if (!m || !key) {
      throw new ArmError(400, 'InvalidFilterInQueryString', `The filter clause '${clause}' is not supported (the fake knows tagName, tagValue, resourceType, name, location with eq).`);
    }
    out[key] = m[2].replace(/''/g, "'");
  }
  if (out.tagValue !== undefined && out.tagName === undefined) {
    throw new ArmError(400, 'InvalidFilterInQueryString', "The filter 'tagValue' must be used with 'tagName'.");
  }
  return out;
}
