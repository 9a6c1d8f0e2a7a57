/**
 * The vCenter inventory the fake knows (datacenters, datastores, hosts, networks, folders,
 * content libraries) and its list/get routes:
 *   GET /api/vcenter/datacenter?names=&datacenters=&folders= → [{ datacenter, name }]
 *   GET /api/vcenter/datacenter/{id}                          → { name, vm_folder, host_folder, ... }
 *   GET /api/vcenter/datastore?names=&datacenters=&types=&datastores=
 *                                                            → [{ datastore, name, type, free_space, capacity }]
 *   GET /api/vcenter/datastore/{id}
 *   GET /api/vcenter/host?names=&datacenters=&hosts=&connection_states=
 *                                                            → [{ host, name, connection_state, power_state }]
 *   GET /api/vcenter/network?names=&datacenters=&types=&networks=
 *                                                            → [{ network, name, type }]
 *   GET /api/vcenter/folder?names=&type=&datacenters=&folders=&parent_folders= → [{ folder, name, type }]
 *   GET /api/content/library                                 → [library ids]
 *   GET /api/content/library/{id}                            → { id, name, type: LOCAL|SUBSCRIBED, storage_backings }
 *   GET /api/content/library/item?library_id=                 → [item ids]
 *   GET /api/content/library/item/{id}                       → { id, name, library_id, type, description }
 *   POST /api/content/library/item?action=find  (FindSpec)    → [item ids]
 *   DELETE /api/content/library/item/{id}                    → 204 (the VM template's files go with it: vmRoutes.ts)
 * Names are case-sensitive, as in vCenter (content library item names are not: FindSpec.name is
 * documented case-insensitive). Filters are repeated query parameters (`names=a&names=b`).
 */
import { Route, VapiError, queryList, sendJson, str } from './http';

export type FolderType = 'VIRTUAL_MACHINE' | 'DATACENTER' | 'DATASTORE' | 'HOST' | 'NETWORK';
export type NetworkType = 'STANDARD_PORTGROUP' | 'DISTRIBUTED_PORTGROUP' | 'OPAQUE_NETWORK';

export interface Datacenter {
  id: string; name: string; vmFolder: string; hostFolder: string; datastoreFolder: string; networkFolder: string;
  /** The DATACENTER folder holding it (the root folder "Datacenters", or one below it). */
  parent: string;
}
export interface Datastore { id: string; name: string; datacenter: string; type: string; capacity: number; freeSpace: number }
export interface Host {
  id: string;
  name: string;
  datacenter: string;
  connectionState: 'CONNECTED' | 'DISCONNECTED' | 'NOT_RESPONDING';
  /** Names of the datastores mounted on the host and networks it has (absent: every one of its datacenter). */
  datastores?: string[];
  networks?: string[];
}
export interface Network { id: string; name: string; datacenter: string; type: NetworkType }
/** `datacenter` is '' for DATACENTER folders (they sit above datacenters); `parent` is '' only for the root folder. */
export interface Folder { id: string; name: string; datacenter: string; type: FolderType; parent: string }
/**
 * Content Library Library Model: type LOCAL (takes items) or SUBSCRIBED (a copy of a published
 * library, filled by its sync only); storage_backings: the datastore a local library stores on.
 */
export interface Library { id: string; name: string; type: 'LOCAL' | 'SUBSCRIBED'; datastore?: string }
export interface LibraryItem { id: string; name: string; libraryId: string; type: string; /** template VM model id */ sourceVm: string; description?: string }

export interface DatastoreSpec { name: string; datacenter?: string; type?: string; capacityBytes?: number; freeBytes?: number }
export interface HostSpec { name: string; datacenter?: string; connectionState?: Host['connectionState']; datastores?: string[]; networks?: string[] }
export interface NetworkSpec { name: string; datacenter?: string; type?: NetworkType }
export interface FolderSpec { name: string; datacenter?: string; type?: FolderType }

let counter = 1000;
export function nextId(prefix: string): string {
  counter += 1;
  return `${prefix}-${counter}`;
}

const GiB = 1024 ** 3;

/**
 * How many items a list call answers at most. vSphere Automation API reference, "List Folder"
 * (GET /api/vcenter/folder): "Returns information about at most 1000 visible (subject to
 * permission checks) folders"; the same "at most 1000" stands on List VM (GET /api/vcenter/vm in
 * the 6.5+ reference), List Resource Pool, and is used here for datacenter, datastore, host and
 * network lists too. More matches than that is an error (UNABLE_TO_ALLOCATE_RESOURCE), not a
 * truncated list: a client must narrow with filters.
 */
export const LIST_LIMIT = 1000;

