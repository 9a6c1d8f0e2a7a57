import { layerNameRule, MAX_LAYER_SIZE_GIB, maxSizeRule, versionNameRule } from '../../domain/rules';
import type { WizardState } from '../wizardState';

/** Layer Details: Layer Name and Version (required), descriptions, Max Layer Size. */
export async function layerDetailsTab(w: WizardState): Promise<void> {
  const { draft, prompter, state, existing } = w;
  prompter.tab('Layer Details');
  if (existing) prompter.answered('Layer Name', existing.name);
  else if (draft.name !== undefined) prompter.answered('Layer Name', draft.name);
  else {
    draft.name = await prompter.input({
      message: 'Layer Name',
      validate: (v) => {
        const ok = layerNameRule(v);
        if (ok !== true) return ok;
        return state.layers.some((l) => l.name === v) ? `a layer named "${v}" already exists` : true;
      },
    });
  }
  if (draft.version !== undefined) prompter.answered('Version', draft.version);
  else {
    draft.version = await prompter.input({
      message: 'Version',
      default: existing ? undefined : '1.0',
      validate: (v) => {
        const ok = versionNameRule(v);
        if (ok !== true) return ok;
        return existing?.versions.some((x) => x.name === v) ? `version "${v}" already exists` : true;
      },
    });
  }
  if (!existing) {
    if (draft.description !== undefined) prompter.answered('Layer Description', draft.description);
    else draft.description = await prompter.input({ message: 'Layer Description (optional)', default: '' });
  }
  if (draft.versionDescription !== undefined) prompter.answered('Version Description', draft.versionDescription);
  else draft.versionDescription = await prompter.input({ message: 'Version Description (optional)', default: '' });
  if (draft.maxSize !== undefined) prompter.answered('Max Layer Size (GiB)', String(draft.maxSize));
  else {
    const offered = String(existing?.versions[existing.versions.length - 1]?.maxSizeGiB ?? MAX_LAYER_SIZE_GIB.default);
    draft.maxSize = await prompter.input({ message: 'Max Layer Size (GiB)', default: offered, validate: maxSizeRule });
    w.maxSizeDefaulted = draft.maxSize.trim() === offered;
  }
}
