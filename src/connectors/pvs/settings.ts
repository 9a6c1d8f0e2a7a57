import { UsageError } from '../../domain/errors';
import { envVarName, optionalString, requiredString } from '../flagValues';

export interface PvsServer {
  host: string;
  version: string;
  agent: boolean;
  console: boolean;
}

/** `--server host=version[,agent][,console]`: what is installed on each PVS server. */
export function parseServer(spec: string): PvsServer {
  const m = /^([^=\s]+)=([0-9][0-9.]*)((?:,(?:agent|console))*)$/.exec(spec.trim());
  if (!m) throw new UsageError(`--server "${spec}" is not HOST=VERSION[,agent][,console], e.g. pvs01=2203.0.0,agent,console.`);
  const flags = m[3].split(',').filter(Boolean);
  return { host: m[1], version: m[2], agent: flags.includes('agent'), console: flags.includes('console') };
}

export async function fromFlags(flags: Record<string, unknown>): Promise<Record<string, unknown>> {
  const licenseMode = optionalString(flags, 'licenseMode') ?? 'none';
  if (!['kms', 'mak', 'none'].includes(licenseMode)) throw new UsageError(`--license-mode "${licenseMode}" must be kms, mak or none.`);
  const servers = ((flags.server as string[] | undefined) ?? []).map(parseServer);
  return {
    console: requiredString(flags, 'console', '--console'),
    user: requiredString(flags, 'user', '--user'),
    passwordEnv: envVarName(flags, 'passwordEnv', '--password-env') ?? 'ELM_PVS_PASSWORD',
    site: requiredString(flags, 'site', '--site'),
    store: requiredString(flags, 'store', '--store'),
    writeCache: optionalString(flags, 'writeCache') ?? 'cacheInDeviceRamWithOverflow',
    licenseMode,
    servers,
  };
}