/** The error vCenter gives when more items than LIST_LIMIT match a list call's filter. */
export function tooMany(what: string, count: number, limit: number): VapiError {
  return new VapiError(500, 'UNABLE_TO_ALLOCATE_RESOURCE', `${count} ${what} match the filter; at most ${limit} are returned. Narrow the filter.`);
}

export class Inventory {
  /** Overridable per test (a small limit shows a client that lists without filters). */
  listLimit = LIST_LIMIT;
  /** vCenter's root folder ("Datacenters", group-d1): it holds datacenters and DATACENTER folders. */
  readonly rootFolder: Folder = { id: 'group-d1', name: 'Datacenters', datacenter: '', type: 'DATACENTER', parent: '' };
  readonly datacenters: Datacenter[] = [];
  readonly datastores: Datastore[] = [];
  readonly hosts: Host[] = [];
  readonly networks: Network[] = [];
  readonly folders: Folder[] = [this.rootFolder];
  readonly libraries: Library[] = [];
  readonly libraryItems: LibraryItem[] = [];

  /**
   * `name`, or an inventory path `Region/DC1`: the folders before the last segment are DATACENTER
   * folders below the root (created when missing), the datacenter goes in the last one.
   */
  addDatacenter(pathOrName: string): Datacenter {
    const parts = pathOrName.split('/').filter(Boolean);
    const name = parts.pop()!;
    const existing = this.datacenters.find((d) => d.name === name);
    if (existing) return existing;
    let parent = this.rootFolder;
    for (const part of parts) {
      parent = this.folders.find((f) => f.type === 'DATACENTER' && f.parent === parent.id && f.name === part)
        ?? (this.folders.push({ id: nextId('group-d'), name: part, datacenter: '', type: 'DATACENTER', parent: parent.id }), this.folders[this.folders.length - 1]);
    }
    const id = nextId('datacenter');
    const root = (type: FolderType, n: string, prefix: string) => {
      const f: Folder = { id: nextId(prefix), name: n, datacenter: id, type, parent: id };
      this.folders.push(f);
      return f.id;
    };
    const dc: Datacenter = {
      id,
      name,
      vmFolder: root('VIRTUAL_MACHINE', 'vm', 'group-v'),
      hostFolder: root('HOST', 'host', 'group-h'),
      datastoreFolder: root('DATASTORE', 'datastore', 'group-s'),
      networkFolder: root('NETWORK', 'network', 'group-n'),
      parent: parent.id,
    };
    this.datacenters.push(dc);
    return dc;
  }

  /** The datacenter an item declared with `datacenter` (a name) belongs to; default the first one. */
  dcFor(name: string | undefined): Datacenter {
    const dc = name === undefined ? this.datacenters[0] : this.datacenters.find((d) => d.name === name);
    if (!dc) throw new Error(name === undefined ? 'vcenter fake inventory: declare a datacenter first' : `vcenter fake inventory: no datacenter ${name}`);
    return dc;
  }

  addDatastore(spec: DatastoreSpec): Datastore {
    const capacity = spec.capacityBytes ?? 2048 * GiB;
    const ds: Datastore = {
      id: nextId('datastore'), name: spec.name, datacenter: this.dcFor(spec.datacenter).id,
      type: spec.type ?? 'VMFS', capacity, freeSpace: spec.freeBytes ?? Math.floor(capacity * 0.75),
    };
    this.datastores.push(ds);
    return ds;
  }

  addHost(spec: HostSpec): Host {
    const h: Host = {
      id: nextId('host'), name: spec.name, datacenter: this.dcFor(spec.datacenter).id, connectionState: spec.connectionState ?? 'CONNECTED',
      datastores: spec.datastores, networks: spec.networks,
    };
    this.hosts.push(h);
    return h;
  }

  addNetwork(spec: NetworkSpec): Network {
    const type = spec.type ?? 'STANDARD_PORTGROUP';
    const prefix = type === 'DISTRIBUTED_PORTGROUP' ? 'dvportgroup' : 'network';
    const n: Network = { id: nextId(prefix), name: spec.name, datacenter: this.dcFor(spec.datacenter).id, type };
    this.networks.push(n);
    return n;
  }

  addFolder(spec: FolderSpec): Folder {
    const type = spec.type ?? 'VIRTUAL_MACHINE';
    const prefix = { VIRTUAL_MACHINE: 'group-v', DATACENTER: 'group-d', DATASTORE: 'group-s', HOST: 'group-h', NETWORK: 'group-n' }[type];
    const dc = this.dcFor(spec.datacenter);
    const parent = { VIRTUAL_MACHINE: dc.vmFolder, DATACENTER: dc.parent, DATASTORE: dc.datastoreFolder, HOST: dc.hostFolder, NETWORK: dc.networkFolder }[type];
    const f: Folder = { id: nextId(prefix), name: spec.name, datacenter: type === 'DATACENTER' ? '' : dc.id, type, parent };
    this.folders.push(f);
    return f;
  }

