import type { Layer, LayerVersion } from '../../domain/state';

export function versionJson(v: LayerVersion) {
  return {
    name: v.name,
    state: v.state,
    description: v.description,
    maxSizeGiB: v.maxSizeGiB,
    osLayer: v.osLayer,
    connector: v.connector,
    platform: v.platform,
    recipes: v.recipes,
    packagingDisk: v.packagingDisk,
    createTaskId: v.createTaskId,
    machine: v.machine,
    integrity: v.integrity,
    artifact: v.artifact,
    createdAt: v.createdAt,
  };
}

/** `layer show --json` (DESIGN.md §4): id, name, versions with packagingDisk, audit. */
export function layerJson(l: Layer) {
  return { id: l.id, name: l.name, description: l.description, icon: l.icon, createdAt: l.createdAt, versions: l.versions.map(versionJson), audit: l.audit };
}
