import type { Style } from '../runtime/style';
import { diskFileName } from '../domain/rules';
import { BROKERS, HYPERVISORS, PROVISIONING_SERVICES } from '../domain/vocabulary';
import type { LayerPlan } from './plan';

/** The Confirm and Complete tab's review: one section per wizard tab. */
export function planSummary(plan: LayerPlan, style: Style): string {
  const row = (k: string, v: string) => `  ${k.padEnd(22)} ${v}`;
  const p = plan.platform;
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
    row('Hypervisor', p.hypervisor ? HYPERVISORS[p.hypervisor] : '—'),
    row('Provisioning Service', p.provisioning ? PROVISIONING_SERVICES[p.provisioning] : '—'),
    row('Connection Broker', p.broker ? BROKERS[p.broker] : '—'),
    row('Recipe Associations', plan.recipes.length ? plan.recipes.join(', ') : '—'),
    style.bold('Packaging Disk'),
    row('File name', diskFileName(plan.diskName, plan.diskFormat)),
    row('Format', plan.diskFormat),
    style.bold('Icon Assignment'),
    row('Icon', 'id' in plan.icon ? plan.icon.id : `import ${plan.icon.file}`),
  ].join('\n');
}
