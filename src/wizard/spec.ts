import { UsageError } from '../domain/errors';
import { readInputFile } from '../runtime/inputFile';
import { DRAFT_KEYS, type LayerDraft } from './draft';

const STRING_KEYS = DRAFT_KEYS.filter((k) => k !== 'maxSize' && k !== 'recipes');

/**
 * Reads a YAML spec (-f): the flags' fields in camelCase. Unknown keys and wrong types are named
 * with the file, so a typo never silently falls back to a default.
 */
export async function loadSpec(file: string): Promise<LayerDraft> {
  const { abs, bytes } = await readInputFile(file, 'Spec file', 'give the path of a YAML file (-f spec.yaml)');
  const doc = await parseSpecYaml(abs, bytes.toString('utf8'));
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
      if (typeof value !== 'number' || !Number.isFinite(value)) throw new UsageError(`Spec file ${abs}: maxSize must be a number of GiB (got ${JSON.stringify(value)}).`);
      draft.maxSize = value;
    } else if (k === 'recipes') {
      const list = Array.isArray(value) ? value : [value];
      if (!list.every((x) => typeof x === 'string')) throw new UsageError(`Spec file ${abs}: recipes must be a list of connector names.`);
      draft.recipes = list as string[];
    } else if (STRING_KEYS.includes(k)) {
      if (typeof value !== 'string') throw new UsageError(`Spec file ${abs}: ${key} must be text (got ${JSON.stringify(value)}).`);
      (draft as Record<string, unknown>)[k] = value;
    }
  }
  return draft;
}

/**
 * Parses with YAML's failsafe schema, so every scalar keeps the text the operator wrote
 * (`version: 1.10` stays "1.10", never the number 1.1); `maxSize` is the one number and is read
 * from its text. An empty plain value (`name:`) means "not given". Unknown tags, which YAML would
 * only warn about on stderr, are refused.
 */
async function parseSpecYaml(abs: string, text: string): Promise<unknown> {
  const [YAML, { parseYamlInput }] = await Promise.all([import('yaml'), import('../runtime/yamlInput.js')]);
  const input = await parseYamlInput(text, (line, message) => {
    throw new UsageError(`Spec file ${abs} is not valid YAML${line === undefined ? '' : ` (line ${line})`}: ${message}. Fix the file and run again.`);
  });
  const doc = input.doc;
  if (YAML.isMap(doc.contents)) {
    for (const pair of doc.contents.items) {
      const v = pair.value;
      if (YAML.isScalar(v) && v.type === 'PLAIN' && v.value === '') pair.value = null;
      else if (YAML.isPair(pair) && YAML.isScalar(pair.key) && pair.key.value === 'maxSize' && YAML.isScalar(v)) {
        const n = Number(v.value);
        v.value = String(v.value).trim() !== '' && Number.isFinite(n) ? n : v.value;
      }
    }
  }
  return input.toJS();
}
