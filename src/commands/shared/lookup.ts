import { UsageError } from '../../domain/errors';
import type { ConnectorConfig, Layer, LayerVersion, State, Task } from '../../domain/state';
import { shellQuote } from '../../domain/shellQuote';
import { listSome } from '../../domain/listSome';

/** Finds a layer by name, else by id; the error lists what exists so the operator can pick. */
export function findLayer(state: State, ref: string): Layer {
  const layer = state.layers.find((l) => l.name === ref) ?? state.layers.find((l) => l.id === ref);
  if (!layer) {
    const known = state.layers.map((l) => l.name);
    throw new UsageError(`No layer named "${ref}"${known.length ? ` (layers: ${listSome(known)})` : ''}; see elm layer list.`);
  }
  return layer;
}

/**
 * The layer a command acts on: the one named, or, when none is named and exactly one layer has a
 * version in progress, that one.
 */
export function resolveLayer(state: State, ref: string | undefined): Layer {
  if (ref) return findLayer(state, ref);
  const inProgress = state.layers.filter((l) => l.versions.some((v) => v.state !== 'Deployable'));
  if (inProgress.length === 1) return inProgress[0];
  if (inProgress.length === 0) throw new UsageError('No layer has a version in progress; name the layer (elm layer list).');
  throw new UsageError(`Several layers have versions in progress (${listSome(inProgress.map((l) => l.name))}); name one.`);
}

/** --version, else the newest version that is not Deployable (the README's Conventions). */
export function resolveVersion(layer: Layer, version: string | undefined): LayerVersion {
  if (version !== undefined) {
    const v = layer.versions.find((x) => x.name === version);
    if (!v) throw new UsageError(`Layer "${layer.name}" has no version "${version}" (versions: ${listSome(layer.versions.map((x) => x.name))}).`);
    return v;
  }
  const open = [...layer.versions].reverse().find((v) => v.state !== 'Deployable');
  if (!open) throw new UsageError(`Every version of layer "${layer.name}" is Deployable; pass --version or add one with elm layer version add.`);
  return open;
}

/**
 * For commands that only read (disk status, machine status): the version resolveVersion takes,
 * or, when every version is Deployable (after finalize), the newest one.
 */
export function resolveVersionToRead(layer: Layer, version: string | undefined): LayerVersion {
  if (version !== undefined || layer.versions.some((v) => v.state !== 'Deployable')) return resolveVersion(layer, version);
  return layer.versions[layer.versions.length - 1];
}

export function findConnector(state: State, name: string): ConnectorConfig {
  const c = state.connectors.find((x) => x.name === name);
  if (!c) {
    const known = state.connectors.map((x) => x.name);
    throw new UsageError(
      `No connector named "${name}"${known.length ? ` (connectors: ${listSome(known)})` : ''}; add one with elm connector add fileshare --name ${shellQuote(name)}.`,
    );
  }
  return c;
}

export function findTask(state: State, id: string): Task {
  const t = state.tasks.find((x) => x.id === id);
  if (!t) throw new UsageError(`No task with id "${id}"; see elm task list --all.`);
  return t;
}

export function nextId(state: State): string {
  const id = String(state.nextId);
  state.nextId += 1;
  return id;
}
