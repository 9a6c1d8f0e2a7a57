import type { Context } from '../../runtime/context';
import { UsageError } from '../../domain/errors';
import { parseDuration } from '../../domain/duration';
import { withVersionHints } from '../../domain/nextStepHints';
import { findConnector, resolveLayer, resolveVersion } from '../shared/lookup';
import { readyDisk } from '../shared/versionDisk';
import { probeArguments } from '../../integrity/probeArguments';
import { integrityContext } from '../../integrity/versionContext';

export interface MachineFlags {
  version?: string;
  machineName?: string;
  size?: string;
  vnet?: string;
  subnet?: string;
  linkExpiry?: string;
  wait?: boolean;
  timeout?: string;
  securityType?: string;
  licenseType?: string;
  publicIp?: boolean;
  rdpFrom?: string;
}

/** The machine flags only Azure reads: given to another connector they would be silently ignored. */
function refuseAzureOnlyFlags(flags: MachineFlags, config: { type: string; name: string }): void {
  if (config.type === 'azure') return;
  const given = [
    flags.securityType !== undefined && '--security-type',
    flags.licenseType !== undefined && '--license-type',
    flags.publicIp !== undefined && '--public-ip',
    flags.rdpFrom !== undefined && '--rdp-from',
  ].filter((f): f is string => Boolean(f));
  if (given.length)
    throw new UsageError(`${given.join(', ')} apply to Azure connectors only, and this version's connector "${config.name}" is ${config.type}; leave ${given.length > 1 ? 'them' : 'it'} out.`);
}

/** Everything deploy-link and deploy need, checked before any platform call. */
export async function machineRequest(ctx: Context, flags: MachineFlags, ref: string | undefined) {
  const state = await (await ctx.store()).read();
  const layer = resolveLayer(state, ref);
  const version = resolveVersion(layer, flags.version);
  if (version.state !== 'Editing' && version.state !== 'Finalizable')
    throw new UsageError(`"${layer.name}" ${version.name} is ${version.state}; a packaging machine is only for a version being edited.`);
  const disk = readyDisk(state, layer, version);
  const config = findConnector(state, version.connector);
  const linkExpiryMs = flags.linkExpiry !== undefined ? parseDuration(flags.linkExpiry, '--link-expiry') : undefined;
  if (linkExpiryMs !== undefined && (linkExpiryMs < 60_000 || linkExpiryMs > 7 * 86_400_000))
    throw new UsageError(`--link-expiry ${flags.linkExpiry} must be between 1m and 7d: the link is a credential, keep it short.`);
  refuseAzureOnlyFlags(flags, config);
  const connector = await ctx.connector(config);
  const os = state.osLayers.find((o) => o.name === version.osLayer.name)?.versions.find((v) => v.name === version.osLayer.version);
  const req = {
    layer: { id: layer.id, name: layer.name, version: version.name },
    taskId: version.createTaskId ?? '',
    disk,
    machineName: flags.machineName,
    size: flags.size,
    vnet: flags.vnet,
    subnet: flags.subnet,
    linkExpiryMs,
    os: os && { firmware: os.firmware ?? (os.generation === 'V2' ? ('EFI' as const) : ('BIOS' as const)), guestOs: os.guestOs },
    probeArguments: probeArguments(integrityContext(state, version)),
    // The OS layer version's disk decides how the machine boots (recorded at import).
    generation: state.osLayers.find((o) => o.name === version.osLayer.name)?.versions.find((v) => v.name === version.osLayer.version)?.generation,
    securityType: flags.securityType,
    licenseType: flags.licenseType,
    publicIp: flags.publicIp,
    rdpFrom: flags.rdpFrom,
  };
  await connector.preflight?.(req);
  return { state, layer, version, config, connector, req };
}

export async function run(ctx: Context, flags: MachineFlags, [ref]: string[]): Promise<void> {
  if (ctx.appliance) return (await import('../appliance/deployLink.js')).deployLinkOnAppliance(ctx, ctx.appliance, flags as Record<string, unknown>, ref);
  const { connector, req, version } = await machineRequest(ctx, flags, ref);
  const given = await connector.deployLink(req);
  const layer = (await (await ctx.store()).read()).layers.find((l) => l.id === req.layer.id);
  const link = layer ? { ...given, link: withVersionHints(given.link, layer, version.name) } : given;
  if (connector.type !== 'fileshare' && version.createTaskId) {
    // The console shows the deploy link in the Packaging Disk task's description.
    await (await ctx.store()).mutate((state) => {
      const task = state.tasks.find((t) => t.id === version.createTaskId);
      if (task)
        task.description = `${task.description.split('\nDeploy link:')[0]}\nDeploy link: ${link.link}\nParameters: ${JSON.stringify(link.parameters)}${link.note ? `\n${link.note}` : ''}`;
    });
  }
  if (ctx.io.json) return ctx.out.json(link);
  ctx.out.data(link.link);
  const extra = Object.entries(link.parameters).filter(([, v]) => v !== undefined && v !== null);
  if (connector.type !== 'fileshare') ctx.out.info(extra.map(([k, v]) => `${k}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`).join('\n'));
  if (link.note) ctx.out.info(link.note);
}
