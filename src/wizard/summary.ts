import type { Style } from '../runtime/style';
import { diskFileName } from '../domain/rules';
import { platformTable, type ListedChoices, type PlatformKind } from './choices';
import type { LayerPlan } from './plan';

/** The Confirm and Complete tab's review: one section per wizard tab (platform types named as the appliance names them under --appliance). */
export function planSummary(plan: LayerPlan, style: Style, choices?: ListedChoices): string {
  const row = (k: string, v: string) => `  ${k.padEnd(22)} ${v}`;
  const p = plan.platform;
  const named = (kind: PlatformKind, id: string | undefined) => (id ? (platformTable(kind, choices)[id] ?? id) : '—');
  return [
    style.bold('Layer Details'),
    row('Layer Name', plan.name),
    row('Version', plan.version),
    row('Layer Description', plan.description || '—'),
    row('Version Description', plan.versionDescription || '—'),
    row('Max Layer Size', `${plan.maxSizeGiB} GiB`),
    style.bold('OS Layer'),
    row('OS Layer', `${plan.os.layer.name} ${plan.os.version.name} (IPv6 ${plan.os.version.ipv6})`),
    style.bold('Connector'),
    row('Connector', `${plan.connector.name} (${plan.connector.type})`),
    style.bold('Platform Types'),
    row('Purpose', p.purpose === 'packaging' ? 'Packaging: create and update layers' : 'Publishing: publish layered images'),
    row('Hypervisor', named('hypervisor', p.hypervisor)),
    row('Provisioning Service', named('provisioning', p.provisioning)),
    row('Connection Broker', named('broker', p.broker)),
    row('Recipe Associations', plan.recipes.length ? plan.recipes.join(', ') : '—'),
    style.bold('Packaging Disk'),
    row('File name', diskFileName(plan.diskName, plan.diskFormat)),
    row('Format', plan.diskFormat),
    style.bold('Icon Assignment'),
    row('Icon', 'id' in plan.icon ? plan.icon.id : `import ${plan.icon.file}`),
  ].join('\n');
}
