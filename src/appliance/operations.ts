/**
 * The appliance's operations elm uses, as typed functions. Envelopes (element names, wrapper and
 * order) follow ctxal-sdk's Public/*.ps1 functions and the generated client's request types
 * (citrix/packer-plugin-citrix elm-client/elm_client.go); each function names its source.
 */
import { children, child, textOf, type XmlNode } from './envelope';
import type { ApplianceSession } from './session';

export interface NamedItem {
  id: string;
  name: string;
}

/** The appliance's software version (QueryManagementApplianceDetailsWithParam, ctxal-sdk get-alSysteminfo.ps1). */
export async function queryVersion(s: ApplianceSession): Promise<string> {
  const result = await s.call({ operation: 'QueryManagementApplianceDetailsWithParam', wrapper: 'query', fields: { IncludeNetworkInfo: false } });
  // Where the version sits in ManagementApplianceDetailsResult is inferred: the first Version element.
  return findText(result, 'Version') ?? '';
}

/** File shares (QueryRemoteFileShares, ctxal-sdk get-alremoteshare.ps1: RemoteShares.RemoteFileShareSummary). */
export async function queryFileShares(s: ApplianceSession): Promise<(NamedItem & { path: string })[]> {
  const result = await s.call({ operation: 'QueryRemoteFileShares', wrapper: 'query', fields: {} });
  return children(child(result, 'RemoteShares'), 'RemoteFileShareSummary').map((n) => ({ ...named(n), path: textOf(n, 'Path') }));
}

/**
 * Platform connector configurations (QueryPlatformConnectorConfigSummary, the plugin's
 * soap_helpers.go GetPlatformConnectorConfigId: Configurations.PlatformConnectorConfigSummary,
 * whose platform is PlatformName; elm_client.go). `type` is elm's connector type when the name
 * says one, else the appliance's words.
 */
export async function queryConnectorConfigs(s: ApplianceSession): Promise<(NamedItem & { type: string })[]> {
  const result = await s.call({ operation: 'QueryPlatformConnectorConfigSummary', wrapper: 'query', fields: {} });
  return children(child(result, 'Configurations'), 'PlatformConnectorConfigSummary').map((n) => ({ ...named(n), type: connectorTypeOf(textOf(n, 'PlatformName')) }));
}

/**
 * elm's connector type for an appliance's platform name. The names the appliance gives its
 * connector platforms are not in the WSDL; these keywords are the products' own names (inferred).
 */
export function connectorTypeOf(platformName: string): string {
  if (/azure/i.test(platformName)) return 'azure';
  if (/vsphere|vmware/i.test(platformName)) return 'vsphere';
  if (/provisioning|\bpvs\b/i.test(platformName)) return 'pvs';
  if (/file ?share/i.test(platformName)) return 'fileshare';
  return platformName;
}

/** OS layers (QueryOsLayers, ctxal-sdk get-aloslayer.ps1: OsLayers.LayerEntitySummary). */
export async function queryOsLayers(s: ApplianceSession): Promise<NamedItem[]> {
  const result = await s.call({ operation: 'QueryOsLayers', wrapper: 'query', fields: { ResourceFarmId: 0, Filter: '' } });
  return children(child(result, 'OsLayers'), 'LayerEntitySummary').map(named);
}

/** Platform layers (QueryPlatformLayers, ctxal-sdk get-alplatformlayer.ps1: PlatformLayers.LayerEntitySummary). */
export async function queryPlatformLayers(s: ApplianceSession): Promise<NamedItem[]> {
  const result = await s.call({ operation: 'QueryPlatformLayers', wrapper: 'query', fields: { ResourceFarmId: 0, Filter: '' } });
  return children(child(result, 'PlatformLayers'), 'LayerEntitySummary').map(named);
}

function named(n: XmlNode): NamedItem {
  return { id: textOf(n, 'Id'), name: textOf(n, 'Name') };
}

