import { connectorNameRule } from '../../domain/rules';
import { homePaths } from '../../domain/home';
import type { WizardState } from '../wizardState';

const NEW = '\u0000new-fileshare';

/** Connector: pick the configuration where the layer is packaged, or add a file share right here. */
export async function connectorTab(w: WizardState): Promise<void> {
  const { draft, prompter, state, ctx } = w;
  prompter.tab('Connector');
  if (draft.connector !== undefined) {
    prompter.answered('Connector Configuration', draft.connector);
    return;
  }
  const usable = state.connectors.filter((c) => c.type !== 'pvs');
  const choice = await prompter.select<string>({
    message: 'Connector Configuration',
    choices: [
      ...usable.map((c) => ({ value: c.name, name: `${c.name} (${c.type})`, description: String(c.settings.path ?? c.settings.storageAccount ?? c.settings.server ?? '') })),
      ...(w.appliance ? [] : [{ value: NEW, name: 'New file share connector…', description: 'add a connector configuration now' }]),
    ],
  });
  if (choice !== NEW) {
    draft.connector = choice;
    return;
  }
  const name = await prompter.input({
    message: 'New connector name',
    default: usable.length === 0 ? 'share' : undefined,
    validate: (v) => {
      const ok = connectorNameRule(v);
      if (ok !== true) return ok;
      return state.connectors.some((c) => c.name === v) ? `a connector named "${v}" already exists` : true;
    },
  });
  const { fromFlags } = await import('../../connectors/fileshare/settings.js');
  // Checked where it is typed: a folder that cannot be a share is asked again, never the end of the wizard.
  let settings: Record<string, unknown> = {};
  await prompter.input({
    message: 'Share folder',
    default: homePaths(ctx.home).defaultShare,
    validate: async (dir) => {
      if (dir.trim() === '') return 'give the folder that receives packaging disks';
      try {
        settings = await fromFlags({ path: dir.trim() }, ctx.home); // fromFlags expands ~ and resolves
        return true;
      } catch (e) {
        return (e as Error).message.replace(/^--path /, '');
      }
    },
  });
  // As `connector add fileshare --machine-path`: the path the packaging machine sees (a UNC path),
  // which the deploy steps and the probe's -ReportPath give it; empty when it is the same path.
  const machinePath = await prompter.input({ message: "The machine's path of the share (as the packaging machine reaches it, e.g. \\\\files\\elm; empty: the same)", default: '' });
  if (machinePath.trim() !== '') settings = await fromFlags({ path: settings.path, machinePath }, ctx.home);
  const config = { id: 'pending', name, type: 'fileshare' as const, createdAt: ctx.now().toISOString(), settings };
  w.newConnectors.push(config);
  state.connectors.push(config);
  draft.connector = name;
}
