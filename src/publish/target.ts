/**
 * Where `layer publish --to CONNECTOR` puts the image, and in what form, read from the connector's
 * configuration and the flags. Every flag that does not apply to that connector is refused (exit 2)
 * rather than ignored.
 */
import path from 'node:path';
import { UsageError } from '../domain/errors';
import { userPath } from '../domain/home';
import type { ConnectorConfig, Layer, LayerVersion } from '../domain/state';
import type { DiskFormat, ImageKind } from '../domain/vocabulary';
import type { PublishFlags } from './flags';
import { galleryTarget, type GalleryTarget } from './galleryTarget';

export type { PublishFlags } from './flags';


/** An image file (a share's image, a PVS vDisk): all this publish needs to make it again. */
export interface FileTarget {
  kind: Extract<ImageKind, 'file' | 'pvsVdisk'>;
  dir: string;
  fileName: string;
  format: DiskFormat;
}

/** The formats an image file can take (raw is a repository format, not one a platform imports). */
const FILE_FORMATS: readonly DiskFormat[] = ['vhdx', 'vhd', 'vmdk', 'qcow2'];
/** Citrix Provisioning stores vDisks as VHD or VHDX files (Citrix Provisioning docs, "vDisks"). */
const PVS_FORMATS: readonly DiskFormat[] = ['vhdx', 'vhd'];

export const AZURE_FLAGS = ['gallery', 'imageDefinition', 'imageVersion', 'regions', 'replicaRegion', 'storageAccountType'] as const;
const VSPHERE_FLAGS = ['templateName', 'library', 'replace'] as const;
const FLAG_NAMES: Record<string, string> = {
  gallery: '--gallery',
  imageDefinition: '--image-definition',
  imageVersion: '--image-version',
  regions: '--regions',
  replicaRegion: '--replica-region',
  storageAccountType: '--storage-account-type',
  templateName: '--template-name',
  library: '--library',
  replace: '--replace',
  out: '--out',
  format: '--format',
  name: '--name',
};

export function publishTarget(config: ConnectorConfig, flags: PublishFlags, layer: Layer, version: LayerVersion): FileTarget | GalleryTarget {
  // vSphere templates have their own path (templateTarget, commands/layer/publish.ts).
  if (config.type === 'vsphere') throw new Error('publishTarget: a vsphere connector publishes through templateTarget');
  if (config.type === 'azure') {
    refuseFlags(flags, ['out', 'format', 'name', ...VSPHERE_FLAGS], `an Azure gallery image version is named by --gallery, --image-definition and --image-version`);
    return galleryTarget(config, flags, layer, version);
  }
  refuseFlags(flags, [...AZURE_FLAGS, ...VSPHERE_FLAGS], `they apply to azure and vsphere connectors, not ${config.type} connector "${config.name}"`);
  const stem = imageStem(flags.name ?? `${layer.name}-${version.name}`);
  if (config.type === 'pvs') {
    refuseFlags(flags, ['out'], `a PVS vDisk goes into the store's folder (the connector's --store-path)`);
    const format = fileFormat(flags.format ?? 'vhdx', PVS_FORMATS, 'a PVS store');
    const storePath = typeof config.settings.storePath === 'string' ? config.settings.storePath : '';
    if (!storePath)
      throw new UsageError(
        `PVS connector "${config.name}" has no store folder; add it again with --store-path DIR (the folder of store "${String(config.settings.store)}", as mounted here).`,
      );
    return { kind: 'pvsVdisk', dir: storePath, fileName: `${stem}.${format}`, format };
  }
  const format = fileFormat(flags.format ?? 'vhdx', FILE_FORMATS, 'an image file');
  const dir = flags.out !== undefined && flags.out.trim() !== '' ? userPath(flags.out) : String(config.settings.path);
  return { kind: 'file', dir, fileName: `${stem}.${format}`, format };
}

export function refuseFlags(flags: PublishFlags, keys: readonly string[], why: string): void {
  const given = keys.filter((k) => flags[k as keyof PublishFlags] !== undefined).map((k) => FLAG_NAMES[k]);
  if (given.length) throw new UsageError(`${given.join(', ')} ${given.length === 1 ? 'does' : 'do'} not apply here: ${why}.`);
}

function fileFormat(value: string, allowed: readonly DiskFormat[], where: string): DiskFormat {
  const f = value.trim().toLowerCase() as DiskFormat;
  if (!allowed.includes(f)) throw new UsageError(`--format "${value}" is not a format for ${where}; use one of ${allowed.join(', ')}.`);
  return f;
}

/**
 * A file name stem every platform accepts: letters, digits, dot, dash and underscore (a PVS vDisk
 * name is its file name; Windows shares refuse `\ / : * ? " < > |`).
 */
export function imageStem(name: string): string {
  const stem = name.trim().replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[.-]+|[.-]+$/g, '');
  if (!stem) throw new UsageError(`--name "${name}" leaves no usable file name; use letters, digits, dot, dash or underscore.`);
  if (stem.length > 200) throw new UsageError(`--name "${name}" is too long for a file name (over 200 characters).`);
  return stem;
}

export function targetPath(t: FileTarget | GalleryTarget): string {
  if (t.kind === 'azureGalleryImageVersion') return `${t.gallery}/${t.imageDefinition}/${t.imageVersion}`;
  return path.join(t.dir, t.fileName);
}
