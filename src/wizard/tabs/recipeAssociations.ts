import { resolveOsLayerRef } from '../../domain/osLayerRef';
import { pvsPrerequisiteError } from '../pvsPrerequisites';
import type { WizardState } from '../wizardState';
import { askOsVersion } from './osLayer';

/**
 * Recipe Associations (the PVS flow's tab): every connector configuration the layered image will
 * be published to. Asked for publishing layers when there is somewhere to publish to.
 */
export async function recipeAssociationsTab(w: WizardState): Promise<void> {
  const { draft, prompter, state } = w;
  // An appliance takes no recipes when a layer is created: its Platform Types say where images go.
  if (w.appliance) return;
  if (draft.recipes !== undefined) {
    prompter.tab('Recipe Associations');
    prompter.answered('Publish layered images with this platform layer to', draft.recipes.join(', ') || 'nothing');
  } else {
    if (draft.purpose !== 'publishing') return;
    const targets = state.connectors.filter((c) => c.name !== draft.connector && c.type !== 'fileshare');
    if (targets.length === 0) return;
    prompter.tab('Recipe Associations');
    const os = draft.osLayer ? resolveOsLayerRef(state, draft.osLayer) : null;
    draft.recipes = await prompter.checkbox({
      message: 'Publish layered images with this platform layer to',
      choices: targets.map((c) => ({ value: c.name, name: `${c.name} (${c.type})` })),
      validate: (picked) => {
        // An OS layer picked in the wizard can still change version below; one given as a flag cannot.
        if (!os || w.osAsked) return true;
        const err = pvsPrerequisiteError(state, picked, os);
        return err ? err.message : true;
      },
    });
  }
  await keepPvsPrerequisite(w);
}

/**
 * PVS needs IPv6 disabled on the OS layer (for a PVS recipe, or the provisioning service PVS):
 * checked as soon as that is chosen. When the OS layer was picked in this wizard, the refusal
 * comes with the choice of a version that has it disabled, rather than at the end of the wizard;
 * one given as a flag is refused there and then, before more is asked.
 */
export async function keepPvsPrerequisite(w: WizardState): Promise<void> {
  const { draft, state, ctx } = w;
  // An appliance's OS layers say nothing of IPv6: the appliance judges its own prerequisites.
  if (!draft.osLayer || w.appliance) return;
  const os = resolveOsLayerRef(state, draft.osLayer);
  const err = pvsPrerequisiteError(state, draft.recipes ?? [], os, draft.provisioning);
  if (!err) return;
  const usable = os.layer.versions.filter((v) => v.ipv6 === 'disabled');
  if (usable.length === 0 || !w.osAsked) throw err; // no version can do it, or the flag chose it: the message says how to fix it
  ctx.out.warn(`PVS needs IPv6 disabled on the OS layer, and "${os.layer.name}" ${os.version.name} has it enabled: pick a version with IPv6 disabled.`);
  w.prompter.tab('OS Layer');
  if (usable.length === 1) ctx.out.info(`OS Layer version ${usable[0].name}: the only one with IPv6 disabled.`);
  draft.osLayer = `${os.layer.name}@${await askOsVersion(w, os.layer, usable)}`;
}
