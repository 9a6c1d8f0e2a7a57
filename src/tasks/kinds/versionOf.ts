import type { Layer, LayerVersion, State, Task } from '../../domain/state';

/** The layer and version a task works on. */
export function versionOf(state: State, task: Task): { layer: Layer; version: LayerVersion } {
  const layer = state.layers.find((l) => l.id === task.layerId);
  const version = layer?.versions.find((v) => v.name === task.version);
  if (!layer || !version) throw new Error(`task ${task.id}: layer ${task.layerId} version ${task.version} no longer exists`);
  return { layer, version };
}
