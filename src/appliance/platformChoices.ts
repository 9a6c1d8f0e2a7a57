/**
 * What the appliance accepts for a platform layer, read from it rather than from elm's own lists:
 * its platform types (the Platform Types tab's dropdowns) and each connector configuration's
 * disk formats (the Packaging Disk tab's). An appliance that lists none of a kind falls back to
 * elm's list, so an older appliance still works.
 */
import type { DiskFormat } from '../domain/vocabulary';
import type { ListedChoices, PlatformKind, PlatformTypeNames } from '../wizard/choices';
import { children, child, text, textOf } from './envelope';
import type { ApplianceSession } from './session';

/** The WSDL's DiskFormat value of each of elm's formats (elm_client.go `type DiskFormat string`). */
export const WSDL_DISK_FORMATS: Record<DiskFormat, string> = { vhd: 'VhdDiskFormat', vhdx: 'VhdxDiskFormat', vmdk: 'VmdkDiskFormat', qcow2: 'QCow2DiskFormat', raw: 'RawDiskFormat' };

/** EntityType values of PlatformTypeSummary (elm_client.go `type EntityType string`). */
const KIND_OF_ENTITY: Record<string, PlatformKind> = {
  HypervisorPlatformType: 'hypervisor',
  ProvisioningPlatformType: 'provisioning',
  BrokerPlatformType: 'broker',
};

/**
 * QueryPlatformTypes with an empty PlatformTypesQuery (its Ids are optional: all types), answered
 * as PlatformTypesResult.PlatformTypes.PlatformTypeSummary (Id, Name, Description, WebId,
 * EntityType; elm_client.go). That Id is the value the CreatePlatformLayer commands' platform type
 * ids take is inferred: ctxal-sdk New-ALPlatformLayer.ps1's ValidateSet lists such ids.
 */
export async function queryPlatformTypes(s: ApplianceSession): Promise<PlatformTypeNames> {
  const result = await s.call({ operation: 'QueryPlatformTypes', wrapper: 'query', fields: {} });
  const types: PlatformTypeNames = { hypervisor: {}, provisioning: {}, broker: {} };
  for (const t of children(child(result, 'PlatformTypes'), 'PlatformTypeSummary')) {
    const kind = KIND_OF_ENTITY[textOf(t, 'EntityType')];
    const id = textOf(t, 'Id');
    if (kind && id) types[kind][id] = textOf(t, 'Name') || id;
  }
  return types;
}

/** A connector configuration's disk formats as the WSDL's DiskFormat values (VhdDiskFormat...). */
export interface ConnectorFormats {
  valid: string[];
  selected?: string;
}

/**
 * QueryPlatformConnectorConfig with Features Create (ctxal-sdk get-alconnector.ps1 -type Create):
 * Configurations.PlatformConnectorConfig with ValidDiskFormats.DiskFormat and SelectedDiskFormat
 * (elm_client.go; the SDK's examples pass $connector.ValidDiskFormats.DiskFormat as the format).
 * Keyed by the configuration's Id.
 */
export async function queryConnectorFormats(s: ApplianceSession): Promise<Map<string, ConnectorFormats>> {
  const result = await s.call({ operation: 'QueryPlatformConnectorConfig', wrapper: 'query', fields: { Features: 'Create' } });
  const formats = new Map<string, ConnectorFormats>();
  for (const c of children(child(result, 'Configurations'), 'PlatformConnectorConfig')) {
    const valid = children(child(c, 'ValidDiskFormats'), 'DiskFormat').map(text).filter(Boolean);
    formats.set(textOf(c, 'Id'), { valid, selected: textOf(c, 'SelectedDiskFormat') || undefined });
  }
  return formats;
}

/** elm's names of the formats a connector configuration lists (formats elm cannot write are left out). */
export function elmFormatsOf(formats: Partial<ConnectorFormats> | undefined): DiskFormat[] {
  const byWsdl = new Map(Object.entries(WSDL_DISK_FORMATS).map(([elm, wsdl]) => [wsdl, elm as DiskFormat]));
  return (formats?.valid ?? []).flatMap((f) => byWsdl.get(f) ?? []);
}

/** The wizard's dropdowns from the appliance: its platform types, each connector's formats by name. */
export async function listedChoices(s: ApplianceSession, connectors: { id: string; name: string }[]): Promise<ListedChoices> {
  const [platformTypes, formats] = await Promise.all([queryPlatformTypes(s), queryConnectorFormats(s)]);
  return { platformTypes, diskFormats: Object.fromEntries(connectors.map((c) => [c.name, elmFormatsOf(formats.get(c.id))])) };
}
