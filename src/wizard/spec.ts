import { promises as fs } from 'node:fs';
import { UsageError } from '../domain/errors';
import { userPath } from '../domain/home';
import { DRAFT_KEYS, type LayerDraft } from './draft';

const STRING_KEYS = DRAFT_KEYS.filter((k) => k !== 'maxSize' && k !== 'recipes');

/**
 * Reads a YAML spec (-f): the flags' fields in camelCase. Unknown keys and wrong types are named
 * with the file, so a typo never silently falls back to a default.
 */
export async function loadSpec(file: string): Promise<LayerDraft> {
  const abs = userPath(file);
  let text: string;
  try {
    text = await fs.readFile(abs, 'utf8');
  } catch {
    throw new UsageError(`Spec file ${abs} cannot be read; give the path of a YAML file (-f spec.yaml).`);
  }
  const YAML = await import('yaml');
  let doc: unknown;
  try {
    doc = YAML.parse(text, { prettyErrors: false });
  } catch (e) {
    const msg = (e as Error).message.split('\n')[0];
    throw new UsageError(`Spec file ${abs} is not valid YAML: ${msg}. Fix the file and run again.`);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new UsageError(`Spec file ${abs} must be a YAML mapping of fields (name: ..., version: ...).`);
  const draft: LayerDraft = {};
  for (const [key, value] of Object.entries(doc as Record<string, unknown>)) {
    const k = key as keyof LayerDraft;
    if (!DRAFT_KEYS.includes(k)) {
      throw new UsageError(`Spec file ${abs}: unknown field "${key}" (fields: ${DRAFT_KEYS.join(', ')}).`);
    }
    if (value === null || value === undefined) continue;
    if (k === 'maxSize') {
      if (typeof value !== 'number') throw new UsageError(`Spec file ${abs}: maxSize must be a number of GiB (got ${JSON.stringify(value)}).`);
      draft.maxSize = value;
    } else if (k === 'recipes') {
      const list = Array.isArray(value) ? value : [value];
      if (!list.every((x) => typeof x === 'string')) throw new UsageError(`Spec file ${abs}: recipes must be a list of connector names.`);
      draft.recipes = list as string[];
    } else if (STRING_KEYS.includes(k)) {
      if (typeof value !== 'string' && typeof value !== 'number') throw new UsageError(`Spec file ${abs}: ${key} must be text (got ${JSON.stringify(value)}).`);
      (draft as Record<string, unknown>)[k] = String(value);
    }
  }
  return draft;
}
