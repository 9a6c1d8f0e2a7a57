import { DeclinedError } from '../../domain/errors';
import type { Context } from '../../runtime/context';
import type { Prompter } from '../../runtime/prompter';
import type { LayerDraft } from '../draft';
import type { ListedChoices } from '../choices';
import type { LayerPlan } from '../plan';
import type { WizardState } from '../wizardState';
import { planSummary } from '../summary';

/** The tabs one can go back to from Confirm and Complete, with the answers each holds. */
export const EDITABLE_TABS: { name: string; fields: (keyof LayerDraft)[] }[] = [
  { name: 'Layer Details', fields: ['name', 'version', 'description', 'versionDescription', 'maxSize'] },
  { name: 'OS Layer', fields: ['osLayer'] },
  { name: 'Connector', fields: ['connector'] },
  { name: 'Platform Types', fields: ['purpose', 'hypervisor', 'provisioning', 'broker'] },
  { name: 'Recipe Associations', fields: ['recipes'] },
  { name: 'Packaging Disk', fields: ['diskName', 'diskFormat'] },
  { name: 'Icon Assignment', fields: ['icon'] },
  { name: 'Comment', fields: ['comment'] },
];

/** What the operator chose at Confirm and Complete: create, or go back to a tab. */
export type ConfirmChoice = { create: true; comment: string } | { create: false; edit: (keyof LayerDraft)[] };

/**
 * Confirm and Complete: a summary of every tab, the audit comment, then Create Layer. "No" there
 * offers to edit any tab (the console's wizard lets one click back) or to leave, creating nothing.
 */
export async function confirmTab(w: WizardState, plan: LayerPlan, skipConfirm: boolean): Promise<ConfirmChoice> {
  const { prompter, ctx, draft } = w;
  prompter.tab('Confirm and Complete');
  ctx.io.stderr.write(`${planSummary(plan, ctx.out.messageStyle, w.appliance)}\n`);
  const comment = draft.comment ?? (await prompter.input({ message: 'Comment (shown in the audit history, optional)', default: '' }));
  draft.comment = comment;
  if (skipConfirm) return { create: true, comment };
  const go = await prompter.confirm({ message: w.existing ? 'Add Version?' : 'Create Layer?', default: true });
  if (go) return { create: true, comment };
  const edit = await chooseTab(prompter, Boolean(w.existing));
  return { create: false, edit };
}

/** "Edit a tab" or leave: the fields of the chosen tab, to be asked again. */
export async function chooseTab(prompter: Prompter, addingVersion: boolean): Promise<(keyof LayerDraft)[]> {
  const tabs = addingVersion ? EDITABLE_TABS.filter((t) => t.name !== 'Layer Details') : EDITABLE_TABS;
  const LEAVE = -1;
  const picked = await prompter.select<number>({
    message: 'Edit a tab (answers kept), or leave',
    choices: [...tabs.map((t, i) => ({ value: i, name: `Edit ${t.name}` })), { value: LEAVE, name: 'Leave: create nothing' }],
  });
  if (picked === LEAVE) throw new DeclinedError('Not confirmed: nothing was created.');
  // A new version's Layer Details are its version fields only (the layer's name is fixed).
  return tabs[picked].fields;
}

/**
 * Every required value was given as flags or in the spec: no tab is asked, only the summary is
 * shown and the one question that remains (--yes skips it). "No" is an answer: exit 1, nothing created.
 */
export async function confirmPlan(ctx: Context, prompter: Prompter, plan: LayerPlan, addingVersion: boolean, choices?: ListedChoices): Promise<void> {
  ctx.io.stderr.write(`${planSummary(plan, ctx.out.messageStyle, choices)}\n`);
  const go = await prompter.confirm({ message: addingVersion ? 'Add Version?' : 'Create Layer?', default: true });
  if (!go) throw new DeclinedError('Not confirmed: nothing was created.');
}
