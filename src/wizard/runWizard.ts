import type { Context } from '../runtime/context';
import { UsageError } from '../domain/errors';
import type { ConnectorConfig, Layer, State } from '../domain/state';
import type { LayerDraft } from './draft';
import { resolvePlan, type LayerPlan } from './plan';
import { confirmTab } from './tabs/confirm';
import { connectorTab } from './tabs/connector';
import { iconAssignmentTab } from './tabs/iconAssignment';
import { layerDetailsTab } from './tabs/layerDetails';
import { osLayerTab } from './tabs/osLayer';
import { packagingDiskTab } from './tabs/packagingDisk';
import { platformTypesTab } from './tabs/platformTypes';
import { recipeAssociationsTab } from './tabs/recipeAssociations';
import type { WizardState } from './wizardState';

export interface WizardResult {
  plan: LayerPlan;
  newConnectors: ConnectorConfig[];
}

/**
 * The Create Platform Layer wizard, tab by tab in the console's order. Tabs skip what flags or
 * the spec already gave; every answer is checked where it is typed, and the whole plan once more
 * at the end with the same rules as the flags.
 */
export async function runWizard(ctx: Context, draft: LayerDraft, state: State, existing: Layer | undefined, skipConfirm: boolean): Promise<WizardResult> {
  // Prerequisites first: nothing is asked when the answers could not be used.
  if (draft.osLayer === undefined && !existing && state.osLayers.length === 0)
    throw new UsageError('No OS layers yet: import one first (elm os-layer import --name N --version V --disk PATH), then run elm layer create again.');
  const prompter = await ctx.prompter();
  const w: WizardState = { ctx, prompter, draft: { ...draft }, state: structuredClone(state), existing, newConnectors: [] };
  await layerDetailsTab(w);
  await osLayerTab(w);
  await connectorTab(w);
  await platformTypesTab(w);
  await recipeAssociationsTab(w);
  await packagingDiskTab(w);
  await iconAssignmentTab(w);
  const plan = resolvePlan(w.draft, { state: w.state, existing });
  plan.comment = await confirmTab(w, plan, skipConfirm);
  return { plan, newConnectors: w.newConnectors };
}
