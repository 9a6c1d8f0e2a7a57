import { counted } from '../../domain/plural';
import { UsageError } from '../../domain/errors';
import type { OsLayer } from '../../domain/state';
import type { WizardState } from '../wizardState';

/** OS Layer: the OS layer and version this platform layer is bound to. */
export async function osLayerTab(w: WizardState): Promise<void> {
  const { draft, prompter, state } = w;
  prompter.tab('OS Layer');
  if (draft.osLayer !== undefined) {
    prompter.answered('OS Layer', draft.osLayer);
    return;
  }
  const osName = await prompter.select({
    message: 'OS Layer',
    choices: state.osLayers.map((o) => ({
      value: o.name,
      name: o.name,
      description: `${counted(o.versions.length, 'version')}, newest ${o.versions[o.versions.length - 1].name}`,
    })),
  });
  const os = state.osLayers.find((o) => o.name === osName)!;
  w.osAsked = true;
  draft.osLayer = `${os.name}@${await askOsVersion(w, os, os.versions)}`;
}

/** The OS layer version, from the given candidates (newest first); asked only when there is a choice. */
export async function askOsVersion(w: WizardState, os: OsLayer, candidates: OsLayer['versions']): Promise<string> {
  if (candidates.length === 0) throw new UsageError(`OS layer "${os.name}" has no version to pick from.`);
  const newest = candidates[candidates.length - 1].name;
  if (candidates.length === 1) return newest;
  return w.prompter.select({
    message: 'OS Layer version',
    default: newest,
    choices: [...candidates].reverse().map((v) => ({ value: v.name, name: v.name, description: `IPv6 ${v.ipv6}, ${v.disk.format}` })),
  });
}
