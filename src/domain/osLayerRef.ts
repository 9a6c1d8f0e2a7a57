/** OS layers by name, and `name@version` references to one of their versions (flags, specs, the wizard). */
import { UsageError } from './errors';
import { listSome } from './listSome';
import type { OsLayer, OsLayerVersion, State } from './state';

export function findOsLayer(state: State, name: string): OsLayer {
  const os = state.osLayers.find((x) => x.name === name) ?? state.osLayers.find((x) => x.id === name);
  if (!os) {
    const known = state.osLayers.map((x) => x.name);
    throw new UsageError(`No OS layer named "${name}"${known.length ? ` (OS layers: ${listSome(known)})` : ''}; import one with elm os-layer import.`);
  }
  return os;
}

/** `name` or `name@version`; without a version, the newest. */
export function resolveOsLayerRef(state: State, ref: string): { layer: OsLayer; version: OsLayerVersion } {
  const at = ref.lastIndexOf('@');
  const name = at > 0 ? ref.slice(0, at) : ref;
  const versionName = at > 0 ? ref.slice(at + 1) : undefined;
  const os = findOsLayer(state, name);
  if (versionName === undefined) return { layer: os, version: os.versions[os.versions.length - 1] };
  const version = os.versions.find((v) => v.name === versionName);
  if (!version) throw new UsageError(`OS layer "${os.name}" has no version "${versionName}" (versions: ${listSome(os.versions.map((v) => v.name))}).`);
  return { layer: os, version };
}
