import type { EvaluateContext } from './evaluate';

/**
 * The probe's PVS, KMS and IPv6 parameters for a version, so that ShutdownForFinalize.ps1 -Shutdown
 * refuses on the machine what elm would refuse (a file share's operator runs it by hand).
 */
export function probeArguments(ctx: EvaluateContext): string[] {
  const args: string[] = [];
  const servers = ctx.pvs?.serverVersions ?? [];
  // One PVS version to match; with several (or none known) elm checks the versions itself.
  if (servers.length === 1) args.push('-PvsVersion', servers[0]);
  if (ctx.pvs?.licenseMode === 'kms') args.push('-KmsRearm');
  if (ctx.expectIpv6Enabled === true) args.push('-ExpectIPv6');
  return args;
}
