/**
 * What `layer publish --to VSPHERE_CONNECTOR` makes: a template VM named by --template-name (default
 * `<layer>-<version>`) in the connector's folder. Flags of other targets are refused (exit 2).
 */
import { UsageError } from '../domain/errors';
import type { ConnectorConfig, Layer, LayerVersion } from '../domain/state';
import { AZURE_FLAGS, type PublishFlags, refuseFlags } from './target';

export interface TemplateTarget {
  kind: 'vsphereTemplate';
  name: string;
  folder: string;
}

/** vSphere names hold up to 80 characters; `%`, `/` and `\` are escaped in inventory paths, so refused (as --machine-name). */
const MAX_NAME = 80;

export function templateTarget(config: ConnectorConfig, flags: PublishFlags, layer: Layer, version: LayerVersion): TemplateTarget {
  refuseFlags(flags, [...AZURE_FLAGS, 'format', 'out', 'name'], `a vSphere template takes --template-name, not the flags of a gallery or an image file`);
  if (flags.library !== undefined)
    throw new UsageError(`--library (a content library item) is not built yet; publish without it for a template VM in folder ${String(config.settings.folder)}.`);
  return { kind: 'vsphereTemplate', name: templateName(flags.templateName, `${layer.name}-${version.name}`), folder: String(config.settings.folder) };
}

function templateName(given: string | undefined, fallback: string): string {
  if (given === undefined) return fallback.replace(/[^A-Za-z0-9._-]+/g, '-').slice(0, MAX_NAME);
  const n = given.trim();
  if (n === '' || n.length > MAX_NAME || /[%/\\]/.test(n))
    throw new UsageError(`--template-name "${given}": a vSphere VM name has 1 to ${MAX_NAME} characters, without %, / or \\.`);
  return n;
}
