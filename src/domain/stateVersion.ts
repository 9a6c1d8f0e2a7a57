/** The schema version this elm writes; kept apart from the zod schemas so reading need not load zod. */
export const STATE_SCHEMA_VERSION = 1;
