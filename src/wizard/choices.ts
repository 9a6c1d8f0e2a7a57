/**
 * What an appliance lists for the wizard's dropdowns (--appliance), in place of elm's own lists:
 * its platform types and each connector configuration's disk formats. Absent in the local mode,
 * where elm's vocabulary is the list.
 */
import { BROKERS, HYPERVISORS, PROVISIONING_SERVICES, type DiskFormat } from '../domain/vocabulary';

export type PlatformKind = 'hypervisor' | 'provisioning' | 'broker';

/** Per kind, platform type ids and the names the console shows for them. */
export type PlatformTypeNames = Record<PlatformKind, Record<string, string>>;

export interface ListedChoices {
  platformTypes: PlatformTypeNames;
  /** By connector name: the formats its configuration accepts (a connector not listed: elm's rules). */
  diskFormats: Record<string, DiskFormat[]>;
}

export const ELM_PLATFORM_TYPES: PlatformTypeNames = { hypervisor: HYPERVISORS, provisioning: PROVISIONING_SERVICES, broker: BROKERS };

/** The platform types of a kind to offer and accept: the listed ones, or elm's when none are listed. */
export function platformTable(kind: PlatformKind, choices?: ListedChoices): Record<string, string> {
  const listed = choices?.platformTypes[kind];
  return listed && Object.keys(listed).length > 0 ? listed : ELM_PLATFORM_TYPES[kind];
}