/** The text of the first element of that name, depth first. */
function findText(node: XmlNode | XmlNode[] | undefined, name: string): string | undefined {
  if (node === undefined || typeof node === 'string') return undefined;
  if (Array.isArray(node)) {
    for (const n of node) {
      const found = findText(n, name);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  for (const [key, value] of Object.entries(node)) {
    if (key === name && typeof value === 'string') return value;
    const found = findText(value, name);
    if (found !== undefined) return found;
  }
  return undefined;
}

export interface Revision {
  id: string;
  /** The version name as the console shows it. */
  name: string;
  /** Editing, Finalizable, Finalizing, Deployable... as the appliance says it. */
  state: string;
  /** The version's Max Layer Size (LayerRevisionDetail.SizeMegs), when the appliance says it. */
  sizeMiB?: number;
  /** A platform layer version's platform type ids (PlatformLayerRevisionDetail); absent for none. */
  hypervisor?: string;
  provisioning?: string;
  broker?: string;
}

export interface LayerDetails {
  id: string;
  name: string;
  description: string;
  iconId: string;
  /** A platform layer's OS layer (PlatformLayerDetailsResult.AssociatedOsLayerName). */
  osLayerName?: string;
  revisions: Revision[];
}

/**
 * A layer and its versions (QueryPlatformLayerDetails / QueryOsLayerDetails with <query><Id>,
 * ctxal-sdk get-alplatformlayerDetail.ps1 and get-aloslayerdetail.ps1), read as elm_client.go's
 * LayerDetailsResultOf<Kind>LayerRevisionDetail: LayerSummary (Name; ImageId, taken as the icon's
 * id, which is inferred), Description, Revisions.<Kind>LayerRevisionDetail (Id, DisplayedVersion,
 * State, SizeMegs, and for a platform layer its three platform type ids), AssociatedOsLayerName.
 */
export async function queryLayerDetails(s: ApplianceSession, kind: 'Platform' | 'Os', id: string): Promise<LayerDetails> {
  const result = await s.call({ operation: `Query${kind}LayerDetails`, wrapper: 'query', fields: { Id: id } });
  const revisions = children(child(result, 'Revisions'), `${kind}LayerRevisionDetail`).map(toRevision);
  const summary = child(result, 'LayerSummary');
  const osLayerName = textOf(result, 'AssociatedOsLayerName') || undefined;
  return { id, name: textOf(summary, 'Name'), description: textOf(result, 'Description'), iconId: textOf(summary, 'ImageId'), osLayerName, revisions };
}

/** What a version's platform types say it is for (a provisioning service or broker: publishing); undefined when it records none. */
export function revisionPurpose(r: Revision): 'packaging' | 'publishing' | undefined {
  if (r.provisioning || r.broker) return 'publishing';
  return r.hypervisor ? 'packaging' : undefined;
}

function toRevision(r: XmlNode): Revision {
  const size = Number(textOf(r, 'SizeMegs'));
  const optional = (name: string) => textOf(r, name) || undefined;
  return {
    id: textOf(r, 'Id'),
    name: textOf(r, 'DisplayedVersion'),
    state: textOf(r, 'State'),
    sizeMiB: size > 0 ? size : undefined,
    hypervisor: optional('HypervisorPlatformTypeId'),
    provisioning: optional('ProvisioningPlatformTypeId'),
    broker: optional('BrokerPlatformTypeId'),
  };
}

/** Icon ids (QueryLayerIcons with an empty <query/>, ctxal-sdk get-alicon.ps1: IconIds.long). */
export async function queryIconIds(s: ApplianceSession): Promise<string[]> {
  const result = await s.call({ operation: 'QueryLayerIcons', wrapper: 'query', fields: {} });
  return children(child(result, 'IconIds'), 'long').map((n) => (typeof n === 'string' ? n : ''));
}

/** What CreatePlatformLayer sends, in elm's words (the envelope's element names are below). */
export interface PlatformLayerCommand {
  osLayerRevisionId: string;
  name: string;
  description: string;
  iconId?: string;
  versionName: string;
  versionDescription: string;
  sizeMiB: number;
  fileShareId: string;
  diskFileName: string;
  /** The WSDL's DiskFormat value (VhdDiskFormat, VmdkDiskFormat...). */
  diskFormat: string;
  comment: string;
  connectorConfigId: string;
  hypervisor?: string;
  provisioning?: string;
  broker?: string;
}

export interface CreatedLayer {
  ticketId: string;
  layerId: string;
}

/**
 * CreatePlatformLayer, as the generated client's CreatePlatformLayerCommand orders it
 * (elm_client.go: the embedded CreateLayerCommand's OsLayerRevisionId, LayerInfo, RevisionInfo,
 * SelectedFileShare, PackagingDiskFilename, PackagingDiskFormat, Reason, PlatformConnectorConfigId,
 * then the three platform type ids; builder step_create_platform_layer.go fills them the same way).
 * The answer's WorkTicketId and LayerSummary.Id: CreateLayerResult.
 */
export async function createPlatformLayer(s: ApplianceSession, c: PlatformLayerCommand): Promise<CreatedLayer> {
  const result = await s.call({
    operation: 'CreatePlatformLayer',
    wrapper: 'command',
    fields: {
      OsLayerRevisionId: c.osLayerRevisionId,
      LayerInfo: { Name: c.name, Description: c.description, IconId: c.iconId },
      RevisionInfo: { Name: c.versionName, Description: c.versionDescription, LayerSizeMiB: c.sizeMiB },
      SelectedFileShare: c.fileShareId,
      PackagingDiskFilename: c.diskFileName,
      PackagingDiskFormat: c.diskFormat,
      Reason: { Description: c.comment, ReferenceNumber: 0 },
      PlatformConnectorConfigId: c.connectorConfigId,
      HypervisorPlatformTypeId: c.hypervisor,
      ProvisioningPlatformTypeId: c.provisioning,
      BrokerPlatformTypeId: c.broker,
    },
  });
  return { ticketId: textOf(result, 'WorkTicketId'), layerId: textOf(child(result, 'LayerSummary'), 'Id') };
}
