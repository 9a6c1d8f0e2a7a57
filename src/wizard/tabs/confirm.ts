import { CancelledError } from '../../domain/errors';
import type { LayerPlan } from '../plan';
import type { WizardState } from '../wizardState';
import { planSummary } from '../summary';

/** Confirm and Complete: a summary of every tab, the audit comment, then Create Layer. */
export async function confirmTab(w: WizardState, plan: LayerPlan, skipConfirm: boolean): Promise<string> {
  const { prompter, ctx, draft } = w;
  prompter.tab('Confirm and Complete');
  ctx.io.stderr.write(`${planSummary(plan, ctx.out.style)}\n`);
  const comment = draft.comment ?? (await prompter.input({ message: 'Comment (shown in the audit history, optional)', default: '' }));
  if (!skipConfirm) {
    const go = await prompter.confirm({ message: w.existing ? 'Add Version?' : 'Create Layer?', default: true });
    if (!go) throw new CancelledError('Not confirmed: nothing was created.');
  }
  return comment;
}
