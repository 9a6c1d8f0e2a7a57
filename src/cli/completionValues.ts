import { resolveHome } from '../domain/home';
import { BUILTIN_ICONS } from '../domain/icons';
import type { State } from '../domain/state';
import { BROKERS, DISK_FORMATS, HYPERVISORS, IPV6_STATES, PROVISIONING_SERVICES, PURPOSES, TASK_STATES } from '../domain/vocabulary';

/**
 * What a flag's value or a command's argument can be, for shell completion: fixed choices, or the
 * names the state holds (layers, OS layers, connectors, tasks, icons). An empty answer lets the
 * shell complete file names instead (a --disk, a --report, a spec file).
 */
export type ValueSource = 'layers' | 'osLayers' | 'connectors' | 'tasks' | 'icons' | 'anyIcon' | readonly string[];

const FLAG_VALUES: Record<string, ValueSource> = {
  '--os-layer': 'osLayers',
  '--connector': 'connectors',
  '--recipe': 'connectors',
  '--layer': 'layers',
  '--icon': 'anyIcon',
  '--disk-format': DISK_FORMATS,
  '--ipv6': IPV6_STATES,
  '--purpose': PURPOSES,
  '--hypervisor': Object.keys(HYPERVISORS),
  '--provisioning': [...Object.keys(PROVISIONING_SERVICES), 'none'],
  '--broker': [...Object.keys(BROKERS), 'none'],
  '--license-mode': ['kms', 'mak', 'none'],
};

/** The values of a flag of the command at `path` (`task list --state` is a task state). */
export function flagValues(path: string, flag: string): ValueSource | undefined {
  if (path === 'task list' && flag === '--state') return TASK_STATES;
  return FLAG_VALUES[flag];
}

/** The values of a command's argument, by its name and the command group it is in. */
export function argumentValues(path: string, argument: string): ValueSource | undefined {
  const group = path.split(' ')[0];
  if (argument === 'layer') return 'layers';
  if (argument === 'shell') return ['bash', 'zsh', 'fish', 'powershell'];
  if (group === 'os-layer' && argument === 'name') return 'osLayers';
  if (group === 'connector' && argument === 'name') return 'connectors';
  if (group === 'task' && argument === 'id') return 'tasks';
  if (group === 'icon' && argument === 'icon') return 'icons';
  return undefined;
}

/**
 * The candidates a source gives. The state is only read (no lock, nothing written); a home
 * without a state, or one that cannot be read, gives no names rather than an error. A remote
 * state (an Azure blob) is not asked: a TAB must answer at once, never wait on the network.
 */
export async function resolveValues(source: ValueSource, current: string, home: string | undefined, remote: boolean): Promise<string[]> {
  if (typeof source !== 'string') return [...source];
  if (remote) return [];
  let state: State;
  try {
    const { openBackend } = await import('../store/stateBackend.js');
    state = await (await openBackend({ home: resolveHome(home), env: process.env })).store.read();
  } catch {
    return [];
  }
  switch (source) {
    case 'layers':
      return state.layers.map((l) => l.name);
    case 'connectors':
      return state.connectors.map((c) => c.name);
    case 'icons':
      return state.icons.map((i) => i.name);
    case 'anyIcon':
      // --icon takes a built-in id or an imported icon's name (or a file: the shell's fallback).
      return [...BUILTIN_ICONS.map((i) => i.id), ...state.icons.map((i) => i.name)];
    case 'tasks':
      return state.tasks.map((t) => t.id);
    case 'osLayers':
      // `--os-layer win11@2`: once an @ is typed, the versions of that OS layer.
      return current.includes('@') ? state.osLayers.flatMap((o) => o.versions.map((v) => `${o.name}@${v.name}`)) : state.osLayers.map((o) => o.name);
  }
}
