/**
 * The vsphere connector (seed: Citrix PVS, packaging in vSphere) on the vSphere Automation REST
 * API and the datastore file endpoint, with Node's https (no SDK).
 *
 * The packaging disk on the datastore is a `vmfs` descriptor and a flat extent (see
 * vmdkDescriptor.ts for why, and what it costs on large sparse disks): written locally under
 * ELM_HOME, uploaded, attached to the packaging machine as its boot disk, and copied back into the
 * layer repository at finalize.
 */
import type { ConnectorConfig } from '../../domain/state';
import { UsageError } from '../../domain/errors';
import type { CheckResult, Connector, ConnectorEnvironment, DiskLocation, MachineRef, MachineScript, MachineScriptResult, MachineStatus } from '../connector';
import { DISK_FORMATS_BY_TYPE } from '../../domain/vocabulary';
import { captureBlockers, cleanup, finalize } from './capture';
import { vsphereChecks } from './checks';
import { guestCredentials, makeGuestDirectory, putGuestFileFromDisk } from './guest';
import { waitForGuestOperations } from './guestReadiness';
import { restartGuest, runStepInGuest } from './guestScript';
import { diskLayout } from './layout';
import { createPackagingDisk, discardPackagingDisk } from './packagingDisk';
import { deployLink, deployMachine, preflight } from './packagingMachine';
import { probeIntegrity } from './probeInGuest';
import { machineId, vmOf, vsphereScope, type VsphereConnectorOptions } from './scope';
import { powerState } from './vm';

export type { VsphereConnectorOptions };

/** A build's first step follows power-on: Windows' first boot from the packaging disk may be slow. */
const BUILD_TOOLS_TIMEOUT_MS = 20 * 60_000;

export function createVsphereConnector(config: ConnectorConfig, envt: ConnectorEnvironment, opts: VsphereConnectorOptions = {}): Connector {
  const scope = vsphereScope(config, envt, opts);
  const { settings, env, session } = scope;
  const toolsTimeoutMs = opts.toolsTimeoutMs ?? BUILD_TOOLS_TIMEOUT_MS;

  return {
    type: 'vsphere',
    diskFormats: DISK_FORMATS_BY_TYPE.vsphere,
    test: (): Promise<CheckResult[]> => vsphereChecks(settings, env, opts),
    packagingDiskLocation: (req) => diskLayout(settings, config.id, envt.home, req.diskName).location,
    createPackagingDisk: (req, progress) => createPackagingDisk(scope, req, progress),
    discardPackagingDisk: (location) => discardPackagingDisk(scope, location),
    deployLink: (req) => deployLink(scope, req),
    preflight: (machine) => preflight(scope, machine),
    deployMachine: (req, progress, record) => deployMachine(scope, req, progress, record),
    probeIntegrity: (ref, probe) => probeIntegrity(scope, ref, probe),
    captureBlockers: (ref, disk) => captureBlockers(scope, ref, disk),
    finalize: (req, progress) => finalize(scope, req, progress),
    cleanup: (req, progress) => cleanup(scope, req, progress),

    async machineStatus(ref: MachineRef | null, disk: DiskLocation): Promise<MachineStatus> {
      return session(async (s) => {
        const id = await machineId(scope, s, ref, disk);
        if (!id) return 'absent';
        const state = await powerState(s, id);
        if (state === null) return 'absent';
        return state === 'POWERED_OFF' ? 'stopped' : 'running'; // suspended: the guest has not shut down
      });
    },

    async runOnMachine(ref: MachineRef, req: MachineScript): Promise<MachineScriptResult> {
      const creds = guestCredentials(settings, env);
      return session((s) => runStepInGuest(s, vmOf(ref), ref.name, creds, req, { toolsTimeoutMs }));
    },

    async restartMachine(ref: MachineRef, signal?: AbortSignal): Promise<void> {
      const creds = guestCredentials(settings, env);
      await session((s) => restartGuest(s, vmOf(ref), ref.name, creds, { toolsTimeoutMs, restartTimeoutMs: opts.restartTimeoutMs ?? 1_800_000, signal }));
    },

    async copyToMachine(ref: MachineRef, source: string, destination: string, signal?: AbortSignal): Promise<void> {
      const creds = guestCredentials(settings, env);
      await session(async (s) => {
        const id = vmOf(ref);
        await waitForGuestOperations(s, id, ref.name, toolsTimeoutMs, { signal });
        const parent = destination.replace(/[\\/][^\\/]*$/, '');
        if (parent && !/^[A-Za-z]:$/.test(parent)) await makeGuestDirectory(s, id, creds, parent);
        await putGuestFileFromDisk(s, id, creds, destination, source, signal);
      });
    },

    /** A build reaches the guest with the guest account, and places the machine where layer create would. */
    async preflightBuild(): Promise<void> {
      if (!env[settings.guestUserEnv] || !env[settings.guestPasswordEnv])
        throw new UsageError(
          `elm layer build runs its steps in the packaging machine with a guest OS account: export ${settings.guestUserEnv} and ${settings.guestPasswordEnv} (an administrator of the machine; elm never stores them) and run again.`,
        );
      await preflight(scope);
    },
  };
}
