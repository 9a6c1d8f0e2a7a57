/**
 * The request shapes the fake accepts: for each operation elm uses, its one wrapper element and the
 * fields inside it with their XML Schema types. An operation not listed here is answered as ASMX
 * answers an unknown SOAPAction; a field not listed, of the wrong type or missing when required is
 * a SOAP fault (see envelope.ts).
 */
/**
 * `xsiType`: an empty element whose xsi:type attribute names one of `types`; `longArray`: an
 * ArrayOfLong (`<long>` children); `enum`: a string restricted to `values` (an xs:enumeration);
 * `struct`: a complex type whose children follow `fields` (read as "Parent.Child" fields).
 */
export type FieldType = 'string' | 'boolean' | 'long' | 'int' | 'xsiType' | 'longArray' | 'enum' | 'struct';

export interface FieldRule {
  type: FieldType;
  required?: boolean;
  /** For xsiType: the derived types the WSDL allows. */
  types?: string[];
  /** For enum: the values the xs:enumeration lists. */
  values?: readonly string[];
  /** For struct: its elements. */
  fields?: Record<string, FieldRule>;
}

/** elm_client.go `type DiskFormat string` and its constants (the WSDL's enumeration). */
export const DISK_FORMAT_VALUES = ['UnknownDiskFormat', 'VhdDiskFormat', 'VhdxDiskFormat', 'VmdkDiskFormat', 'VmdkSparseDiskFormat', 'QCow2DiskFormat', 'PhysicalBoot', 'Physical', 'RawDiskFormat'] as const;

/**
 * The stock platform type ids: ctxal-sdk Public/New-ALPlatformLayer.ps1's ValidateSet for
 * -HypervisorPlatformTypeId, -ProvisioningPlatformTypeId and -BrokerPlatformTypeId. The WSDL types
 * the ids as plain strings; the fake refuses one its QueryPlatformTypes does not list
 * (platformChoices.ts).
 */
export const PLATFORM_TYPE_IDS = {
  hypervisor: ['aws', 'xenserver', 'azure', 'hyperv', 'acropolis', 'vsphere', 'otherHypervisor'],
  provisioning: ['pvs', 'mcs', 'viewcomposer', 'otherProvisioning'],
  broker: ['xenapp', 'xendesktop', 'azurerdsh', 'rds', 'view', 'otherBroker'],
} as const;

// elm_client.go `type LayerInfo struct` (Name, Folder, Description string; IconId int64).
const LAYER_INFO: FieldRule = {
  type: 'struct',
  fields: { Name: { type: 'string', required: true }, Folder: { type: 'string' }, Description: { type: 'string' }, IconId: { type: 'long' } },
};
// elm_client.go `type LayerRevisionInfo struct` (Name, Description, ScriptPath string; LayerSizeMiB int32).
const REVISION_INFO: FieldRule = {
  type: 'struct',
  fields: { Name: { type: 'string', required: true }, Description: { type: 'string' }, ScriptPath: { type: 'string' }, LayerSizeMiB: { type: 'int', required: true } },
};
// elm_client.go `type ChangeSpecification struct` (Description string; ReferenceNumber int32).
const REASON: FieldRule = { type: 'struct', fields: { Description: { type: 'string' }, ReferenceNumber: { type: 'int' } } };

export interface OperationRule {
  wrapper: 'command' | 'query';
  fields: Record<string, FieldRule>;
}

