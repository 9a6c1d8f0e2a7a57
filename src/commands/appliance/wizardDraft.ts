/**
 * `layer create --appliance` on a terminal: the local wizard's tabs, offered the appliance's
 * objects (its OS layers and versions, connector configurations and their disk formats, platform
 * types, icons) as their source of choices, so the tabs are not duplicated. The plan the wizard
 * returns becomes a complete draft that resolveAppliancePlan checks and resolves on the appliance
 * as it does the flags.
 */
import type { Context } from '../../runtime/context';
import { UsageError } from '../../domain/errors';
import type { LayerDraft } from '../../wizard/draft';
import { missingApplianceFields, refuseRecipes } from '../../appliance/layerPlan';
import type { ApplianceSession } from '../../appliance/session';

export async function applianceWizardDraft(ctx: Context, session: ApplianceSession, draft: LayerDraft, skipConfirm: boolean): Promise<LayerDraft> {
  refuseRecipes(draft); // before a question is asked
  // Never prompt off a terminal or in CI (canPrompt says both), nor when the flags are complete.
  if (!ctx.io.canPrompt || missingApplianceFields(draft).length === 0) return draft;
  const [{ applianceSnapshot }, { listedChoices }, { runWizard }] = await Promise.all([
    import('../../appliance/snapshot.js'),
    import('../../appliance/platformChoices.js'),
    import('../../wizard/runWizard.js'),
  ]);
  const state = await applianceSnapshot(session, session.url, ['osLayers', 'connectors', 'icons']);
  // The appliance's platform types and connector formats in the dropdowns; its connectors and icons only picked.
  const { plan } = await runWizard(ctx, draft, state, undefined, skipConfirm, await listedChoices(session, state.connectors));
  // An --icon FILE given as a flag is still a file to import, which the appliance's console does.
  if (!('id' in plan.icon)) throw new UsageError('--appliance: import icons in the appliance\'s management console, then pick one here (elm icon list --appliance).');
  return {
    ...draft,
    name: plan.name,
    version: plan.version,
    description: plan.description,
    versionDescription: plan.versionDescription,
    maxSize: plan.maxSizeGiB,
    osLayer: `${plan.os.layer.name}@${plan.os.version.name}`,
    connector: plan.connector.name,
    purpose: plan.platform.purpose,
    hypervisor: plan.platform.hypervisor,
    provisioning: plan.platform.provisioning ?? (plan.platform.purpose === 'publishing' ? 'none' : undefined),
    broker: plan.platform.broker ?? (plan.platform.purpose === 'publishing' ? 'none' : undefined),
    diskName: plan.diskName,
    diskFormat: plan.diskFormat,
    icon: plan.icon.id,
    comment: plan.comment,
  };
}
