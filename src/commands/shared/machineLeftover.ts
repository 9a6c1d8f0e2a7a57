import type { ConnectorConfig } from '../../domain/state';

/**
 * The packaging machine a removal leaves, said so the operator can find and delete it by hand:
 * which machine (its name and platform id) and where (the vCenter, datacenter and folder; the
 * Azure subscription and resource group), from what the deploy recorded. elm deletes a machine
 * only when finalizing, where the connector knows what it created.
 */
export function machineLeftover(machine: Record<string, unknown>, connector: ConnectorConfig | undefined): string {
  const r = (machine.resources ?? {}) as Record<string, unknown>;
  const text = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
  const name = text(machine.name) ?? text(r.vmName) ?? '(its name was not recorded)';
  const id = text(r.vm) ?? text(r.vmId);
  const where: string[] = [];
  if (text(r.server)) where.push(`vCenter ${text(r.server)}`);
  if (text(r.datacenterName)) where.push(`datacenter ${text(r.datacenterName)}`);
  if (text(r.folderName)) where.push(`folder ${text(r.folderName)}`);
  const subscription = text(connector?.settings.subscription);
  if (subscription) where.push(`Azure subscription ${subscription}`);
  if (text(r.resourceGroup)) where.push(`resource group ${text(r.resourceGroup)}`);
  const via = connector ? `, connector "${connector.name}"` : '';
  const at = where.length ? ` in ${where.join(', ')}` : '';
  return `the packaging machine ${name}${id ? ` (${id})` : ''}${at}${via}: elm deletes a packaging machine only when finalizing; delete it there by hand`;
}
