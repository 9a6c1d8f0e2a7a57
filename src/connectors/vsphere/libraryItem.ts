/**
 * Publishing to a vSphere content library: the library found by name, its items by name, a VM
 * template item made from the template VM elm creates (POST /api/vcenter/vm-template/library-items:
 * "a library item in content library whose content is a virtual machine template created from
 * the source virtual machine"), and deleting an item by its recorded id.
 *
 * The item's description carries this publish's token: after a kill -9 lost vCenter's answer,
 * the item is found again by its name and that token, never by its name alone.
 */
import { ElmError } from '../../domain/errors';
import { resolvePlacement } from './inventory';
import type { VsphereScope } from './scope';
import type { VsphereSession } from './session';

export interface LibraryInfo {
  id: string;
  name: string;
  /** Content Library LibraryModel.type: LOCAL takes items; SUBSCRIBED is filled by its sync only. */
  type: string;
}

const itemPath = (id: string) => `/api/content/library/item/${encodeURIComponent(id)}`;

async function libraries(s: VsphereSession): Promise<LibraryInfo[]> {
  const ids = await s.get<string[]>('/api/content/library');
  const out: LibraryInfo[] = [];
  for (const id of ids ?? []) {
    const l = await s.get<{ name: string; type: string }>(`/api/content/library/${encodeURIComponent(id)}`);
    out.push({ id, name: l.name, type: l.type });
  }
  return out;
}

/** The library named `name` (names as vCenter spells them), else null with every library's name for the error. */
export async function findLibrary(scope: VsphereScope, name: string): Promise<{ library: LibraryInfo | null; names: string[] }> {
  return scope.session(async (s) => {
    const all = await libraries(s);
    return { library: all.find((l) => l.name === name) ?? null, names: all.map((l) => l.name) };
  });
}

interface ItemInfo {
  id: string;
  name: string;
  description: string;
}

/** Items of the library with that name (FindSpec.name matches case-insensitively, as vCenter compares item names). */
async function itemsNamed(s: VsphereSession, libraryId: string, name: string): Promise<ItemInfo[]> {
  const ids = await s.post<string[]>('/api/content/library/item', { name, library_id: libraryId }, { query: { action: 'find' }, idempotent: true });
  const out: ItemInfo[] = [];
  for (const id of ids ?? []) {
    const r = await s.call<{ name: string; description?: string }>('GET', itemPath(id), { accept: [404] });
    if (r.status !== 404) out.push({ id, name: r.value.name, description: r.value.description ?? '' });
  }
  return out;
}

/** The item of that name in the library (an operator's or elm's), or null. */
export async function libraryItemNamed(scope: VsphereScope, libraryId: string, name: string): Promise<{ id: string } | null> {
  return scope.session(async (s) => {
    const [hit] = await itemsNamed(s, libraryId, name);
    return hit ? { id: hit.id } : null;
  });
}

const marker = (token: string) => `elm publish ${token}`;

/** The item of that name this publish made (its description carries the token), or null. */
export async function libraryItemOfPublish(scope: VsphereScope, libraryId: string, name: string, token: string): Promise<string | null> {
  return scope.session(async (s) => (await itemsNamed(s, libraryId, name)).find((i) => i.description.includes(marker(token)))?.id ?? null);
}

/**
 * The VM template item, copied by vCenter from `sourceVm` into the library's storage. An item of
 * the name this publish made is adopted (a run killed while vCenter made it); any other is refused.
 * The create has no task form here, so the request waits as long as a copy takes (`timeoutMs`).
 */
export async function createLibraryTemplate(
  scope: VsphereScope,
  spec: { sourceVm: string; name: string; library: { id: string; name: string }; token: string; description: string },
  timeoutMs: number,
): Promise<string> {
  return scope.session(async (s) => {
    const existing = await itemsNamed(s, spec.library.id, spec.name);
    const ours = existing.find((i) => i.description.includes(marker(spec.token)));
    if (ours) return ours.id;
    if (existing.length)
      throw new ElmError(`An item named "${spec.name}" appeared in content library ${spec.library.name} (${existing[0].id}) while elm published; elm leaves it alone: publish again under another --template-name.`);
    const p = await resolvePlacement(s, scope.settings, false);
    return s.post<string>(
      '/api/vcenter/vm-template/library-items',
      {
        source_vm: spec.sourceVm,
        name: spec.name,
        library: spec.library.id,
        description: `${spec.description} (${marker(spec.token)})`,
        placement: { folder: p.folder.id, host: p.host.id },
      },
      { timeoutMs },
    );
  });
}

/** Deletes a library item by its recorded id (its VM template's files go with it). Gone already: false. */
export async function deleteLibraryItem(scope: VsphereScope, id: string): Promise<boolean> {
  return scope.session(async (s) => (await s.call('DELETE', itemPath(id), { accept: [404] })).status !== 404);
}
