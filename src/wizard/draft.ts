/**
 * A layer being described, from flags, a spec file or the wizard: every field optional until
 * the plan is resolved. Field names are the spec file's keys (camelCase of the flags).
 */
export interface LayerDraft {
  name?: string;
  version?: string;
  description?: string;
  versionDescription?: string;
  /** GiB; text when it came from a flag, validated with the same rule either way. */
  maxSize?: number | string;
  osLayer?: string;
  connector?: string;
  purpose?: string;
  hypervisor?: string;
  provisioning?: string;
  broker?: string;
  recipes?: string[];
  diskName?: string;
  diskFormat?: string;
  icon?: string;
  comment?: string;
}

/** The flag behind each field, for "missing --name, --version" errors. */
export const DRAFT_FLAGS: Record<keyof LayerDraft, string> = {
  name: '--name',
  version: '--version',
  description: '--description',
  versionDescription: '--version-description',
  maxSize: '--max-size',
  osLayer: '--os-layer',
  connector: '--connector',
  purpose: '--purpose',
  hypervisor: '--hypervisor',
  provisioning: '--provisioning',
  broker: '--broker',
  recipes: '--recipe',
  diskName: '--disk-name',
  diskFormat: '--disk-format',
  icon: '--icon',
  comment: '--comment',
};

export const DRAFT_KEYS = Object.keys(DRAFT_FLAGS) as (keyof LayerDraft)[];

/** Merges spec and flags: flags given beside the spec win. */
export function mergeDrafts(spec: LayerDraft, flags: LayerDraft): LayerDraft {
  const out: LayerDraft = { ...spec };
  for (const key of DRAFT_KEYS) {
    if (flags[key] !== undefined) (out as Record<string, unknown>)[key] = flags[key];
  }
  return out;
}

/** Flags as commander parsed them → a draft (only the wizard's fields). */
export function draftFromFlags(flags: Record<string, unknown>): LayerDraft {
  const d: LayerDraft = {};
  for (const key of DRAFT_KEYS) {
    const flagKey = key === 'recipes' ? 'recipe' : key;
    const v = flags[flagKey];
    if (v === undefined) continue;
    (d as Record<string, unknown>)[key] = v;
  }
  return d;
}
