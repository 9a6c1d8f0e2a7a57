import { promises as fs } from 'node:fs';
import { UsageError } from '../../domain/errors';
import { userPath } from '../../domain/home';
import { envVarName, optionalString, requiredString } from '../flagValues';
import { serverAddress } from '../serverAddress';
import type { PvsServer } from '../../domain/pvsServer';

export type { PvsServer };

/** `--server host=version[,agent][,console]`: what is installed on each PVS server. */
export function parseServer(spec: string): PvsServer {
  const m = /^([^=\s]+)=([^,\s]*)((?:,(?:agent|console))*)$/.exec(spec.trim());
  if (!m) throw new UsageError(`--server "${spec}" is not HOST=VERSION[,agent][,console], e.g. pvs01=2203.0.0,agent,console.`);
  // A version number as PVS reports it (2203, 2203.0.0, 7.15.45): digits in one to four parts.
  if (!/^\d+(?:\.\d+){0,3}$/.test(m[2])) throw new UsageError(`--server "${spec}": "${m[2]}" is not a version number such as 2203.0.0.`);
  serverAddress(m[1], '--server', 'pvs01=2203.0.0');
  const flags = m[3].split(',').filter(Boolean);
  return { host: m[1], version: m[2], agent: flags.includes('agent'), console: flags.includes('console') };
}

/**
 * The write cache types a PVS vDisk offers (Citrix Provisioning PowerShell SDK, WriteCacheType:
 * 0 private, 1 server, 3 device RAM, 4 device hard disk, 7 server persistent, 9 device RAM with
 * overflow on hard disk, 10 device hard disk persistent), in the names elm stores.
 */
export const WRITE_CACHE_TYPES = [
  'private',
  'cacheOnServer',
  'cacheInDeviceRam',
  'cacheOnDeviceHardDisk',
  'cacheOnServerPersistent',
  'cacheInDeviceRamWithOverflow',
  'cacheOnDeviceHardDiskPersistent',
] as const;

function writeCacheType(value: string): string {
  const found = WRITE_CACHE_TYPES.find((t) => t.toLowerCase() === value.toLowerCase());
  if (!found) throw new UsageError(`--write-cache "${value}" is not a PVS write cache type; use one of ${WRITE_CACHE_TYPES.join(', ')}.`);
  return found;
}

/** The store's folder as this machine reaches it (a mounted share): where publish writes vDisks. */
async function storePath(value: string | undefined): Promise<string | null> {
  if (value === undefined) return null;
  const dir = userPath(value);
  const st = await fs.stat(dir).catch(() => null);
  if (!st?.isDirectory()) throw new UsageError(`--store-path ${dir} is not a folder here; mount the PVS store's share and give its folder.`);
  return dir;
}

export async function fromFlags(flags: Record<string, unknown>): Promise<Record<string, unknown>> {
  const licenseMode = optionalString(flags, 'licenseMode') ?? 'none';
  if (!['kms', 'mak', 'none'].includes(licenseMode)) throw new UsageError(`--license-mode "${licenseMode}" must be kms, mak or none.`);
  const servers = ((flags.server as string[] | undefined) ?? []).map(parseServer);
  // One entry per server: two versions for one server would make the version check meaningless.
  const seen = new Map<string, string>();
  for (const s of servers) {
    const key = s.host.toLowerCase();
    if (seen.has(key)) throw new UsageError(`--server ${s.host} is given twice (${seen.get(key)} and ${s.version}); give each PVS server once, with its one version.`);
    seen.set(key, s.version);
  }
  return {
    console: serverAddress(requiredString(flags, 'console', '--console'), '--console', 'pvs01.corp.example'),
    user: requiredString(flags, 'user', '--user'),
    passwordEnv: envVarName(flags, 'passwordEnv', '--password-env') ?? 'ELM_PVS_PASSWORD',
    site: requiredString(flags, 'site', '--site'),
    store: requiredString(flags, 'store', '--store'),
    storePath: await storePath(optionalString(flags, 'storePath')),
    writeCache: writeCacheType(optionalString(flags, 'writeCache') ?? 'cacheInDeviceRamWithOverflow'),
    licenseMode,
    servers,
  };
}
