/**
 * The appliance's objects in the shape of elm's state, so the read commands (layer list|show,
 * os-layer list, connector list, icon list) print the same JSON fields for the appliance as for
 * the local state. Only the parts a command asks for are fetched; per-layer details run a few
 * at a time.
 */
import { emptyState } from '../domain/emptyState';
import { MAX_LAYER_SIZE_GIB } from '../domain/rules';
import type { ConnectorConfig, Icon, Layer, LayerVersion, OsLayer, State } from '../domain/state';
import { CONNECTOR_TYPES, VERSION_STATES, type ConnectorType } from '../domain/vocabulary';
import { queryConnectorConfigs, queryIconIds, queryLayerDetails, queryOsLayers, queryPlatformLayers, revisionPurpose, type LayerDetails, type NamedItem, type Revision } from './operations';
import type { ApplianceSession } from './session';

export type SnapshotPart = 'layers' | 'osLayers' | 'connectors' | 'icons';

/** How many detail queries are in flight at once: the console's own pace, not a flood. */
const DETAIL_CONCURRENCY = 8;

export async function applianceSnapshot(session: ApplianceSession, url: URL, parts: SnapshotPart[]): Promise<State> {
  const state = emptyState();
  const want = new Set(parts);
  await session.open();
  await Promise.all([
    want.has('layers') && detailsOf(session, 'Platform', await queryPlatformLayers(session)).then((d) => (state.layers = d.map(toLayer))),
    want.has('osLayers') && detailsOf(session, 'Os', await queryOsLayers(session)).then((d) => (state.osLayers = d.map(toOsLayer))),
    want.has('connectors') && queryConnectorConfigs(session).then((c) => (state.connectors = c.map(toConnector))),
    want.has('icons') && queryIconIds(session).then((ids) => (state.icons = ids.map((id) => toIcon(id, url)))),
  ]);
  return state;
}

async function detailsOf(session: ApplianceSession, kind: 'Platform' | 'Os', items: NamedItem[]): Promise<LayerDetails[]> {
  const out: LayerDetails[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      const d = await queryLayerDetails(session, kind, items[i].id);
      out[i] = { ...d, name: d.name || items[i].name };
    }
  };
  await Promise.all(Array.from({ length: Math.min(DETAIL_CONCURRENCY, items.length) }, worker));
  return out;
}

/** The appliance's state name when elm knows it; the appliance's word otherwise (shown as it says it). */
function versionState(s: string): LayerVersion['state'] {
  return ((VERSION_STATES as readonly string[]).includes(s) ? s : s || 'Editing') as LayerVersion['state'];
}

/** A version as the appliance describes it; what it does not say (its connector, its disk) stays empty. */
function toVersion(r: Revision, osLayerName = ''): LayerVersion {
  return {
    name: r.name,
    description: '',
    state: versionState(r.state),
    maxSizeGiB: r.sizeMiB ? Math.ceil(r.sizeMiB / 1024) : MAX_LAYER_SIZE_GIB.default,
    osLayer: { name: osLayerName, version: '' },
    connector: '',
    platform: platformOf(r),
    recipes: [],
    packagingDisk: { name: '', format: 'vhd', location: null, sizeBytes: null },
    createTaskId: null,
    machine: null,
    integrity: null,
    artifact: null,
    createdAt: '',
  };
}

/** The platform types recorded on the version (none recorded reads as packaging). */
function platformOf(r: Revision): LayerVersion['platform'] {
  return { purpose: revisionPurpose(r) ?? 'packaging', hypervisor: r.hypervisor, provisioning: r.provisioning, broker: r.broker } as LayerVersion['platform'];
}

function toLayer(d: LayerDetails): Layer {
  return { id: d.id, name: d.name, description: d.description, icon: d.iconId, createdAt: '', versions: d.revisions.map((r) => toVersion(r, d.osLayerName)), audit: [] };
}

function toOsLayer(d: LayerDetails): OsLayer {
  return {
    id: d.id,
    name: d.name,
    createdAt: '',
    versions: d.revisions.map((r) => ({ name: r.name, disk: { location: '', format: 'vhd', sizeBytes: 0 }, ipv6: 'enabled', createdAt: '' })),
  };
}

function toConnector(c: NamedItem & { type: string }): ConnectorConfig {
  const lower = c.type.toLowerCase();
  const type = ((CONNECTOR_TYPES as readonly string[]).includes(lower) ? lower : c.type) as ConnectorType;
  return { id: c.id, name: c.name, type, createdAt: '', settings: {} };
}

/** The image of an icon (GetImage.ashx?id=, ctxal-sdk get-alicon.ps1). */
function toIcon(id: string, url: URL): Icon {
  return { id, name: `icon ${id}`, format: 'png', file: `${url.origin}/Unidesk.Web/GetImage.ashx?id=${encodeURIComponent(id)}`, importedAt: '' };
}
