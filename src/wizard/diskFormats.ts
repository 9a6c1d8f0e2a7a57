import type { ConnectorConfig, Layer } from '../domain/state';
import { DISK_FORMATS_BY_TYPE, type DiskFormat } from '../domain/vocabulary';

/** The packaging disk formats a connector accepts, its preferred one first. */
export function formatsOf(connector: ConnectorConfig): readonly DiskFormat[] {
  return DISK_FORMATS_BY_TYPE[connector.type] as readonly DiskFormat[];
}

/**
 * The format a packaging disk gets when none is given: the layer's previous version's when this
 * connector accepts it (a new version keeps its hypervisor's format), else the connector's first.
 */
export function defaultDiskFormat(connector: ConnectorConfig, existing?: Layer): DiskFormat {
  const formats = formatsOf(connector);
  const previous = existing?.versions[existing.versions.length - 1];
  const kept = previous && previous.connector === connector.name ? (previous.packagingDisk.format as DiskFormat) : undefined;
  return kept && formats.includes(kept) ? kept : formats[0];
}
