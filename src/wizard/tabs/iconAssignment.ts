import { readIconFile } from '../../icons/readIconFile';
import { BUILTIN_ICONS } from '../../domain/icons';
import type { WizardState } from '../wizardState';

const IMPORT = '\u0000import';

/** Icon Assignment: a built-in or imported icon, or a PNG/JPG file to import (checked by content). */
export async function iconAssignmentTab(w: WizardState): Promise<void> {
  const { draft, prompter, state } = w;
  prompter.tab('Icon Assignment');
  if (draft.icon !== undefined) {
    prompter.answered('Icon', draft.icon);
    return;
  }
  // From an appliance: its own icon ids only (the first is its stock icon), nothing to import here.
  if (w.appliance) {
    draft.icon = await prompter.select<string>({ message: 'Icon', choices: state.icons.map((i) => ({ value: i.id, name: i.name })) });
    return;
  }
  const choice = await prompter.select<string>({
    message: 'Icon',
    default: 'default',
    choices: [
      ...BUILTIN_ICONS.map((i) => ({ value: i.id, name: i.name })),
      ...state.icons.map((i) => ({ value: i.id, name: `${i.name} (imported)` })),
      { value: IMPORT, name: 'Import a PNG or JPG file…' },
    ],
  });
  if (choice !== IMPORT) {
    draft.icon = choice;
    return;
  }
  draft.icon = await prompter.input({
    message: 'Image file (PNG or JPG)',
    validate: async (v) => {
      try {
        await readIconFile(v);
        return true;
      } catch (e) {
        return (e as Error).message;
      }
    },
  });
}
