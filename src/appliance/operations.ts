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
 * soap_helpers.go GetPlatformConnectorConfigId: Configurations.PlatformConnectorConfigSummary).
 */
export async function queryConnectorConfigs(s: ApplianceSession): Promise<(NamedItem & { type: string })[]> {
  const result = await s.call({ operation: 'QueryPlatformConnectorConfigSummary', wrapper: 'query', fields: {} });
  return children(child(result, 'Configurations'), 'PlatformConnectorConfigSummary').map((n) => ({ ...named(n), type: textOf(n, 'ConnectorTypeName') || textOf(n, 'PlatformConnectorType') }));
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
