import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../../domain/errors';
import { homePaths } from '../../domain/home';
import { BUILTIN_ICONS } from '../../domain/icons';
import type { Icon, State } from '../../domain/state';
import type { StateStore } from '../../store/stateStore';
import { readIconFile } from '../../icons/readIconFile';
import { nextId } from '../shared/lookup';

/** Copies the checked bytes under ELM_HOME/icons and records the icon (and that file), inside the caller's mutation. */
export async function recordIcon(state: State, home: string, icon: { bytes: Buffer; format: 'png' | 'jpg'; name: string }, now: Date): Promise<Icon> {
  const id = `icon-${nextId(state)}`;
  const dir = homePaths(home).icons;
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  // Named by a random token, not the id: ids are counted per state, and one home may hold two
  // states (its own and a team's) whose icon-5 must not overwrite each other.
  const file = path.join(dir, `${randomUUID()}.${icon.format}`);
  await fs.writeFile(file, icon.bytes, { mode: 0o600, flag: 'wx' });
  const record: Icon = { id, name: icon.name, format: icon.format, file, importedAt: now.toISOString() };
  state.icons.push(record);
  return record;
}

export async function importIconInto(store: StateStore, home: string, file: string, name: string | undefined, now: Date): Promise<Icon> {
  if (name !== undefined) checkIconName(name, '--name');
  const checked = await readIconFile(file);
  const iconName = name ?? path.basename(checked.abs).replace(/\.[^.]+$/, '');
  if (name === undefined) checkIconName(iconName, 'The file name');
  return store.mutate((state) => {
    // Names pick icons in `--icon NAME` and `icon remove NAME`: two alike would make that ambiguous.
    const taken = state.icons.find((i) => i.name === iconName) ?? BUILTIN_ICONS.find((i) => i.id === iconName || i.name === iconName);
    if (taken) throw new UsageError(`An icon named "${iconName}" already exists (${taken.id}); pick another --name.`);
    return recordIcon(state, home, { ...checked, name: iconName }, now);
  });
}

/** Non-empty, printable, not too long: a name people read in lists and type in commands. */
function checkIconName(name: string, what: string): void {
  if (name.trim() === '') throw new UsageError(`${what}: an icon name must not be empty; pass --name.`);
  // eslint-disable-next-line no-control-regex -- control characters are what is refused
  if (/[\u0000-\u001f\u007f-\u009f]/.test(name)) throw new UsageError(`${what}: an icon name must be printable (no control characters); pass --name.`);
  if (name !== name.trim()) throw new UsageError(`${what} "${name}": an icon name must not start or end with spaces.`);
  if (name.length > 64) throw new UsageError(`${what}: an icon name is at most 64 characters; pass a shorter --name.`);
}
