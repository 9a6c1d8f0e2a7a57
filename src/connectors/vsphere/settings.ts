import { envVarName, optionalString, requiredString } from '../flagValues';
import { serverAddress } from '../serverAddress';

/** What a vsphere connector configuration stores: names only, never a secret. */
export interface VsphereSettings {
  server: string;
  user: string;
  /** Environment variable holding the vCenter password. */
  passwordEnv: string;
  datacenter: string;
  datastore: string;
  host: string;
  network: string;
  folder: string;
  template: string | null;
  /** Environment variables holding the guest OS account elm runs the probe with. */
  guestUserEnv: string;
  guestPasswordEnv: string;
}

/** vSphere connector settings; names are case-sensitive, as in the console. */
export async function fromFlags(flags: Record<string, unknown>): Promise<Record<string, unknown>> {
  const settings: VsphereSettings = {
    server: serverAddress(requiredString(flags, 'server', '--server'), '--server', 'vcenter.corp.example'),
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
  return { ...settings };
}
