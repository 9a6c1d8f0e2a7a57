/**
 * The appliance's operations on one layer version: finding it by the layer's name, where its
 * packaging disk is, finalizing it, and adding a version. Envelopes follow ctxal-sdk's
 * Public/*.ps1 and the generated client (citrix/packer-plugin-citrix elm-client/elm_client.go);
 * each function names its source.
 */
import { UsageError } from '../domain/errors';
import { listSome } from '../domain/listSome';
import { shellQuote } from '../domain/shellQuote';
import { textOf } from './envelope';
import { queryLayerDetails, queryPlatformLayers, type LayerDetails, type Revision } from './operations';
import type { ApplianceSession } from './session';

export interface ApplianceVersion {
  layer: LayerDetails;
  revision: Revision;
}

/**
 * The platform layer named `ref` on the appliance and its version `--version`, else its newest
 * one not Deployable (the local mode's rule, lookup.ts resolveVersion), else its newest.
 */
export async function findApplianceVersion(s: ApplianceSession, appliance: string, ref: string | undefined, version: string | undefined): Promise<ApplianceVersion> {
  if (!ref) throw new UsageError(`Name the layer: with --appliance ${appliance} elm does not guess it (elm layer list --appliance ${shellQuote(appliance)}).`);
  const layers = await queryPlatformLayers(s);
  const found = layers.find((l) => l.name === ref) ?? layers.find((l) => l.id === ref);
  if (!found)
    throw new UsageError(`The appliance "${appliance}" has no platform layer named "${ref}"${layers.length ? ` (${listSome(layers.map((l) => l.name))})` : ''}; see elm layer list --appliance ${shellQuote(appliance)}.`);
  const layer = { ...(await queryLayerDetails(s, 'Platform', found.id)), name: found.name };
  const revisions = layer.revisions;
  const revision =
    version !== undefined ? revisions.find((r) => r.name === version) : ([...revisions].reverse().find((r) => r.state !== 'Deployable') ?? revisions[revisions.length - 1]);
  if (!revision)
    throw new UsageError(
      version !== undefined
        ? `Layer "${layer.name}" on the appliance has no version "${version}"${revisions.length ? ` (versions: ${listSome(revisions.map((r) => r.name))})` : ''}.`
        : `Layer "${layer.name}" on the appliance has no version yet.`,
    );
  return { layer, revision };
}

/** Where the packaging disk of the layer's version being edited is (QueryLayerInstallDisk, ctxal-sdk get-allayerinstalldisk.ps1: DiskUncPath, DiskName). */
export async function queryInstallDisk(s: ApplianceSession, layerId: string): Promise<{ uncPath: string; name: string }> {
  const result = await s.call({ operation: 'QueryLayerInstallDisk', wrapper: 'query', fields: { LayerId: layerId } });
  return { uncPath: textOf(result, 'DiskUncPath'), name: textOf(result, 'DiskName') };
}

/**
 * FinalizeLayerRevision, as ctxal-sdk invoke-allayerfinalize.ps1 sends it (SelectedFileShare,
 * LayerRevisionId, InstallDiskUncPath, InstallDiskFilename, ScriptPath, Reason); the answer's
 * WorkTicketId is read as CreateLayerResult's (inferred: the SDK returns the result as it is).
 */
export async function finalizeRevision(
  s: ApplianceSession,
  c: { fileShareId: string; revisionId: string; disk: { uncPath: string; name: string }; comment: string },
): Promise<string> {
  const result = await s.call({
    operation: 'FinalizeLayerRevision',
    wrapper: 'command',
    fields: {
      SelectedFileShare: c.fileShareId,
      LayerRevisionId: c.revisionId,
      InstallDiskUncPath: c.disk.uncPath,
      InstallDiskFilename: c.disk.name,
      ScriptPath: '',
      Reason: { Description: c.comment, ReferenceNumber: 0 },
    },
  });
  return textOf(result, 'WorkTicketId');
}

export interface RevisionCommand {
  layerId: string;
  baseRevisionId: string;
  osLayerRevisionId: string;
  versionName: string;
  versionDescription: string;
  sizeMiB: number;
  fileShareId: string;
  diskFileName: string;
  diskFormat: string;
  comment: string;
  connectorConfigId: string;
  hypervisor?: string;
  provisioning?: string;
  broker?: string;
}

/**
 * CreatePlatformLayerRevision, in the order of the generated client's CreatePlatformLayerRevisionCommand
 * (the embedded CreateLayerRevisionCommand's LayerId, RevisionInfo, SelectedFileShare,
 * PackagingDiskFilename, PackagingDiskFormat, Reason, PlatformConnectorConfigId, BaseLayerRevisionId,
 * then OsLayerRevisionId and the platform type ids; the plugin's step_revision_platform_layer.go and
 * ctxal-sdk New-ALPlatformLayerRev.ps1 fill them so). Its answer's WorkTicketId: the plugin reads it.
 */
export async function createPlatformLayerRevision(s: ApplianceSession, c: RevisionCommand): Promise<string> {
  const result = await s.call({
    operation: 'CreatePlatformLayerRevision',
    wrapper: 'command',
    fields: {
      LayerId: c.layerId,
      RevisionInfo: { Name: c.versionName, Description: c.versionDescription, LayerSizeMiB: c.sizeMiB },
      SelectedFileShare: c.fileShareId,
      PackagingDiskFilename: c.diskFileName,
      PackagingDiskFormat: c.diskFormat,
      Reason: { Description: c.comment, ReferenceNumber: 0 },
      PlatformConnectorConfigId: c.connectorConfigId,
      BaseLayerRevisionId: c.baseRevisionId,
      OsLayerRevisionId: c.osLayerRevisionId,
      HypervisorPlatformTypeId: c.hypervisor,
      ProvisioningPlatformTypeId: c.provisioning,
      BrokerPlatformTypeId: c.broker,
    },
  });
  return textOf(result, 'WorkTicketId');
}