  /** The library of that name, made (LOCAL, on the first datastore, unless said otherwise) when absent. */
  addLibrary(name: string, type: Library['type'] = 'LOCAL', datastore?: string): Library {
    const found = this.libraries.find((l) => l.name === name);
    if (found) return found;
    const lib: Library = { id: randomUuid(), name, type, datastore: datastore ?? this.datastores[0]?.id };
    this.libraries.push(lib);
    return lib;
  }

  addLibraryItem(libraryName: string, itemName: string, sourceVm: string, description?: string): LibraryItem {
    const lib = this.addLibrary(libraryName);
    const item: LibraryItem = { id: randomUuid(), name: itemName, libraryId: lib.id, type: 'vm-template', sourceVm, description };
    this.libraryItems.push(item);
    return item;
  }

  datastore(id: string): Datastore | undefined { return this.datastores.find((d) => d.id === id); }
  datastoreByName(dcName: string, dsName: string): Datastore | undefined {
    const dc = this.datacenters.find((d) => d.name === dcName || this.datacenterPath(d) === dcName);
    return dc && this.datastores.find((d) => d.datacenter === dc.id && d.name === dsName);
  }
  datacenter(id: string): Datacenter | undefined { return this.datacenters.find((d) => d.id === id); }

  /** The datacenter's inventory path (`Region/DC1`): folder names below the root, then its name. */
  datacenterPath(dc: Datacenter): string {
    const parts = [dc.name];
    for (let f = this.folder(dc.parent); f && f.parent !== ''; f = this.folder(f.parent)) parts.unshift(f.name);
    return parts.join('/');
  }

  /**
   * The datacenter a `/folder` URL's dcPath names. "vSphere Web Services SDK Programming Guide",
   * HTTP access to datastore files: dcPath is the inventory path of the datacenter (the folders
   * above it included, e.g. `Region/DC1`), so a bare name finds a datacenter only when it sits
   * directly in the root folder.
   */
  datacenterByPath(dcPath: string): Datacenter | undefined {
    const want = dcPath.split('/').filter(Boolean).join('/');
    return this.datacenters.find((d) => this.datacenterPath(d) === want);
  }
  host(id: string): Host | undefined { return this.hosts.find((h) => h.id === id); }
  network(id: string): Network | undefined { return this.networks.find((n) => n.id === id); }
  folder(id: string): Folder | undefined { return this.folders.find((f) => f.id === id); }

