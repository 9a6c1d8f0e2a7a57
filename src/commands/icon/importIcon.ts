import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../../domain/errors';
import { homePaths } from '../../domain/home';
import { BUILTIN_ICONS, detectImageFormat } from '../../domain/icons';
import type { Icon, State } from '../../domain/state';
import type { StateStore } from '../../store/stateStore';
import { readInputFile } from '../../runtime/inputFile';
import { nextId } from '../shared/lookup';

const MAX_ICON_BYTES = 1024 * 1024;

/** Reads and checks an icon file; nothing is written until recordIcon. */
export async function readIconFile(file: string): Promise<{ abs: string; bytes: Buffer; format: 'png' | 'jpg' }> {
  const { abs, bytes } = await readInputFile(file, 'Icon file', 'give the path of a PNG or JPG file');
  if (bytes.length > MAX_ICON_BYTES) throw new UsageError(`Icon file ${abs} is ${Math.round(bytes.length / 1024)} KiB; icons must be at most 1 MiB.`);
  const detected = detectImageFormat(bytes.subarray(0, 32));
  if (!detected) throw new UsageError(`Icon file ${abs} is not a PNG or JPG image (checked by its content, not its name); export it as PNG or JPG.`);
  // The signature alone is not an image: the console would show a broken icon.
  const { jpegProblem, pngProblem } = await import('./iconImage.js');
  const damage = detected.format === 'png' ? await pngProblem(bytes) : jpegProblem(bytes);
  if (damage) throw new UsageError(`Icon file ${abs} is not a whole ${detected.format === 'png' ? 'PNG' : 'JPG'} image: it ${damage}; export it again as PNG or JPG.`);
  return { abs, bytes, format: detected.format };
}

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
