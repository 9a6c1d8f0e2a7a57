import type { LayerVersion, State } from '../domain/state';
import type { EvaluateContext } from './evaluate';
import type { PvsServer } from '../domain/pvsServer';

/**
 * What verify checks a report against, for a layer published to PVS (a `pvs` recipe, or the
 * provisioning platform type `pvs`):
 * - the PVS Target Device version and KMS rearm, from the version's PVS recipes;
 * - IPv6: the packaging machine runs the OS layer, so IPv6 disabled there (what PVS needs) shows
 *   as disabled on the machine too. Only when the bound OS layer version has IPv6 enabled does a
 *   machine without IPv6 mean that the platform layer disabled it itself, which makes PVS
 *   machines lose their network and hang at boot. A machine WITH IPv6 shows the OS layer has it
 *   on, whatever that layer declares: PVS needs it off there.
 */
export function integrityContext(state: State, version: LayerVersion): EvaluateContext {
  const pvs = version.recipes.map((r) => state.connectors.find((c) => c.name === r)).filter((c) => c?.type === 'pvs');
  const publishesToPvs = pvs.length > 0 || version.platform.provisioning === 'pvs';
  // A file share gives elm no way onto the machine: NGen advice says to run the script there.
  const onShare = state.connectors.find((c) => c.name === version.connector)?.type === 'fileshare';
  const base: EvaluateContext = onShare ? { canExpediteNgen: false } : {};
  if (!publishesToPvs) return base;
  const osVersion = state.osLayers.find((o) => o.name === version.osLayer.name)?.versions.find((v) => v.name === version.osLayer.version);
  const ctx: EvaluateContext = { ...base, publishesToPvs: true, expectIpv6Enabled: osVersion?.ipv6 === 'enabled' };
  if (pvs.length > 0) {
    const servers = pvs.flatMap((c) => (c!.settings.servers as PvsServer[] | undefined) ?? []);
    const modes = pvs.map((c) => String(c!.settings.licenseMode ?? 'none'));
    ctx.pvs = { serverVersions: [...new Set(servers.map((s) => s.version))], licenseMode: modes.includes('kms') ? 'kms' : modes.includes('mak') ? 'mak' : 'none' };
  }
  return ctx;
}