  routes(): Route[] {
    const notFound = (what: string, id: string) => new VapiError(404, 'NOT_FOUND', `${what} with identifier '${id}' does not exist.`);
    const inSet = (set: string[] | undefined, v: string) => !set || set.includes(v);
    const bounded = <T>(what: string, items: T[]): T[] => {
      if (items.length > this.listLimit) throw tooMany(what, items.length, this.listLimit);
      return items;
    };
    return [
      {
        method: 'GET', pattern: /^\/api\/vcenter\/datacenter$/,
        handle: ({ res, url }) => {
          const names = queryList(url, 'names');
          const ids = queryList(url, 'datacenters');
          // Datacenter.FilterSpec.folders: "Folders that must contain the datacenter" (its parent folder).
          const folders = queryList(url, 'folders');
          sendJson(res, 200, bounded('datacenters', this.datacenters
            .filter((d) => inSet(names, d.name) && inSet(ids, d.id) && inSet(folders, d.parent))
            .map((d) => ({ datacenter: d.id, name: d.name }))));
        },
      },
      {
        method: 'GET', pattern: /^\/api\/vcenter\/datacenter\/([^/]+)$/,
        handle: ({ res }, m) => {
          const d = this.datacenter(decodeURIComponent(m[1]));
          if (!d) throw notFound('Datacenter', m[1]);
          sendJson(res, 200, {
            name: d.name, datastore_folder: d.datastoreFolder, host_folder: d.hostFolder,
            network_folder: d.networkFolder, vm_folder: d.vmFolder,
          });
        },
      },
      {
        method: 'GET', pattern: /^\/api\/vcenter\/datastore$/,
        handle: ({ res, url }) => {
          const names = queryList(url, 'names');
          const dcs = queryList(url, 'datacenters');
          const types = queryList(url, 'types');
          const ids = queryList(url, 'datastores');
          sendJson(res, 200, bounded('datastores', this.datastores
            .filter((d) => inSet(names, d.name) && inSet(dcs, d.datacenter) && inSet(types, d.type) && inSet(ids, d.id))
            .map((d) => ({ datastore: d.id, name: d.name, type: d.type, free_space: d.freeSpace, capacity: d.capacity }))));
        },
      },
      {
        method: 'GET', pattern: /^\/api\/vcenter\/datastore\/([^/]+)$/,
        handle: ({ res }, m) => {
          const d = this.datastore(decodeURIComponent(m[1]));
          if (!d) throw notFound('Datastore', m[1]);
          sendJson(res, 200, {
            name: d.name, type: d.type, accessible: true, free_space: d.freeSpace, capacity: d.capacity,
            multiple_host_access: true, thin_provisioning_supported: true,
          });
        },
      },
      {
        method: 'GET', pattern: /^\/api\/vcenter\/host$/,
        handle: ({ res, url }) => {
          const names = queryList(url, 'names');
          const dcs = queryList(url, 'datacenters');
          const ids = queryList(url, 'hosts');
          const states = queryList(url, 'connection_states');
          sendJson(res, 200, bounded('hosts', this.hosts
            .filter((h) => inSet(names, h.name) && inSet(dcs, h.datacenter) && inSet(ids, h.id) && inSet(states, h.connectionState))
            .map((h) => ({
              host: h.id, name: h.name, connection_state: h.connectionState,
              ...(h.connectionState === 'CONNECTED' ? { power_state: 'POWERED_ON' } : {}),
            }))));
        },
      },
      {
        method: 'GET', pattern: /^\/api\/vcenter\/network$/,
        handle: ({ res, url }) => {
          const names = queryList(url, 'names');
          const dcs = queryList(url, 'datacenters');
          const types = queryList(url, 'types');
          const ids = queryList(url, 'networks');
          sendJson(res, 200, bounded('networks', this.networks
            .filter((n) => inSet(names, n.name) && inSet(dcs, n.datacenter) && inSet(types, n.type) && inSet(ids, n.id))
            .map((n) => ({ network: n.id, name: n.name, type: n.type }))));
        },
      },
      {
        method: 'GET', pattern: /^\/api\/vcenter\/folder$/,
        handle: ({ res, url }) => {
          const names = queryList(url, 'names');
          const type = url.searchParams.get('type') ?? undefined;
          const dcs = queryList(url, 'datacenters');
          const ids = queryList(url, 'folders');
          // Folder.FilterSpec.parent_folders: "Folders that must contain the folder" (its parent).
          const parents = queryList(url, 'parent_folders');
          sendJson(res, 200, bounded('folders', this.folders
            .filter((f) => inSet(names, f.name) && (!type || f.type === type) && inSet(dcs, f.datacenter) && inSet(ids, f.id) && inSet(parents, f.parent))
            .map((f) => ({ folder: f.id, name: f.name, type: f.type }))));
        },
      },
      {
        method: 'GET', pattern: /^\/api\/content\/library$/,
        handle: ({ res }) => sendJson(res, 200, this.libraries.map((l) => l.id)),
      },
      {
        method: 'GET', pattern: /^\/api\/content\/library\/(?!item$)([^/]+)$/,
        handle: ({ res }, m) => {
          const l = this.libraries.find((x) => x.id === decodeURIComponent(m[1]));
          if (!l) throw notFound('Library', m[1]);
          sendJson(res, 200, { id: l.id, name: l.name, type: l.type, storage_backings: l.datastore ? [{ type: 'DATASTORE', datastore_id: l.datastore }] : [] });
        },
      },
      {
        method: 'GET', pattern: /^\/api\/content\/library\/item$/,
        handle: ({ res, url }) => {
          const lib = url.searchParams.get('library_id');
          if (!lib) throw new VapiError(400, 'INVALID_ARGUMENT', 'library_id is required.');
          if (!this.libraries.some((l) => l.id === lib)) throw notFound('Library', lib);
          sendJson(res, 200, this.libraryItems.filter((i) => i.libraryId === lib).map((i) => i.id));
        },
      },
      {
        method: 'GET', pattern: /^\/api\/content\/library\/item\/([^/]+)$/,
        handle: ({ res }, m) => {
          const i = this.libraryItems.find((x) => x.id === decodeURIComponent(m[1]));
          if (!i) throw notFound('Library item', m[1]);
          sendJson(res, 200, { id: i.id, name: i.name, library_id: i.libraryId, type: i.type, cached: true, description: i.description ?? '' });
        },
      },
      {
        method: 'POST', pattern: /^\/api\/content\/library\/item$/, action: 'find',
        handle: async (ctx) => {
          const spec = await ctx.json();
          const name = str(spec.name);
          const lib = str(spec.library_id);
          const type = str(spec.type);
          sendJson(ctx.res, 200, this.libraryItems
            .filter((i) => (!name || i.name.toLowerCase() === name.toLowerCase()) && (!lib || i.libraryId === lib) && (!type || i.type === type))
            .map((i) => i.id));
        },
      },
    ];
  }
}

function randomUuid(): string {
  return globalThis.crypto.randomUUID();
}
