import type { State } from './state';

/** The schema version this elm writes; kept apart from the zod schemas so reading need not load zod. */
export const STATE_SCHEMA_VERSION = 1;

export function emptyState(): State {
  return { schemaVersion: STATE_SCHEMA_VERSION, nextId: 1, connectors: [], osLayers: [], icons: [], layers: [], tasks: [] };
}
