/**
 * What `layer publish --to VSPHERE_CONNECTOR` makes: a template VM named by --template-name (default
 * `<layer>-<version>`) in the connector's folder, or with --library L a VM template item of that
 * name in content library L. Flags of other targets are refused (exit 2).
 */
import { UsageError } from '../domain/errors';
import type { ConnectorConfig, Layer, LayerVersion } from '../domain/state';
import { AZURE_FLAGS, type PublishFlags, refuseFlags } from './target';

export interface TemplateTarget {
  kind: 'vsphereTemplate' | 'vsphereLibraryItem';
  name: string;
  folder: string;
  /** --library: the content library (by name) that takes the item. */
  library?: string;
}

/** vSphere names hold up to 80 characters; `%`, `/` and `\` are escaped in inventory paths, so refused (as --machine-name). */
const MAX_NAME = 80;

export function templateTarget(config: ConnectorConfig, flags: PublishFlags, layer: Layer, version: LayerVersion): TemplateTarget {
  refuseFlags(flags, [...AZURE_FLAGS, 'format', 'out', 'name'], `a vSphere template takes --template-name, not the flags of a gallery or an image file`);
  const name = templateName(flags.templateName, `${layer.name}-${version.name}`);
  const folder = String(config.settings.folder);
  if (flags.library === undefined) return { kind: 'vsphereTemplate', name, folder };
  const library = flags.library.trim();
  if (library === '') throw new UsageError(`--library "${flags.library}" names no content library; give the library's name as the vSphere Client shows it.`);
  return { kind: 'vsphereLibraryItem', name, folder, library };
}

/** Where the image is, as `layer show` lists it: the folder's VM, or the library's item. */
export function templateLocation(t: TemplateTarget): string {
  return t.library !== undefined ? `${t.library}/${t.name}` : `${t.folder}/${t.name}`;
}

function templateName(given: string | undefined, fallback: string): string {
  if (given === undefined) return fallback.replace(/[^A-Za-z0-9._-]+/g, '-').slice(0, MAX_NAME);
  const n = given.trim();
  if (n === '' || n.length > MAX_NAME || /[%/\\]/.test(n))
    throw new UsageError(`--template-name "${given}": a vSphere VM name has 1 to ${MAX_NAME} characters, without %, / or \\.`);
  return n;
}
