/**
 * A session with a recorded appliance: its password read from the variable it names (never
 * stored), its CA file read, the time bound and the trace file taken from the environment.
 */
import fs from 'node:fs';
import { parseDuration } from '../domain/duration';
import { UsageError } from '../domain/errors';
import type { Appliance, State } from '../domain/state';
import { shellQuote } from '../domain/shellQuote';
import { ApplianceSession } from './session';

/** How long one exchange may take before the appliance counts as not answering. */
const DEFAULT_TIMEOUT_MS = 60_000;

export function findAppliance(state: State, name: string): Appliance {
  const all = state.appliances ?? [];
  const found = all.find((a) => a.name === name);
  if (!found) {
    const known = all.map((a) => a.name);
    throw new UsageError(`No appliance named "${name}"${known.length ? ` (appliances: ${known.join(', ')})` : ''}; add it with elm appliance add --name ${shellQuote(name)} --server HOST --user USER.`);
  }
  return found;
}

export function applianceTimeoutMs(env: NodeJS.ProcessEnv): number {
  const raw = env.ELM_APPLIANCE_TIMEOUT;
  return raw ? parseDuration(raw, 'ELM_APPLIANCE_TIMEOUT') : DEFAULT_TIMEOUT_MS;
}

/** The CA file's PEM; a missing or unreadable file is the operator's to fix (exit 2). */
export function readCaFile(file: string): string {
  let pem: string;
  try {
    pem = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`--ca-file ${file} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); give the PEM file of the appliance's certificate or CA.`);
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new UsageError(`--ca-file ${file} holds no PEM certificate (-----BEGIN CERTIFICATE-----); export the appliance's certificate or CA as PEM.`);
  return pem;
}

export function openSession(appliance: Appliance, env: NodeJS.ProcessEnv, signal?: AbortSignal): ApplianceSession {
  const password = env[appliance.passwordEnv];
  if (!password) throw new UsageError(`The password of appliance "${appliance.name}" is not set: export ${appliance.passwordEnv} (elm reads it from there and never stores it).`);
  return new ApplianceSession({
    name: appliance.name,
    url: new URL(appliance.url),
    user: appliance.user,
    password,
    passwordEnv: appliance.passwordEnv,
    ca: appliance.caFile ? readCaFile(appliance.caFile) : undefined,
    timeoutMs: applianceTimeoutMs(env),
    traceFile: env.ELM_APPLIANCE_TRACE || undefined,
    signal,
  });
}
