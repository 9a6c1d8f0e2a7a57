/**
 * What the fake appliance accepts for a platform layer: its platform types (QueryPlatformTypes)
 * and each connector configuration's disk formats (QueryPlatformConnectorConfig), and the
 * refusals of a CreatePlatformLayer(Revision) that names others. Sources beside each rule.
 */
import { applicationError } from './envelope';
import { PLATFORM_TYPE_IDS } from './operations';

export interface PlatformType {
  id: string;
  name: string;
  /** elm_client.go `type EntityType string`: the kind of platform type. */
  entityType: 'HypervisorPlatformType' | 'ProvisioningPlatformType' | 'BrokerPlatformType';
}

export interface FakeConnector {
  id: string;
  name: string;
  type: string;
  /** The WSDL's DiskFormat values it accepts (PlatformConnectorConfig.ValidDiskFormats). */
  diskFormats?: string[];
  selectedDiskFormat?: string;
}

/** The appliance's stock platform types: ctxal-sdk New-ALPlatformLayer.ps1's ValidateSet ids (their names are inferred). */
export const DEFAULT_PLATFORM_TYPES: PlatformType[] = [
  ...PLATFORM_TYPE_IDS.hypervisor.map((id) => ({ id, name: `Hypervisor ${id}`, entityType: 'HypervisorPlatformType' as const })),
  ...PLATFORM_TYPE_IDS.provisioning.map((id) => ({ id, name: `Provisioning ${id}`, entityType: 'ProvisioningPlatformType' as const })),
  ...PLATFORM_TYPE_IDS.broker.map((id) => ({ id, name: `Broker ${id}`, entityType: 'BrokerPlatformType' as const })),
];

/**
 * The formats a connector configuration of a type accepts when a test names none. Inferred: the
 * formats each platform boots (vSphere VMDK, Azure VHD, Hyper-V VHDX or VHD, Nutanix QCOW2 or raw;
 * a file share any); the WSDL only says each configuration lists its ValidDiskFormats. The type
 * names are the fake's own.
 */
export function diskFormatsOf(c: FakeConnector): string[] {
  if (c.diskFormats) return c.diskFormats;
  const byType: Record<string, string[]> = {
    vsphere: ['VmdkDiskFormat'],
    azure: ['VhdDiskFormat'],
    hyperv: ['VhdxDiskFormat', 'VhdDiskFormat'],
    nutanix: ['QCow2DiskFormat', 'RawDiskFormat'],
  };
  return byType[c.type.toLowerCase()] ?? ['VhdDiskFormat', 'VhdxDiskFormat', 'VmdkDiskFormat', 'QCow2DiskFormat', 'RawDiskFormat'];
}

/** PlatformTypesResult.PlatformTypes.PlatformTypeSummary (Id, Name, Description, WebId, EntityType; elm_client.go). */
export function platformTypesAnswer(types: PlatformType[]): Record<string, unknown> {
  return { PlatformTypes: { PlatformTypeSummary: types.map((t) => ({ Id: t.id, Name: t.name, Description: '', WebId: t.id, EntityType: t.entityType })) } };
}

/** PlatformConnectorConfigResult.Configurations.PlatformConnectorConfig (elm_client.go; ctxal-sdk get-alconnector.ps1 reads it). */
export function connectorConfigsAnswer(connectors: FakeConnector[]): Record<string, unknown> {
  return {
    Configurations: {
      PlatformConnectorConfig: connectors.map((c) => ({
        Id: c.id,
        Name: c.name,
        PlatformName: c.type,
        ValidDiskFormats: { DiskFormat: diskFormatsOf(c) },
        ...(c.selectedDiskFormat ? { SelectedDiskFormat: c.selectedDiskFormat } : {}),
      })),
    },
  };
}

const KIND_FIELDS: [string, PlatformType['entityType']][] = [
  ['HypervisorPlatformTypeId', 'HypervisorPlatformType'],
  ['ProvisioningPlatformTypeId', 'ProvisioningPlatformType'],
  ['BrokerPlatformTypeId', 'BrokerPlatformType'],
];

/**
 * A create command's platform type ids and packaging disk format checked against what the
 * appliance lists. The WSDL types the ids as strings and DiskFormat as an enumeration; that the
 * appliance refuses an id it does not list (ItemNotFound) or a format the connector configuration
 * does not accept (InvalidArgument) is inferred: the console offers only those.
 */
export function platformRefusal(f: Record<string, string>, types: PlatformType[], connector: FakeConnector): Record<string, unknown> | undefined {
  for (const [field, entityType] of KIND_FIELDS) {
    const id = f[field];
    if (id !== undefined && !types.some((t) => t.id === id && t.entityType === entityType)) return applicationError('ItemNotFound', `Platform type '${id}' was not found.`);
  }
  if (!diskFormatsOf(connector).includes(f.PackagingDiskFormat))
    return applicationError('InvalidArgument', `The connector configuration '${connector.name}' does not accept the disk format ${f.PackagingDiskFormat}.`);
  return undefined;
}
