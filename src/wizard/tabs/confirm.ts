import { CancelledError } from '../../domain/errors';
import type { Context } from '../../runtime/context';
import type { Prompter } from '../../runtime/prompter';
import type { LayerPlan } from '../plan';
import type { WizardState } from '../wizardState';
import { planSummary } from '../summary';

/** Confirm and Complete: a summary of every tab, the audit comment, then Create Layer. */
export async function confirmTab(w: WizardState, plan: LayerPlan, skipConfirm: boolean): Promise<string> {
  const { prompter, ctx, draft } = w;
  prompter.tab('Confirm and Complete');
  ctx.io.stderr.write(`${planSummary(plan, ctx.out.messageStyle)}\n`);
  const comment = draft.comment ?? (await prompter.input({ message: 'Comment (shown in the audit history, optional)', default: '' }));
  if (!skipConfirm) await askGo(prompter, Boolean(w.existing));
  return comment;
}

/**
 * Every required value was given as flags or in the spec: no tab is asked, only the summary is
 * shown and the one question that remains (--yes skips it).
 */
export async function confirmPlan(ctx: Context, prompter: Prompter, plan: LayerPlan, addingVersion: boolean): Promise<void> {
  ctx.io.stderr.write(`${planSummary(plan, ctx.out.messageStyle)}\n`);
  await askGo(prompter, addingVersion);
}

async function askGo(prompter: Prompter, addingVersion: boolean): Promise<void> {
  const go = await prompter.confirm({ message: addingVersion ? 'Add Version?' : 'Create Layer?', default: true });
  if (!go) throw new CancelledError('Not confirmed: nothing was created.');
}
