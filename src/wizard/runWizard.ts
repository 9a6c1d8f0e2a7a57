import type { Context } from '../runtime/context';
import { UsageError } from '../domain/errors';
import type { ConnectorConfig, Layer, State } from '../domain/state';
import type { ListedChoices } from './choices';
import type { LayerDraft } from './draft';
import { missingFields, resolvePlan, type LayerPlan } from './plan';
import { chooseTab, confirmPlan, confirmTab } from './tabs/confirm';
import { connectorTab } from './tabs/connector';
import { iconAssignmentTab } from './tabs/iconAssignment';
import { layerDetailsTab } from './tabs/layerDetails';
import { osLayerTab } from './tabs/osLayer';
import { packagingDiskTab } from './tabs/packagingDisk';
import { platformTypesTab } from './tabs/platformTypes';
import { recipeAssociationsTab } from './tabs/recipeAssociations';
import type { WizardState } from './wizardState';

const PLATFORM_FIELDS: (keyof LayerDraft)[] = ['hypervisor', 'provisioning', 'broker'];

export interface WizardResult {
  plan: LayerPlan;
  newConnectors: ConnectorConfig[];
}

/**
 * The Create Platform Layer wizard, tab by tab in the console's order. Tabs skip what flags or
 * the spec already gave; every answer is checked where it is typed, and the whole plan once more
 * at the end with the same rules as the flags. `listed` (--appliance): the appliance's choices,
 * its connectors and icons only picked, never made here.
 */
export async function runWizard(ctx: Context, draft: LayerDraft, state: State, existing: Layer | undefined, skipConfirm: boolean, listed?: ListedChoices): Promise<WizardResult> {
  // Prerequisites first: nothing is asked when the answers could not be used.
  if (draft.osLayer === undefined && !existing && state.osLayers.length === 0)
    throw new UsageError('No OS layers yet: import one first (elm os-layer import --name N --version V --disk PATH), then run elm layer create again.');
  const prompter = await ctx.prompter();
  const w: WizardState = { ctx, prompter, draft: { ...draft }, state: structuredClone(state), existing, newConnectors: [], appliance: listed };
  // Only the platform missing (every other required value given): that tab alone, as --yes asks.
  const missing = missingFields(draft, existing, state);
  if (missing.length > 0 && missing.every((f) => PLATFORM_FIELDS.includes(f))) {
    await platformTypesTab(w);
    const plan = resolvePlan(w.draft, { state: w.state, existing, choices: listed });
    if (!skipConfirm) await confirmPlan(ctx, prompter, plan, Boolean(existing), listed);
    return { plan, newConnectors: [] };
  }
  for (;;) {
    await askTabs(w);
    const plan = await planOrEdit(w, existing);
    if (!plan) continue;
    const choice = await confirmTab(w, plan, skipConfirm);
    if (choice.create) {
      plan.comment = choice.comment;
      return { plan, newConnectors: w.newConnectors };
    }
    // Back to a tab: its answers are asked again, every other answer is kept.
    for (const field of choice.edit) delete w.draft[field];
    w.edited = true;
  }
}

async function askTabs(w: WizardState): Promise<void> {
  await layerDetailsTab(w);
  await osLayerTab(w);
  await connectorTab(w);
  await platformTypesTab(w);
  await recipeAssociationsTab(w);
  await packagingDiskTab(w);
  await iconAssignmentTab(w);
}

/** The plan from the answers; an edit that no longer fits another tab says why and asks which tab to change. */
async function planOrEdit(w: WizardState, existing: Layer | undefined): Promise<LayerPlan | null> {
  try {
    // The default Max Layer Size kept is no request: planned as if not given (no growth, no refusal).
    const draft = w.maxSizeDefaulted ? { ...w.draft, maxSize: undefined } : w.draft;
    return resolvePlan(draft, { state: w.state, existing, choices: w.appliance });
  } catch (e) {
    if (!(e instanceof UsageError) || !w.edited) throw e;
    w.ctx.out.error(e.message);
    for (const field of await chooseTab(w.prompter, Boolean(existing))) delete w.draft[field];
    return null;
  }
}
