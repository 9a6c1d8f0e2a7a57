/**
 * Inventory lookups by name, as the configuration gives them: datacenter, datastore, host,
 * network, VM folder, and the template (a VM to clone, or a VM template in a content library).
 * Names are case-sensitive, as in the vSphere Client; a name that differs only in case is
 * reported with the right spelling.
 */
import { ElmError } from '../../domain/errors';
import { VsphereError } from './http';
import type { VsphereSession } from './session';
import type { VsphereSettings } from './settings';

export interface Named {
  id: string;
  name: string;
}
export interface DatastoreInfo extends Named {
  type?: string;
  freeSpace?: number;
  capacity?: number;
}
export interface HostInfo extends Named {
  connectionState?: string;
}
export interface NetworkInfo extends Named {
  type: string;
}
export type TemplateRef = (Named & { kind: 'vm' }) | (Named & { kind: 'library' });

export interface Placement {
  datacenter: Named;
  datastore: DatastoreInfo;
  host: HostInfo;
  network: NetworkInfo;
  folder: Named;
  template: TemplateRef | null;
}

type Kind = 'datacenter' | 'datastore' | 'host' | 'network' | 'folder' | 'vm';

const LABEL: Record<Kind, string> = { datacenter: 'datacenter', datastore: 'datastore', host: 'host', network: 'network', folder: 'VM folder', vm: 'virtual machine' };

/** The result of a lookup: the one match, or why there is none. */
export type Lookup<T> = { ok: true; item: T } | { ok: false; why: string };

async function list(s: VsphereSession, kind: Kind, query: Record<string, string | undefined>): Promise<Record<string, unknown>[]> {
  return s.get<Record<string, unknown>[]>(`/api/vcenter/${kind}`, query);
}

/**
 * A list only for a hint after a miss: vCenter answers at most 1000 items per list call (more is
 * an UNABLE_TO_ALLOCATE_RESOURCE error, not a short list), so on a large inventory there is
 * simply no hint rather than a failed lookup.
 */
async function listForHint(s: VsphereSession, kind: Kind, query: Record<string, string | undefined>): Promise<Record<string, unknown>[]> {
  try {
    return await list(s, kind, query);
  } catch (e) {
    if (isListLimit(e)) return [];
    throw e;
  }
}

/** vCenter's answer to a list call that matches more items than it returns. */
export function isListLimit(e: unknown): boolean {
  return e instanceof VsphereError && e.errorType === 'UNABLE_TO_ALLOCATE_RESOURCE';
}

/** Names shown after a miss, at most. */
const HINT_NAMES = 10;

/**
 * Finds exactly one `kind` named `name` (in `datacenter` when given). None: says so, and offers
 * the spelling that differs only in case when there is one. Several: ambiguous.
 */
export async function lookup(s: VsphereSession, kind: Kind, name: string, scope: { datacenter?: Named; extra?: Record<string, string> } = {}): Promise<Lookup<Record<string, unknown>>> {
  const base = { ...(scope.datacenter ? { datacenters: scope.datacenter.id } : {}), ...(scope.extra ?? {}) };
  const found = (await list(s, kind, { ...base, names: name })).filter((x) => x.name === name);
  const where = scope.datacenter ? ` in datacenter ${scope.datacenter.name}` : '';
  if (found.length === 1) return { ok: true, item: found[0] };
  if (found.length > 1) return { ok: false, why: `${found.length} ${LABEL[kind]}s are named "${name}"${where}; rename one so the name is unique` };
  const all = await listForHint(s, kind, base);
  const near = all.map((x) => String(x.name)).filter((n) => n.toLowerCase() === name.toLowerCase());
  const hint = near.length
    ? `; names are case-sensitive: did you mean "${near[0]}"?`
    : all.length && all.length <= HINT_NAMES
      ? ` (there are: ${all.map((x) => `"${String(x.name)}"`).join(', ')})`
      : '';
  return { ok: false, why: `no ${LABEL[kind]} named "${name}"${where}${hint}` };
}

function need<T>(l: Lookup<T>, flag: string): T {
  if (!l.ok) throw new ElmError(`vSphere ${flag}: ${l.why}. Fix the connector configuration (elm connector test shows every check).`);
  return l.item;
}

