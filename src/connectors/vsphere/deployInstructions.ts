import type { DeployLink, DeployLinkRequest } from '../connector';
import type { VsphereSettings } from './settings';

/** `16 MiB`, `127.5 GiB`. */
export function formatSize(bytes: number): string {
  const gib = bytes / 2 ** 30;
  return gib >= 1 ? `${Math.round(gib * 10) / 10} GiB` : `${Math.round(bytes / 2 ** 20)} MiB`;
}

/** What deploy-link knows about the packaging machine: where it is, or where it will be. */
export interface MachinePlace {
  name: string;
  vmId: string | null;
  power: string | null;
  /** Why vCenter could not be asked (the instructions are still printed). */
  lookupError?: string;
}

/**
 * The vSphere Client address. A direct link to a VM (`/ui/app/vm;nav=v/urn:vmomi:VirtualMachine:
 * <vm-id>:<vCenter instance uuid>/summary`) needs the vCenter instance UUID, which only the SOAP
 * API tells: the plain client address is given, with the VM name to search for.
 */
export function vsphereClientUrl(server: string): string {
  return `https://${server}/ui/`;
}

/**
 * vSphere has no portal link to follow: the "link" is where the packaging machine is (or will
 * be) and the steps of the seed, ending with verify and finalize.
 */
export function deployInstructions(settings: VsphereSettings, server: string, req: DeployLinkRequest, place: MachinePlace): DeployLink {
  const layer = `"${req.layer.name}"`;
  const where = `VM ${place.name} in datacenter ${settings.datacenter}, folder ${settings.folder}`;
  const status = place.vmId
    ? `exists (${place.vmId}, ${place.power === 'POWERED_ON' ? 'powered on' : place.power === 'POWERED_OFF' ? 'powered off' : (place.power ?? 'state unknown').toLowerCase()})`
    : place.lookupError
      ? `not looked up (${place.lookupError})`
      : `not created yet: elm machine deploy ${layer} creates it`;
  const hardware = settings.template ? `cloned from the template ${settings.template}` : 'with default hardware (2 vCPU, 4 GiB)';
  const url = vsphereClientUrl(server);
  const steps = [
    `Packaging machine for ${layer} ${req.layer.version} on vCenter ${server}:`,
    `  ${where}: ${status}.`,
    `  Boot disk: ${req.disk.location} (the packaging disk, vmdk, ${formatSize(req.disk.sizeBytes)}).`,
    `  vSphere Client: ${url} (search for ${place.name}).`,
    `1. elm machine deploy ${layer} creates it ${hardware} on host ${settings.host}, network ${settings.network}, attaches the packaging disk as its boot disk and powers it on.`,
    `   (By hand instead: create ${place.name} in that folder with the disk above as its first disk, used in place, not copied.)`,
    '2. Log into the vSphere Client, open the machine\'s console and log in with the account that created the OS layer.',
    '3. Install the platform software: VMware Tools, the PVS Target Device Imaging software (the version of your PVS servers), the broker agent, and the settings the image needs.',
    '   If a software installation requires a system restart, restart it manually: the Packaging Machine does not restart automatically.',
    `4. elm verify ${layer} runs ShutdownForFinalize.ps1 in the machine through VMware Tools (guest account from $${settings.guestUserEnv} and $${settings.guestPasswordEnv});`,
    `   when nothing blocks, elm verify ${layer} --shutdown shuts it down.`,
    `5. elm finalize ${layer} --wait copies the disk into the layer repository and deletes the machine.`,
  ];
  return {
    link: steps.join('\n'),
    parameters: {
      server,
      datacenter: settings.datacenter,
      folder: settings.folder,
      machineName: place.name,
      vmId: place.vmId,
      powerState: place.power,
      host: settings.host,
      network: settings.network,
      datastore: settings.datastore,
      template: settings.template,
      disk: req.disk.location,
      sizeBytes: req.disk.sizeBytes,
      vsphereClientUrl: url,
    },
  };
}
