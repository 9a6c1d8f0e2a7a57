import type { ConnectorType } from '../domain/vocabulary';

/**
 * The connectors whose finalize writes the layer disk into the layer repository on this machine
 * (fileshare: finalizeFromShare; vsphere: the extent downloaded from the datastore). The others
 * keep the layer disk on their platform, so where the finalize runs does not matter to them.
 */
const CAPTURE_INTO_REPOSITORY: readonly ConnectorType[] = ['fileshare', 'vsphere'];

export function capturesIntoRepository(type: ConnectorType | undefined): boolean {
  return type !== undefined && CAPTURE_INTO_REPOSITORY.includes(type);
}
