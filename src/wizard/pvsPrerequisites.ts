import { UsageError } from '../domain/errors';
import type { OsLayer, OsLayerVersion, State } from '../domain/state';
import { shellQuote } from '../domain/shellQuote';

/**
 * PVS wants IPv6 disabled on the OS layer the platform layer is bound to. A layer is bound for
 * PVS when a recipe is a PVS connector or its provisioning service is PVS (--provisioning pvs,
 * with or without a recipe): known as soon as those and the OS layer are chosen, so layer create
 * refuses then, with the fix.
 */
export function pvsPrerequisiteError(
  state: State,
  recipes: string[],
  os: { layer: OsLayer; version: OsLayerVersion },
  provisioning?: string,
): UsageError | null {
  const pvs = recipes.filter((r) => state.connectors.find((c) => c.name === r)?.type === 'pvs');
  if ((pvs.length === 0 && provisioning !== 'pvs') || os.version.ipv6 === 'disabled') return null;
  const why = pvs.length ? `recipe ${pvs.join(', ')}` : 'provisioning pvs';
  return new UsageError(
    `OS layer "${os.layer.name}" version ${os.version.name} has IPv6 enabled, and PVS (${why}) needs it disabled on the OS layer. ` +
      `Fix: add an OS layer version with IPv6 disabled (elm os-layer version add ${shellQuote(os.layer.name)} --version V --disk PATH --ipv6 disabled) and bind the platform layer to it (--os-layer ${shellQuote(`${os.layer.name}@V`)}). ` +
      'Do not disable IPv6 on the platform layer instead: PVS machines then lose their network and hang at boot.',
  );
}
