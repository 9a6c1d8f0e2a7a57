/**
 * The Platform Types tab's rules: a packaging platform layer names only a hypervisor; a publishing
 * one may name a provisioning service and a broker too. Shared by flags, spec and wizard.
 */
import { PURPOSES, type ConnectorType, type HypervisorId, type Purpose } from '../domain/vocabulary';
import { platformTable, type ListedChoices, type PlatformKind } from './choices';

export function purposeRule(v: string): true | string {
  return (PURPOSES as readonly string[]).includes(v) ? true : `purpose must be packaging or publishing (got "${v}")`;
}

export function idRule(kind: PlatformKind, v: string, choices?: ListedChoices): true | string {
  const table = platformTable(kind, choices);
  return v in table ? true : `${kind} must be one of ${Object.keys(table).join(', ')} (got "${v}")`;
}

/** Where a connector packages, that is the natural hypervisor of the layer. */
export function naturalHypervisor(type: ConnectorType): HypervisorId | undefined {
  if (type === 'azure') return 'azure';
  if (type === 'vsphere') return 'vsphere';
  return undefined;
}

export function defaultPurpose(draft: { provisioning?: string; broker?: string; recipes?: string[] }): Purpose {
  return draft.provisioning || draft.broker || (draft.recipes && draft.recipes.length > 0) ? 'publishing' : 'packaging';
}
