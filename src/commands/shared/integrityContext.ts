import type { LayerVersion, State } from '../../domain/state';
import type { EvaluateContext } from '../../integrity/evaluate';
import type { PvsServer } from '../../connectors/pvs/settings';

/** The PVS facts verify checks a report against: from the version's PVS recipes, if any. */
export function integrityContext(state: State, version: LayerVersion): EvaluateContext {
  const pvs = version.recipes.map((r) => state.connectors.find((c) => c.name === r)).filter((c) => c?.type === 'pvs');
  if (pvs.length === 0) return {};
  const servers = pvs.flatMap((c) => (c!.settings.servers as PvsServer[] | undefined) ?? []);
  const modes = pvs.map((c) => String(c!.settings.licenseMode ?? 'none'));
  return {
    pvs: { serverVersions: [...new Set(servers.map((s) => s.version))], licenseMode: modes.includes('kms') ? 'kms' : modes.includes('mak') ? 'mak' : 'none' },
    expectIpv6Enabled: true,
  };
}
