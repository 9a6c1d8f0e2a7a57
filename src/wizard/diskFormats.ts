import type { ConnectorConfig, Layer } from '../domain/state';
import { DISK_FORMATS, DISK_FORMATS_BY_TYPE, type DiskFormat } from '../domain/vocabulary';
import type { ListedChoices } from './choices';

/** The packaging disk formats a connector accepts, its preferred one first (what an appliance lists for it, when it does). */
export function formatsOf(connector: ConnectorConfig, choices?: ListedChoices): readonly DiskFormat[] {
  const listed = choices?.diskFormats[connector.name];
  if (listed?.length) return listed;
  return (DISK_FORMATS_BY_TYPE[connector.type] as readonly DiskFormat[] | undefined) ?? DISK_FORMATS;
}

/**
 * The formats a hypervisor boots a packaging machine from, its own first: ESXi boots VMDK only,
 * Hyper-V VHDX (and VHD, generation 1), Azure and XenServer VHD, Nutanix AHV QCOW2 or raw.
 * AWS and other hypervisors import several, so no format is refused for them.
 */
const HYPERVISOR_FORMATS: Record<string, readonly DiskFormat[]> = {
  vsphere: ['vmdk'],
  hyperv: ['vhdx', 'vhd'],
  azure: ['vhd'],
  xenserver: ['vhd'],
  acropolis: ['qcow2', 'raw'],
};

/** The connector's formats that the hypervisor boots (all of them when it names none or none fit). */
export function formatsFor(connector: ConnectorConfig, hypervisor: string | undefined, choices?: ListedChoices): readonly DiskFormat[] {
  const formats = formatsOf(connector, choices);
  const boots = hypervisor ? HYPERVISOR_FORMATS[hypervisor] : undefined;
  if (!boots) return formats;
  const fit = boots.filter((f) => formats.includes(f));
  return fit.length ? fit : formats;
}

/** Why the hypervisor cannot boot the format, or null when it can (or elm cannot tell). */
export function formatMismatch(format: DiskFormat, hypervisor: string | undefined): string | null {
  const boots = hypervisor ? HYPERVISOR_FORMATS[hypervisor] : undefined;
  if (!boots || boots.includes(format)) return null;
  return `a ${hypervisor} packaging machine does not boot a ${format} disk; use ${boots.join(' or ')} (or pass the --hypervisor the disk is for)`;
}

/**
 * The format a packaging disk gets when none is given: the layer's previous version's when this
 * connector accepts it and the hypervisor boots it (a new version keeps its format), else the
 * hypervisor's own format, else the connector's first.
 */
export function defaultDiskFormat(connector: ConnectorConfig, existing?: Layer, hypervisor?: string, choices?: ListedChoices): DiskFormat {
  const formats = formatsFor(connector, hypervisor, choices);
  const previous = existing?.versions[existing.versions.length - 1];
  const kept = previous && previous.connector === connector.name ? (previous.packagingDisk.format as DiskFormat) : undefined;
  return kept && formats.includes(kept) ? kept : formats[0];
}
