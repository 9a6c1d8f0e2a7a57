import { existsSync } from 'node:fs';
import path from 'node:path';
import { defaultDiskName, diskFileName, diskNameFormatProblem, diskNameRule } from '../../domain/rules';
import type { DiskFormat } from '../../domain/vocabulary';
import { defaultDiskFormat, formatMismatch, formatsFor } from '../diskFormats';
import type { WizardState } from '../wizardState';

const FORMAT_LABELS: Record<DiskFormat, string> = {
  vhd: 'VHD (fixed): Azure, Hyper-V, XenServer',
  vhdx: 'VHDX: Hyper-V',
  vmdk: 'VMDK: vSphere',
  qcow2: 'QCOW2: KVM, Nutanix AHV',
  raw: 'Raw image',
};

/** Packaging Disk: the file name (default: the layer name) and a format the connector accepts. */
export async function packagingDiskTab(w: WizardState): Promise<void> {
  const { draft, prompter, state, existing } = w;
  prompter.tab('Packaging Disk');
  const connector = state.connectors.find((c) => c.name === draft.connector)!;
  // Only the formats the layer's hypervisor boots are offered (ESXi cannot boot a VHD).
  const formats = formatsFor(connector, draft.hypervisor, w.appliance);
  if (draft.diskFormat !== undefined) {
    prompter.answered('Disk format', draft.diskFormat);
    const mismatch = formatMismatch(draft.diskFormat as DiskFormat, draft.hypervisor);
    if (mismatch) draft.diskFormat = await prompter.select({ message: `Disk format (${mismatch})`, choices: formats.map((f) => ({ value: f, name: FORMAT_LABELS[f] })) });
  } else {
    const preferred = defaultDiskFormat(connector, existing, draft.hypervisor, w.appliance);
    if (formats.length === 1) {
      draft.diskFormat = formats[0];
      prompter.answered('Disk format', `${formats[0]} (the one ${draft.hypervisor ?? connector.type} boots)`);
    } else draft.diskFormat = await prompter.select({ message: 'Disk format', choices: formats.map((f) => ({ value: f, name: FORMAT_LABELS[f] })), default: preferred });
  }
  if (draft.diskName !== undefined) prompter.answered('Packaging Disk file name', draft.diskName);
  else {
    const format = draft.diskFormat as DiskFormat;
    draft.diskName = await prompter.input({
      message: 'Packaging Disk file name',
      default: defaultDiskName(existing ? `${existing.name}-${draft.version}` : String(draft.name)),
      validate: (v) => {
        const ok = diskNameRule(v);
        if (ok !== true) return ok;
        const other = diskNameFormatProblem(v, format);
        if (other) return other;
        if (connector.type === 'fileshare' && existsSync(path.join(String(connector.settings.path), diskFileName(v, format))))
          return `${diskFileName(v, format)} already exists on the share`;
        return true;
      },
    });
  }
}
