import type { State } from '../../domain/state';

/** Makes `target` (the state being mutated) a copy of `source`, key by key. */
export function replaceState(target: State, source: State): void {
  const t = target as unknown as Record<string, unknown>;
  for (const k of Object.keys(t)) delete t[k];
  Object.assign(t, structuredClone(source));
}

/** Whether a state holds anything an operator made. */
export function hasContent(s: State): boolean {
  return s.connectors.length + s.osLayers.length + s.icons.length + s.layers.length + s.tasks.length > 0;
}

export function summary(s: State): string {
  return `${s.connectors.length} connectors, ${s.osLayers.length} OS layers, ${s.layers.length} layers, ${s.tasks.length} tasks`;
}