export async function findDatacenter(s: VsphereSession, name: string): Promise<Lookup<Named>> {
  const l = await lookup(s, 'datacenter', name);
  return l.ok ? { ok: true, item: { id: String(l.item.datacenter), name } } : l;
}

export async function findDatastore(s: VsphereSession, dc: Named, name: string): Promise<Lookup<DatastoreInfo>> {
  const l = await lookup(s, 'datastore', name, { datacenter: dc });
  if (!l.ok) return l;
  const x = l.item;
  return { ok: true, item: { id: String(x.datastore), name, type: x.type as string | undefined, freeSpace: x.free_space as number | undefined, capacity: x.capacity as number | undefined } };
}

export async function findHost(s: VsphereSession, dc: Named, name: string): Promise<Lookup<HostInfo>> {
  const l = await lookup(s, 'host', name, { datacenter: dc });
  if (!l.ok) return l;
  const state = l.item.connection_state as string | undefined;
  if (state && state !== 'CONNECTED') return { ok: false, why: `host "${name}" is ${state}, not CONNECTED` };
  return { ok: true, item: { id: String(l.item.host), name, connectionState: state } };
}

export async function findNetwork(s: VsphereSession, dc: Named, name: string): Promise<Lookup<NetworkInfo>> {
  const l = await lookup(s, 'network', name, { datacenter: dc });
  return l.ok ? { ok: true, item: { id: String(l.item.network), name, type: String(l.item.type) } } : l;
}

export async function findFolder(s: VsphereSession, dc: Named, name: string): Promise<Lookup<Named>> {
  const l = await lookup(s, 'folder', name, { datacenter: dc, extra: { type: 'VIRTUAL_MACHINE' } });
  return l.ok ? { ok: true, item: { id: String(l.item.folder), name } } : l;
}

/**
 * The template: a (powered-off) VM to clone, else a VM template in a content library. Templates
 * "marked as template" in the inventory are not reachable through the REST API: the error says so.
 */
export async function findTemplate(s: VsphereSession, dc: Named, name: string): Promise<Lookup<TemplateRef>> {
  const vms = (await list(s, 'vm', { datacenters: dc.id, names: name })).filter((x) => x.name === name);
  if (vms.length === 1) return { ok: true, item: { kind: 'vm', id: String(vms[0].vm), name } };
  if (vms.length > 1) return { ok: false, why: `${vms.length} virtual machines are named "${name}"; rename one so the template is unique` };
  const items = await s.post<string[]>('/api/content/library/item', { name, type: 'vm-template' }, { query: { action: 'find' }, idempotent: true });
  const exact: Named[] = [];
  let other: string | undefined;
  for (const id of items ?? []) {
    const item = await s.get<{ name: string }>(`/api/content/library/item/${encodeURIComponent(id)}`);
    if (item.name === name) exact.push({ id, name });
    else other = item.name;
  }
  if (exact.length === 1) return { ok: true, item: { kind: 'library', ...exact[0] } };
  if (exact.length > 1) return { ok: false, why: `${exact.length} content library templates are named "${name}"` };
  const vmNear = (await listForHint(s, 'vm', { datacenters: dc.id })).map((x) => String(x.name)).find((n) => n.toLowerCase() === name.toLowerCase());
  const near = vmNear ?? other;
  return {
    ok: false,
    why: `no virtual machine or content library VM template named "${name}" in datacenter ${dc.name}${near ? `; names are case-sensitive: did you mean "${near}"?` : ' (an inventory VM "marked as template" is not reachable through the vSphere REST API: convert it to a VM or put it in a content library)'}`,
  };
}

/** Every object the configuration names, or an error naming the first missing one. */
export async function resolvePlacement(s: VsphereSession, settings: VsphereSettings, withTemplate = true): Promise<Placement> {
  const datacenter = need(await findDatacenter(s, settings.datacenter), '--datacenter');
  const datastore = need(await findDatastore(s, datacenter, settings.datastore), '--datastore');
  const host = need(await findHost(s, datacenter, settings.host), '--host');
  const network = need(await findNetwork(s, datacenter, settings.network), '--network');
  const folder = need(await findFolder(s, datacenter, settings.folder), '--folder');
  const template = withTemplate && settings.template ? need(await findTemplate(s, datacenter, settings.template), '--template') : null;
  return { datacenter, datastore, host, network, folder, template };
}
