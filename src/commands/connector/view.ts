import type { ConnectorConfig } from '../../domain/state';

/** What `connector list/show --json` print: the stored config, which by construction holds no secret. */
export function connectorView(c: ConnectorConfig) {
  return { id: c.id, name: c.name, type: c.type, createdAt: c.createdAt, ...c.settings };
}