export const OPERATIONS: Record<string, OperationRule> = {
  // elm_client.go `type Login struct` (Command *LoginCommand `xml:"command"`) and `type LoginCommand
  // struct` (UserName, Password, Culture string; RememberMe bool). UserName and Password being
  // required is inferred: the appliance cannot log in without them.
  Login: {
    wrapper: 'command',
    fields: { UserName: { type: 'string', required: true }, Password: { type: 'string', required: true }, Culture: { type: 'string' }, RememberMe: { type: 'boolean' } },
  },
  // ctxal-sdk Public/get-alSysteminfo.ps1: <query><IncludeNetworkInfo>false</IncludeNetworkInfo></query>.
  QueryManagementApplianceDetailsWithParam: { wrapper: 'query', fields: { IncludeNetworkInfo: { type: 'boolean' } } },
  // ctxal-sdk Public/get-alremoteshare.ps1: an empty <query/>.
  QueryRemoteFileShares: { wrapper: 'query', fields: {} },
  // elm_client.go soap_helpers.go GetPlatformConnectorConfigId sends an empty PlatformConnectorConfigSummaryQuery.
  QueryPlatformConnectorConfigSummary: { wrapper: 'query', fields: {} },
  // elm_client.go `type PlatformConnectorConfigQuery struct` (Features *PlatformConnectorFeatures, a flags
  // type gowsdl renders without values); ctxal-sdk get-alconnector.ps1 sends <Features>Create</Features> or
  // Publish, get-alconnectortype.ps1 None. Those three as the values is inferred.
  QueryPlatformConnectorConfig: { wrapper: 'query', fields: { Features: { type: 'enum', values: ['None', 'Create', 'Publish'] } } },
  // elm_client.go `type PlatformTypesQuery struct` (Ids *ArrayOfString, optional: all types without it).
  QueryPlatformTypes: { wrapper: 'query', fields: { Ids: { type: 'struct', fields: { string: { type: 'string' } } } } },
  // ctxal-sdk Public/get-aloslayer.ps1 and get-alplatformlayer.ps1: <ResourceFarmId>0</ResourceFarmId><Filter/>;
  // soap_helpers.go GetOsLayerId sends OsLayersQuery{Filter}. ResourceFarmId as xsd:long is inferred from the "Id" fields' int64.
  QueryOsLayers: { wrapper: 'query', fields: { ResourceFarmId: { type: 'long' }, Filter: { type: 'string' } } },
  QueryPlatformLayers: { wrapper: 'query', fields: { ResourceFarmId: { type: 'long' }, Filter: { type: 'string' } } },
  // elm_client.go `type QueryPlatformLayerDetails struct` (Query *LayerDetailsQuery) and soap_helpers.go
  // (LayerDetailsQuery{Id: int64}); ctxal-sdk get-alplatformlayerDetail.ps1 / get-aloslayerdetail.ps1: <query><Id>.
  QueryPlatformLayerDetails: { wrapper: 'query', fields: { Id: { type: 'long', required: true } } },
  QueryOsLayerDetails: { wrapper: 'query', fields: { Id: { type: 'long', required: true } } },
  // ctxal-sdk get-alicon.ps1: an empty <query/>.
  QueryLayerIcons: { wrapper: 'query', fields: {} },
  // soap_helpers.go queryWorkTicketByFilter: <query><Filter xsi:type="WorkTicketsQueryByActiveFilter"/></query>
  // (or ...ByCompletedFilter); elm_client.go WorkTicketsQuery{Filter *WorkTicketsQueryFilter}.
  QueryWorkTicketsAsPendingOp: {
    wrapper: 'query',
    fields: { Filter: { type: 'xsiType', required: true, types: ['WorkTicketsQueryByActiveFilter', 'WorkTicketsQueryByCompletedFilter'] } },
  },
  // ctxal-sdk stop-alworkticket.ps1: <command><WorkTicketIds><long>ID</long></WorkTicketIds><Force>false</Force></command>.
  CancelWorkTickets: { wrapper: 'command', fields: { WorkTicketIds: { type: 'longArray', required: true }, Force: { type: 'boolean' } } },
  // elm_client.go `type CreatePlatformLayer struct` (Command `xml:"command"`), `type CreatePlatformLayerCommand
  // struct` (the embedded CreateLayerCommand's OsLayerRevisionId int64, LayerInfo, RevisionInfo,
  // SelectedFileShare int64, PackagingDiskFilename string, PackagingDiskFormat DiskFormat, Reason,
  // PlatformConnectorConfigId string; then HypervisorPlatformTypeId, ProvisioningPlatformTypeId,
  // BrokerPlatformTypeId string). ctxal-sdk New-ALPlatformLayer.ps1 also sends PlatformLayerRevisionId and
  // OsLayerSwitching, which belong to CreateApplicationLayerCommand, not to this type: refused here.
  // Which fields are required is inferred from what both clients always send.
  CreatePlatformLayer: {
    wrapper: 'command',
    fields: {
      OsLayerRevisionId: { type: 'long', required: true },
      LayerInfo: { ...LAYER_INFO, required: true },
      RevisionInfo: { ...REVISION_INFO, required: true },
      SelectedFileShare: { type: 'long', required: true },
      PackagingDiskFilename: { type: 'string', required: true },
      PackagingDiskFormat: { type: 'enum', values: DISK_FORMAT_VALUES, required: true },
      Reason: REASON,
      PlatformConnectorConfigId: { type: 'string', required: true },
      HypervisorPlatformTypeId: { type: 'string' },
      ProvisioningPlatformTypeId: { type: 'string' },
      BrokerPlatformTypeId: { type: 'string' },
    },
  },
  // ctxal-sdk get-allayerinstalldisk.ps1: <query><LayerId>ID</LayerId></query> (an id, so xsd:long as
  // every "Id" field of the generated client is int64; inferred).
  QueryLayerInstallDisk: { wrapper: 'query', fields: { LayerId: { type: 'long', required: true } } },
  // ctxal-sdk invoke-allayerfinalize.ps1: <command> with SelectedFileShare, LayerRevisionId,
  // InstallDiskUncPath, InstallDiskFilename, ScriptPath and Reason (ReferenceNumber). The ids as
  // xsd:long and which fields are required are inferred (the SDK always sends all four).
  FinalizeLayerRevision: {
    wrapper: 'command',
    fields: {
      SelectedFileShare: { type: 'long', required: true },
      LayerRevisionId: { type: 'long', required: true },
      InstallDiskUncPath: { type: 'string', required: true },
      InstallDiskFilename: { type: 'string', required: true },
      ScriptPath: { type: 'string' },
      Reason: REASON,
    },
  },
  // elm_client.go / the plugin's step_revision_platform_layer.go: CreatePlatformLayerRevisionCommand is the
  // embedded CreateLayerRevisionCommand (LayerId, RevisionInfo, SelectedFileShare, PackagingDiskFilename,
  // PackagingDiskFormat, Reason, PlatformConnectorConfigId, BaseLayerRevisionId) plus OsLayerRevisionId and
  // the three platform type ids; ctxal-sdk New-ALPlatformLayerRev.ps1 sends the same elements.
  // Which are required is inferred from what both clients always send.
  CreatePlatformLayerRevision: {
    wrapper: 'command',
    fields: {
      LayerId: { type: 'long', required: true },
      RevisionInfo: { ...REVISION_INFO, required: true },
      SelectedFileShare: { type: 'long', required: true },
      PackagingDiskFilename: { type: 'string', required: true },
      PackagingDiskFormat: { type: 'enum', values: DISK_FORMAT_VALUES, required: true },
      Reason: REASON,
      PlatformConnectorConfigId: { type: 'string', required: true },
      BaseLayerRevisionId: { type: 'long', required: true },
      OsLayerRevisionId: { type: 'long', required: true },
      HypervisorPlatformTypeId: { type: 'string' },
      ProvisioningPlatformTypeId: { type: 'string' },
      BrokerPlatformTypeId: { type: 'string' },
    },
  },
};

/** Whether a text is a valid value of the XML Schema type, as .NET's XmlSerializer reads it. */
export function validValue(type: FieldType, value: string): boolean {
  switch (type) {
    case 'string':
    case 'xsiType':
    case 'longArray':
    case 'struct':
    case 'enum':
      return true;
    case 'boolean':
      return value === 'true' || value === 'false' || value === '1' || value === '0';
    case 'long':
    case 'int':
      return /^[+-]?\d+$/.test(value.trim()) && (type === 'long' || Math.abs(Number(value)) <= 2147483647);
  }
}
