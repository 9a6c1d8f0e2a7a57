import type { State } from './state';
import { STATE_SCHEMA_VERSION } from './stateVersion';

/** The state of a home where nothing was recorded yet. */
export function emptyState(): State {
  return { schemaVersion: STATE_SCHEMA_VERSION, nextId: 1, connectors: [], osLayers: [], icons: [], layers: [], tasks: [] };
}
