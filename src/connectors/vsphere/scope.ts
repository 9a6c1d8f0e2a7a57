/**
 * What every part of the vsphere connector works with: its settings, the environment (passwords
 * are read from there, never stored), a vCenter session per operation, the disk layout of a
 * packaging disk, and how the packaging machine is found.
 */
import { ElmError } from '../../domain/errors';
import type { ConnectorConfig } from '../../domain/state';
import type { ConnectorEnvironment, DiskLocation, MachineRef } from '../connector';
import { createTransport, type TransportOptions } from './http';
import { findDatacenter, findFolder, isListLimit, type Lookup } from './inventory';
import { layoutOf, type DiskLayout } from './layout';
import { withSession, type VsphereSession } from './session';
import type { VsphereSettings } from './settings';
import { listDisks, type PowerState } from './vm';

export interface VsphereConnectorOptions extends TransportOptions {
  /** How long to wait for VMware Tools after power-on (default 5 min). */
  toolsTimeoutMs?: number;
  /** How long the probe may run in the guest (default 2 h: -ExpediteNGen waits for NGen). */
  probeTimeoutMs?: number;
  /** How long a guest shutdown may take to reach powered off (default 10 min). */
  shutdownTimeoutMs?: number;
  /** How long a build's restart may take until VMware Tools answer again (default 30 min). */
  restartTimeoutMs?: number;
  /** How long to wait for a vCenter task such as a clone (default ELM_VSPHERE_TIMEOUT_MS, else 30 min). */
  taskTimeoutMs?: number;
}

export interface VsphereScope {
  config: ConnectorConfig;
  settings: VsphereSettings;
  env: NodeJS.ProcessEnv;
  home: string;
  opts: VsphereConnectorOptions;
  /** vCenter's host (and port) as the connector names it. */
  server: string;
  session<T>(fn: (s: VsphereSession) => Promise<T>): Promise<T>;
  layoutFor(location: string): DiskLayout;
}

export function vsphereScope(config: ConnectorConfig, envt: ConnectorEnvironment, opts: VsphereConnectorOptions): VsphereScope {
  const settings = config.settings as unknown as VsphereSettings;
  return {
    config,
    settings,
    env: envt.env,
    home: envt.home,
    opts,
    server: createTransport(settings.server, opts).baseUrl.host,
    session: (fn) => withSession(settings, envt.env, opts, fn),
    layoutFor: (location) => layoutOf(settings, config.id, envt.home, location),
  };
}

/** A configured object that must exist, or an error naming the flag and the check to run. */
export function need<T>(l: Lookup<T>, flag: string): T {
  if (!l.ok) throw new ElmError(`vSphere ${flag}: ${l.why}. Check the connector with elm connector test.`);
  return l.item;
}

/** The packaging machine: the recorded VM id, else a VM in the folder that boots from the disk. */
export async function machineId(scope: VsphereScope, s: VsphereSession, ref: MachineRef | null, disk: DiskLocation): Promise<string | null> {
  const recorded = ref?.resources?.vm;
  if (typeof recorded === 'string' && recorded !== '') return recorded;
  const dc = await findDatacenter(s, scope.settings.datacenter);
  if (!dc.ok) return null;
  const folder = await findFolder(s, dc.item, scope.settings.folder);
  if (!folder.ok) return null;
  // Bounded: one folder's VMs (a folder past vCenter's list limit has no search, only the recorded id).
  const vms = await s.get<{ vm: string }[]>('/api/vcenter/vm', { folders: folder.item.id }).catch((e: unknown) => {
    if (isListLimit(e)) return [];
    throw e;
  });
  for (const { vm } of vms.slice(0, 100)) {
    if ((await listDisks(s, vm)).some((d) => d.vmdkFile === disk.location)) return vm;
  }
  return null;
}

/** The VM id deployMachine recorded. */
export function vmOf(ref: MachineRef): string {
  const id = ref.resources?.vm;
  if (typeof id !== 'string' || id === '') throw new ElmError(`No vCenter VM id is recorded for the packaging machine ${ref.name}; deploy it with elm machine deploy.`);
  return id;
}

export function describePower(state: PowerState): string {
  return state === 'POWERED_ON' ? 'powered on' : state === 'SUSPENDED' ? 'suspended' : 'powered off';
}
