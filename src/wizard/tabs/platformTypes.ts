import type { ConnectorType } from '../../domain/vocabulary';
import { platformTable } from '../choices';
import { defaultPurpose, naturalHypervisor } from '../platformRules';
import type { WizardState } from '../wizardState';
import { keepPvsPrerequisite } from './recipeAssociations';

/** Said explicitly, as --provisioning none / --broker none: nothing is recorded for it. */
const NONE = 'none';

/** Platform Types: the purpose radio buttons, then the dropdowns that purpose allows (an appliance's own types under --appliance). */
export async function platformTypesTab(w: WizardState): Promise<void> {
  const { draft, prompter, state } = w;
  const connectorType = state.connectors.find((c) => c.name === draft.connector)?.type as ConnectorType | undefined;
  const needPurpose = draft.purpose === undefined;
  const needHypervisor = draft.hypervisor === undefined;
  const publishingOpen = draft.provisioning === undefined || draft.broker === undefined;
  prompter.tab('Platform Types');
  if (!needPurpose) prompter.answered('This platform layer will be used for', String(draft.purpose));
  if (!needHypervisor) prompter.answered('Hypervisor', String(draft.hypervisor));
  if (draft.provisioning !== undefined) prompter.answered('Provisioning Service', draft.provisioning);
  if (draft.broker !== undefined) prompter.answered('Connection Broker', draft.broker);
  if (!needPurpose && !needHypervisor && (draft.purpose !== 'publishing' || !publishingOpen)) return;
  if (needPurpose) {
    draft.purpose = await prompter.select({
      message: 'This platform layer will be used for',
      default: defaultPurpose(draft),
      choices: [
        { value: 'packaging', name: 'Packaging: to create and update layers', description: 'the hypervisor software you need to package layers' },
        { value: 'publishing', name: 'Publishing: to publish layered images', description: 'hypervisor, provisioning service and connection broker' },
      ],
    });
  }
  if (needHypervisor) {
    draft.hypervisor = await prompter.select({
      message: 'Hypervisor',
      default: connectorType ? naturalHypervisor(connectorType) : undefined,
      choices: Object.entries(platformTable('hypervisor', w.appliance)).map(([value, name]) => ({ value, name })),
    });
  }
  if (draft.purpose !== 'publishing') return;
  if (draft.provisioning === undefined) {
    const p = await prompter.select({
      message: 'Provisioning Service',
      choices: [...Object.entries(platformTable('provisioning', w.appliance)).map(([value, name]) => ({ value, name })), { value: NONE, name: 'None' }],
    });
    draft.provisioning = p;
    // PVS provisioning: its OS layer prerequisite now, not after the last tab.
    if (p === 'pvs') await keepPvsPrerequisite(w);
  }
  if (draft.broker === undefined) {
    const b = await prompter.select({
      message: 'Connection Broker',
      choices: [...Object.entries(platformTable('broker', w.appliance)).map(([value, name]) => ({ value, name })), { value: NONE, name: 'None' }],
    });
    draft.broker = b;
  }
}
