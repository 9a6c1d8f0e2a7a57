/**
 * What `--appliance NAME` (ELM_APPLIANCE) covers. The read commands show the appliance's objects;
 * what the appliance owns beyond the layer flow is refused, naming where to do it; every other
 * command is refused too, so nothing is silently done on the local state instead.
 */
import { UsageError } from '../domain/errors';

/** Commands that work on the appliance (`elm appliance …` manages elm's list of appliances). */
const ON_APPLIANCE = new Set(['layer create', 'layer list', 'layer show', 'os-layer list', 'connector list', 'icon list', 'task show', 'task wait', 'task cancel', 'finalize', 'disk status', 'machine deploy-link', 'verify', 'layer version add']);

/** What the appliance owns: done in its management console (or by the tool named). */
const OWNED: Record<string, string> = {
  'connector add': 'add connector configurations in the appliance\'s management console (Connectors)',
  'connector remove': 'remove connector configurations in the appliance\'s management console (Connectors)',
  'os-layer import': 'import OS layers in the appliance\'s management console (Layers > OS Layers > Create OS Layer)',
  'os-layer version add': 'add OS layer versions in the appliance\'s management console (Layers > OS Layers > Add Version)',
  'os-layer remove': 'delete OS layers in the appliance\'s management console',
  'os-layer version remove': 'delete OS layer versions in the appliance\'s management console',
  'icon import': 'upload icons in the appliance\'s management console (a layer\'s Icon Assignment tab)',
  'icon remove': 'delete icons in the appliance\'s management console',
  'layer remove': 'delete layers in the appliance\'s management console',
  'layer version remove': 'delete layer versions in the appliance\'s management console',
  'layer build': 'build the layer without --appliance (elm layer build packages it from the local state)',
};

function isFree(path: string): boolean {
  return path === 'appliance' || path.startsWith('appliance ') || path.startsWith('completion') || path === '__complete';
}

/** Refuses (exit 2, one line) a command --appliance does not cover, before it touches anything. */
export function refuseOutsideAppliance(path: string, appliance: string): void {
  if (ON_APPLIANCE.has(path) || isFree(path)) return;
  const owned = Object.entries(OWNED).find(([p]) => path === p || path.startsWith(`${p} `));
  if (owned) throw new UsageError(`elm ${path} is not done through --appliance ${appliance}: the appliance owns it; ${owned[1]}.`);
  throw new UsageError(
    `elm ${path} does not work on an appliance yet (--appliance ${appliance}, or ELM_APPLIANCE); run it without --appliance for the local state, or use the appliance's management console.`,
  );
}
