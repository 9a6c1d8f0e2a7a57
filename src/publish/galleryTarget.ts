/**
 * The Azure Compute Gallery image version `layer publish --to AZURE` makes, from the flags: names
 * checked as Azure checks them (GalleryRP.json, azure-rest-api-specs), the version number from
 * --image-version or the layer version, so a bad name is refused here (exit 2) and not by Azure
 * after a task started.
 */
import { UsageError } from '../domain/errors';
import type { ConnectorConfig, Layer, LayerVersion } from '../domain/state';
import type { PublishFlags } from './flags';

export interface GalleryTarget {
  kind: 'azureGalleryImageVersion';
  gallery: string;
  imageDefinition: string;
  imageVersion: string;
  replicaRegions: string[];
  storageAccountType: 'Standard_LRS' | 'Standard_ZRS' | 'Premium_LRS';
}

const STORAGE_TYPES = ['Standard_LRS', 'Standard_ZRS', 'Premium_LRS'] as const;

export function galleryTarget(config: ConnectorConfig, flags: PublishFlags, layer: Layer, version: LayerVersion): GalleryTarget {
  const gallery = flags.gallery?.trim() ?? '';
  const def = flags.imageDefinition?.trim() ?? '';
  if (!gallery || !def)
    throw new UsageError(`Publishing to azure connector "${config.name}" needs ${!gallery ? '--gallery NAME' : ''}${!gallery && !def ? ' and ' : ''}${!def ? '--image-definition NAME' : ''} (both are created when absent).`);
  // Gallery names: letters, digits, underscores and periods, 1-80, no hyphen (Azure's rule).
  if (!/^[A-Za-z0-9][A-Za-z0-9._]{0,78}[A-Za-z0-9]$|^[A-Za-z0-9]$/.test(gallery))
    throw new UsageError(`--gallery "${gallery}" is not a gallery name: 1-80 letters, digits, underscores and periods (no hyphens), starting and ending with a letter or digit.`);
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,78}[A-Za-z0-9]$|^[A-Za-z0-9]$/.test(def))
    throw new UsageError(`--image-definition "${def}" is not an image definition name: 1-80 letters, digits, hyphens, underscores and periods, starting and ending with a letter or digit.`);
  const imageVersion = flags.imageVersion !== undefined ? checkedVersion(flags.imageVersion) : versionFromLayer(layer, version);
  const storageAccountType = STORAGE_TYPES.find((t) => t.toLowerCase() === (flags.storageAccountType ?? 'Standard_LRS').trim().toLowerCase());
  if (!storageAccountType) throw new UsageError(`--storage-account-type "${flags.storageAccountType}" must be one of ${STORAGE_TYPES.join(', ')}.`);
  const given = [...(flags.regions ?? '').split(','), ...(flags.replicaRegion ?? [])].filter((r) => r.trim() !== '');
  const replicaRegions = [...new Set(given.map((r) => r.trim().toLowerCase().replace(/\s+/g, '')))];
  const badRegion = replicaRegions.find((r) => !/^[a-z][a-z0-9]{2,39}$/.test(r));
  if (badRegion !== undefined) throw new UsageError(`Region "${badRegion}" (--regions, --replica-region) is not an Azure region name such as westeurope or eastus2.`);
  return { kind: 'azureGalleryImageVersion', gallery, imageDefinition: def, imageVersion, replicaRegions, storageAccountType };
}

/** Major.Minor.Patch, each a 32-bit integer (Azure's rule for a gallery image version's name). */
function checkedVersion(value: string): string {
  const v = value.trim();
  if (!/^\d{1,10}\.\d{1,10}\.\d{1,10}$/.test(v) || v.split('.').some((n) => Number(n) > 2 ** 31 - 1))
    throw new UsageError(`--image-version "${value}" is not a gallery image version: three integers such as 1.0.0 (each at most 2147483647).`);
  return v.split('.').map((n) => String(Number(n))).join('.');
}

/** The layer version as X.Y.Z ("1" → 1.0.0, "1.2" → 1.2.0); a name that is not numbers needs --image-version. */
function versionFromLayer(layer: Layer, version: LayerVersion): string {
  const parts = version.name.split('.');
  if (parts.length > 3 || !parts.every((p) => /^\d{1,10}$/.test(p)))
    throw new UsageError(`Version "${version.name}" of "${layer.name}" is not a number such as 1.0 that a gallery image version can take; give one: --image-version 1.0.0.`);
  return checkedVersion([...parts, '0', '0'].slice(0, 3).join('.'));
}
