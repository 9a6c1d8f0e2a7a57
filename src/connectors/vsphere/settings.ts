import { envVarName, optionalString, requiredString } from '../flagValues';

/** vSphere connector settings; names are case-sensitive, as in the console. */
export async function fromFlags(flags: Record<string, unknown>): Promise<Record<string, unknown>> {
  return {
    server: requiredString(flags, 'server', '--server'),
    user: requiredString(flags, 'user', '--user'),
    passwordEnv: envVarName(flags, 'passwordEnv', '--password-env') ?? 'ELM_VSPHERE_PASSWORD',
    datacenter: requiredString(flags, 'datacenter', '--datacenter'),
    datastore: requiredString(flags, 'datastore', '--datastore'),
    host: requiredString(flags, 'host', '--host'),
    network: requiredString(flags, 'network', '--network'),
    folder: requiredString(flags, 'folder', '--folder'),
    template: optionalString(flags, 'template') ?? null,
    guestUserEnv: envVarName(flags, 'guestUserEnv', '--guest-user-env') ?? 'ELM_GUEST_USER',
    guestPasswordEnv: envVarName(flags, 'guestPasswordEnv', '--guest-password-env') ?? 'ELM_GUEST_PASSWORD',
  };
}
