/**
 * What exists in the fake subscription: resource groups and resources (ids, types, tags,
 * properties), plus the little runtime state the fake needs (a VM's power state, the Azurite
 * blob behind a managed disk). Names and ids compare case-insensitively, as in ARM; ids keep the
 * casing they were created with.
 */
export type PowerState = 'starting' | 'running' | 'stopping' | 'stopped' | 'deallocating' | 'deallocated';

export interface ResourceGroup {
  id: string;
  name: string;
  location: string;
  tags: Record<string, string>;
}

export interface FakeResource {
  id: string;
  name: string;
  type: string;
  resourceGroup: string;
  location: string;
  tags: Record<string, string>;
  properties: Record<string, unknown>;
  sku?: unknown;
  kind?: string;
  zones?: string[];
  managedBy?: string;
  createdAt: string;
  /** Name of the deployment that created or last updated it. */
  deployment?: string;
  /** agentNotReady: the guest runs without a working Azure VM Agent (fake.setVmAgent). */
  vm?: { vmId: string; powerState: PowerState; runCommandBusy: boolean; agentNotReady?: boolean };
  disk?: { blobName: string; sizeBytes: number; activeSas: boolean; uniqueId: string };
  storage?: { blobEndpoint: string; accountKey: string };
  /** A managed run command's execution (arm/managedRunCommands.ts). */
  runCommand?: import('./arm/managedRunCommands').ManagedRunCommandState;
}

/** The public view of a resource, as `fake.inventory()` returns it. */
export type InventoryItem = Pick<FakeResource, 'id' | 'name' | 'type' | 'resourceGroup' | 'location' | 'tags' | 'properties' | 'managedBy' | 'deployment'> & {
  powerState?: PowerState;
};

export interface ParsedResourceId {
  subscriptionId: string;
  resourceGroup: string;
  /** e.g. Microsoft.Network/virtualNetworks/subnets */
  type: string;
  /** e.g. vnet1/default for a nested type */
  name: string;
}

export function parseResourceId(id: string): ParsedResourceId | undefined {
  const m = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/([^/]+)\/(.+)$/i.exec(id);
  if (!m) return undefined;
  const segs = m[4].split('/');
  if (segs.length < 2 || segs.length % 2 !== 0) return undefined;
  const types = segs.filter((_, i) => i % 2 === 0);
  const names = segs.filter((_, i) => i % 2 === 1);
  return {
    subscriptionId: m[1],
    resourceGroup: decodeURIComponent(m[2]),
    type: [m[3], ...types].join('/'),
    name: names.map(decodeURIComponent).join('/'),
  };
}

export class Inventory {
  private readonly groups = new Map<string, ResourceGroup>();
  private readonly resources = new Map<string, FakeResource>();
  /**
   * Deleted resources Resources – List still returns, each for its next `staleLists` listings:
   * "When deleted a resource … then call Resources_ListByResourceGroup, the API sometimes returns
   * an outdated result (the deleted resource still shows)"; Microsoft: "a known caching issue"
   * (Azure/azure-rest-api-specs#21221). A GET by id of it answers 404 at once.
   */
  private readonly ghosts = new Map<string, { resource: FakeResource; listsLeft: number }>();
  staleLists = 2;

  constructor(readonly subscriptionId: string) {}

  resourceGroupId(name: string): string {
    return `/subscriptions/${this.subscriptionId}/resourceGroups/${name}`;
  }

  /** `/subscriptions/…/resourceGroups/rg/providers/NS/t1/n1[/t2/n2]` for type `NS/t1[/t2]` and name `n1[/n2]`. */
  resourceId(resourceGroup: string, type: string, name: string): string {
    const [ns, ...types] = type.split('/');
    const names = name.split('/');
    if (types.length !== names.length) {
      throw new Error(`resource name '${name}' does not fit type '${type}'`);
    }
    const tail = types.map((t, i) => `${t}/${names[i]}`).join('/');
    return `${this.resourceGroupId(resourceGroup)}/providers/${ns}/${tail}`;
  }

  putResourceGroup(name: string, location: string, tags: Record<string, string> = {}): ResourceGroup {
    const existing = this.getResourceGroup(name);
    const group = { id: this.resourceGroupId(existing?.name ?? name), name: existing?.name ?? name, location, tags };
    this.groups.set(name.toLowerCase(), group);
    return group;
  }

  getResourceGroup(name: string): ResourceGroup | undefined {
    return this.groups.get(name.toLowerCase());
  }

  listResourceGroups(): ResourceGroup[] {
    return [...this.groups.values()];
  }

  deleteResourceGroup(name: string): void {
    for (const r of this.list({ resourceGroup: name })) this.remove(r.id);
    this.groups.delete(name.toLowerCase());
  }

  put(resource: FakeResource): FakeResource {
    this.ghosts.delete(resource.id.toLowerCase());
    this.resources.set(resource.id.toLowerCase(), resource);
    return resource;
  }

  get(id: string): FakeResource | undefined {
    return this.resources.get(id.toLowerCase());
  }

  find(resourceGroup: string, type: string, name: string): FakeResource | undefined {
    return this.get(this.resourceId(resourceGroup, type, name));
  }

  remove(id: string): boolean {
    const gone = this.resources.get(id.toLowerCase());
    if (gone && this.staleLists > 0) this.ghosts.set(id.toLowerCase(), { resource: gone, listsLeft: this.staleLists });
    return this.resources.delete(id.toLowerCase());
  }

  /** What a Resources – List answers: the resources, and the deleted ones it still shows (each showing used up). */
  listed(filter: { resourceGroup?: string } = {}): FakeResource[] {
    const inScope = (r: FakeResource) => !filter.resourceGroup || r.resourceGroup.toLowerCase() === filter.resourceGroup.toLowerCase();
    const stale: FakeResource[] = [];
    for (const [key, g] of this.ghosts) {
      if (!inScope(g.resource)) continue;
      stale.push(g.resource);
      if (--g.listsLeft <= 0) this.ghosts.delete(key);
    }
    return [...this.list(filter), ...stale];
  }

  list(filter: { resourceGroup?: string; type?: string } = {}): FakeResource[] {
    return [...this.resources.values()].filter(
      (r) =>
        (!filter.resourceGroup || r.resourceGroup.toLowerCase() === filter.resourceGroup.toLowerCase()) &&
        (!filter.type || r.type.toLowerCase() === filter.type.toLowerCase()),
    );
  }

  snapshot(): InventoryItem[] {
    return [...this.resources.values()].map((r) => ({
      id: r.id,
      name: r.name,
      type: r.type,
      resourceGroup: r.resourceGroup,
      location: r.location,
      tags: { ...r.tags },
      properties: structuredClone(r.properties),
      ...(r.managedBy ? { managedBy: r.managedBy } : {}),
      ...(r.vm ? { powerState: r.vm.powerState } : {}),
      ...(r.deployment ? { deployment: r.deployment } : {}),
    }));
  }
}
