import { resolveOsLayerRef } from '../../commands/shared/lookup';
import { pvsPrerequisiteError } from '../pvsPrerequisites';
import type { WizardState } from '../wizardState';

/**
 * Recipe Associations (the PVS flow's tab): every connector configuration the layered image will
 * be published to. Asked for publishing layers when there is somewhere to publish to.
 */
export async function recipeAssociationsTab(w: WizardState): Promise<void> {
  const { draft, prompter, state } = w;
  if (draft.recipes !== undefined || draft.purpose !== 'publishing') return;
  const targets = state.connectors.filter((c) => c.name !== draft.connector && c.type !== 'fileshare');
  if (targets.length === 0) return;
  prompter.tab('Recipe Associations');
  const os = draft.osLayer ? resolveOsLayerRef(state, draft.osLayer) : null;
  draft.recipes = await prompter.checkbox({
    message: 'Publish layered images with this platform layer to',
    choices: targets.map((c) => ({ value: c.name, name: `${c.name} (${c.type})` })),
    validate: (picked) => {
      if (!os) return true;
      const err = pvsPrerequisiteError(state, picked, os);
      return err ? err.message : true;
    },
  });
}
