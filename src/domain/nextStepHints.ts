import type { Layer } from './state';

/** Commands that act on a layer's newest version that is not Deployable unless told --version. */
const VERSIONED = ['machine deploy-link', 'machine deploy', 'machine status', 'disk status', 'verify', 'finalize'];

/** Versions not yet Deployable: with more than one, "the newest" may not be the one meant. */
export function openVersions(layer: Layer): number {
  return layer.versions.filter((v) => v.state !== 'Deployable').length;
}

/**
 * A next-step hint such as `elm finalize "app" --wait` would act on the layer's newest open
 * version; when the layer has several open versions the hint for another one must say which:
 * `elm finalize "app" --version 1 --wait`. Hints already naming a version are left alone.
 */
export function withVersionHints(text: string, layer: Layer, version: string): string {
  if (openVersions(layer) < 2) return text;
  const names = [`"${layer.name}"`, `'${layer.name.replace(/'/g, `'\\''`)}'`, layer.name].map(escapeRe);
  const re = new RegExp(`(elm (?:${VERSIONED.map(escapeRe).join('|')}) (?:${names.join('|')}))(?=$|[\\s,.;:)])(?! --version)`, 'g');
  const quoted = /^[A-Za-z0-9._-]+$/.test(version) ? version : `"${version}"`;
  return text.replace(re, `$1 --version ${quoted}`);
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
