import { UsageError } from '../../domain/errors';
import type { WizardState } from '../wizardState';

/** OS Layer: the OS layer and version this platform layer is bound to. */
export async function osLayerTab(w: WizardState): Promise<void> {
  const { draft, prompter, state } = w;
  if (draft.osLayer !== undefined) return;
  prompter.tab('OS Layer');
  if (state.osLayers.length === 0) throw new UsageError('No OS layers yet: import one first (elm os-layer import --name N --version V --disk PATH).');
  const osName = await prompter.select({
    message: 'OS Layer',
    choices: state.osLayers.map((o) => ({
      value: o.name,
      name: o.name,
      description: `${o.versions.length} version(s), newest ${o.versions[o.versions.length - 1].name}`,
    })),
  });
  const os = state.osLayers.find((o) => o.name === osName)!;
  let version = os.versions[os.versions.length - 1].name;
  if (os.versions.length > 1) {
    version = await prompter.select({
      message: 'OS Layer version',
      default: version,
      choices: [...os.versions].reverse().map((v) => ({ value: v.name, name: v.name, description: `IPv6 ${v.ipv6}, ${v.disk.format}` })),
    });
  }
  draft.osLayer = `${os.name}@${version}`;
}
