/**
 * The vsphere connector (seed: Citrix PVS, packaging in vSphere) on the vSphere Automation REST
 * API and the datastore file endpoint, with Node's https (no SDK).
 *
 * The packaging disk on the datastore is a `vmfs` descriptor and a flat extent (see
 * vmdkDescriptor.ts for why, and what it costs on large sparse disks): written locally under
 * ELM_HOME, uploaded, attached to the packaging machine as its boot disk, and copied back into the
 * layer repository at finalize.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ElmError, NotReadyError, UsageError } from '../../domain/errors';
import type { ConnectorConfig } from '../../domain/state';
import type {
  CheckResult,
  Connector,
  ConnectorEnvironment,
  DeployLink,
  DeployLinkRequest,
  DiskLocation,
  FinalizeRequest,
  LayerArtifact,
  MachineRef,
  MachineScript,
  MachineScriptResult,
  MachineStatus,
  PackagingDiskRequest,
  ProgressSink,
} from '../connector';
import { DISK_FORMATS_BY_TYPE } from '../../domain/vocabulary';
import { vsphereChecks } from './checks';
import { diskBackingProblem } from './diskBacking';
import { guestOsForServer } from './guestOsForServer';
import { deleteFile, downloadFile, dsPath, fileSize, uploadBytes, uploadFile } from './datastore';
import { deployInstructions, formatSize, vsphereClientUrl, type MachinePlace } from './deployInstructions';
import { deleteGuestFile, getGuestFile, guestCredentials, makeGuestDirectory, putGuestFile, putGuestFileFromDisk, runGuestProcess } from './guest';
import { waitForGuestOperations } from './guestReadiness';
import { restartGuest, runStepInGuest } from './guestScript';
import { createTransport, VsphereError, type TransportOptions } from './http';
import { findDatacenter, findDatastore, findFolder, isListLimit, resolvePlacement, type Lookup } from './inventory';
import { diskLayout, layoutOf, machineName, type DiskLayout } from './layout';
import { readServerAbout } from './serverVersion';
import { withSession, type VsphereSession } from './session';
import { taskWaitMs } from './vcenterTask';
import type { VsphereSettings } from './settings';
import { monolithicFlatDescriptor, vmfsDescriptor } from './vmdkDescriptor';
import {
  attachDisk,
  cloneVm,
  createVm,
  deleteVm,
  deployFromLibrary,
  findVm,
  listDisks,
  powerOff,
  powerOn,
  DEFAULT_GUEST_OS,
  powerState,
  setFirmware,
  shutdownGuest,
  useNetwork,
  waitForPower,
  type PowerState,
} from './vm';
import { shellQuote } from '../../domain/shellQuote';

/** Where the probe and its report live in the guest: C:\Windows\Temp exists on every Windows. */
const GUEST_DIR = 'C:\\Windows\\Temp';
const GUEST_SCRIPT = `${GUEST_DIR}\\ShutdownForFinalize.ps1`;
const POWERSHELL = 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe';
/** A build's first step follows power-on: Windows' first boot from the packaging disk may be slow. */
const BUILD_TOOLS_TIMEOUT_MS = 20 * 60_000;

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

function need<T>(l: Lookup<T>, flag: string): T {
  if (!l.ok) throw new ElmError(`vSphere ${flag}: ${l.why}. Check the connector with elm connector test.`);
  return l.item;
}


export function createVsphereConnector(config: ConnectorConfig, envt: ConnectorEnvironment, opts: VsphereConnectorOptions = {}): Connector {
  const settings = config.settings as unknown as VsphereSettings;
  const env = envt.env;
  const server = createTransport(settings.server, opts).baseUrl.host;
  const session = <T>(fn: (s: VsphereSession) => Promise<T>) => withSession(settings, env, opts, fn);
  const layoutFor = (location: string): DiskLayout => layoutOf(settings, config.id, envt.home, location);

  /** The packaging machine: the recorded VM id, else a VM in the folder that boots from the disk. */
  async function machineId(s: VsphereSession, ref: MachineRef | null, disk: DiskLocation): Promise<string | null> {
    const recorded = ref?.resources?.vm;
    if (typeof recorded === 'string' && recorded !== '') return recorded;
    const dc = await findDatacenter(s, settings.datacenter);
    if (!dc.ok) return null;
    const folder = await findFolder(s, dc.item, settings.folder);
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
  function vmOf(ref: MachineRef): string {
    const id = ref.resources?.vm;
    if (typeof id !== 'string' || id === '') throw new ElmError(`No vCenter VM id is recorded for the packaging machine ${ref.name}; deploy it with elm machine deploy.`);
    return id;
  }

  function describePower(state: PowerState): string {
    return state === 'POWERED_ON' ? 'powered on' : state === 'SUSPENDED' ? 'suspended' : 'powered off';
  }

  async function removeDiskFiles(s: VsphereSession, l: DiskLayout): Promise<void> {
    await deleteFile(s, l.flat);
    await deleteFile(s, l.descriptor);
    // A disk recorded in a folder (earlier versions): the folder goes too when the datastore lets it.
    if (l.folder) await deleteFile(s, l.folder).catch(() => false);
  }

  return {
    type: 'vsphere',
    diskFormats: DISK_FORMATS_BY_TYPE.vsphere,

    async test(): Promise<CheckResult[]> {
      return vsphereChecks(settings, env, opts);
    },

    packagingDiskLocation(req) {
      return diskLayout(settings, config.id, envt.home, req.diskName).location;
    },

    async createPackagingDisk(req: PackagingDiskRequest, progress: ProgressSink): Promise<DiskLocation> {
      if (req.format !== 'vmdk') throw new UsageError(`The vsphere connector writes vmdk packaging disks, not ${req.format}.`);
      const l = diskLayout(settings, config.id, envt.home, req.diskName);
      await fs.rm(l.workDir, { recursive: true, force: true });
      await fs.mkdir(l.workDir, { recursive: true, mode: 0o700 });
      progress(0, `Writing the packaging disk ${l.stem} locally before the upload (${l.localFlat})`);
      const { writePackagingDisk } = await import('../../disk/packagingDisk.js');
      // Raw bytes, holes kept: this file IS the flat extent (see vmdkDescriptor.ts).
      const disk = await writePackagingDisk({ source: req.osDisk.location, dest: l.localFlat, format: 'raw', signal: req.signal, onProgress: (f, bytes) => progress(f * 0.2, undefined, bytes) });
      const size = disk.sizeBytes;
      await session(async (s) => {
        const dc = need(await findDatacenter(s, settings.datacenter), '--datacenter');
        const ds = need(await findDatastore(s, dc, l.descriptor.datastore), '--datastore');
        if (ds.freeSpace !== undefined && ds.freeSpace < size)
          throw new ElmError(`Datastore ${ds.name} has ${formatSize(ds.freeSpace)} free; the packaging disk needs ${formatSize(size)} (a flat VMDK takes its whole size). Free space or use another --datastore.`);
        progress(0.2, `Uploading the packaging disk to ${dsPath(l.flat)} (${formatSize(size)})`);
        let lastNote = Date.now();
        await uploadFile(s, l.localFlat, l.flat, {
          signal: req.signal,
          progress: (done, total) => {
            const note = Date.now() - lastNote > 10_000;
            if (note) lastNote = Date.now();
            // The bytes let `--wait` show the upload's rate and time left, as for every byte-moving step.
            progress(0.2 + 0.78 * (total ? done / total : 1), note ? `Uploading ${dsPath(l.flat)}: ${formatSize(done)} of ${formatSize(total)}` : undefined, total ? { done, total } : undefined);
          },
          onRetry: (message) => progress(0.2, message),
        });
        // The descriptor last: its presence says the extent is complete.
        await uploadBytes(s, Buffer.from(vmfsDescriptor(size, path.posix.basename(l.flat.path))), l.descriptor, req.signal);
      });
      await fs.rm(l.workDir, { recursive: true, force: true });
      progress(1);
      const located: DiskLocation = { location: l.location, format: 'vmdk', sizeBytes: size, description: '' };
      located.description = [
        `The packaging disk is ready: ${l.location} (vmdk, ${formatSize(size)}) on datastore ${l.descriptor.datastore}, datacenter ${settings.datacenter}, vCenter ${server}.`,
        `Next: elm machine deploy ${shellQuote(req.layer.name)} creates the packaging machine ${machineName(req.layer)} in folder ${settings.folder} with this disk and powers it on`,
        `(elm machine deploy-link ${shellQuote(req.layer.name)} shows where it is and the steps); install the platform software,`,
        `then elm verify ${shellQuote(req.layer.name)} --shutdown and elm finalize ${shellQuote(req.layer.name)} --wait`,
      ].join(' ');
      return located;
    },

    async discardPackagingDisk(location: string): Promise<void> {
      const l = layoutFor(location);
      await fs.rm(l.workDir, { recursive: true, force: true });
      // Without the password this fails and says so: a silent skip would orphan the datastore files.
      await session((s) => removeDiskFiles(s, l));
    },

    async deployLink(req: DeployLinkRequest): Promise<DeployLink> {
      const place: MachinePlace = { name: machineName(req.layer, req.machineName), vmId: null, power: null };
      try {
        await session(async (s) => {
          const dc = need(await findDatacenter(s, settings.datacenter), '--datacenter');
          const folder = need(await findFolder(s, dc, settings.folder), '--folder');
          const vm = await findVm(s, place.name, folder);
          if (vm) {
            place.vmId = vm.id;
            place.power = vm.power;
          }
        });
      } catch (e) {
        place.lookupError = (e as Error).message;
      }
      return deployInstructions(settings, server, req, place);
    },

    /**
     * Before layer create records anything: every configured object exists (case-sensitive), so a
     * typo is exit 2 with the right spelling instead of a failed task. For deploy-link and deploy
     * only the machine name is checked here (deploy-link still answers with vCenter down).
     */
    async preflight(machine?: DeployLinkRequest): Promise<void> {
      if (machine) {
        machineName(machine.layer, machine.machineName);
        // A bad ELM_VSPHERE_TIMEOUT_MS is bad input before any task is recorded.
        if (opts.taskTimeoutMs === undefined) taskWaitMs(env);
        // Azure's machine parameters mean nothing here: refused rather than silently ignored.
        const azureOnly = [machine.size && 'size', machine.vnet && 'vnet', machine.subnet && 'subnet'].filter(Boolean);
        if (azureOnly.length)
          throw new UsageError(
            `The vsphere connector places the packaging machine by its own --host, --network and --folder (its size comes from the template); drop ${azureOnly.map((f) => `--${f} (machine.${f})`).join(', ')}.`,
          );
        return;
      }
      await session(async (s) => {
        try {
          await resolvePlacement(s, settings);
        } catch (e) {
          if (e instanceof ElmError && /^vSphere --/.test(e.message)) throw new UsageError(e.message);
          throw e;
        }
      }).catch((e: unknown) => {
        if (e instanceof VsphereError && e.errorType === 'UNAUTHENTICATED') throw new UsageError(e.message);
        throw e;
      });
    },

    async deployMachine(req: DeployLinkRequest, progress: ProgressSink, record?: (machine: MachineRef) => Promise<void>): Promise<MachineRef> {
      const l = layoutFor(req.disk.location);
      const name = machineName(req.layer, req.machineName);
      const waitMs = opts.taskTimeoutMs ?? taskWaitMs(env);
      return session(async (s) => {
        progress(0.05, `Looking up ${settings.datacenter}, ${settings.folder}, ${settings.host}, ${settings.network}${settings.template ? `, ${settings.template}` : ''}`);
        const p = await resolvePlacement(s, settings);
        // A new VM gets a guest OS id this vCenter knows; a clone keeps its template's.
        const guest = p.template ? null : guestOsForServer(req.os?.guestOs ?? DEFAULT_GUEST_OS, (await readServerAbout(s.transport)).apiVersion);
        if (guest?.note) progress(0.1, `Creating ${name} with ${guest.note}`);
        let id: string | null = null;
        const existing = await findVm(s, name, p.folder);
        if (existing) {
          // Ours only if it boots from this packaging disk, or is a disk-less clone an interrupted run left.
          const disks = await listDisks(s, existing.id);
          const ours = disks.some((d) => d.vmdkFile === l.location) || (disks.length === 0 && existing.power === 'POWERED_OFF');
          if (!ours)
            throw new ElmError(`A VM named ${name} already exists in folder ${settings.folder} and does not use the packaging disk ${l.location}; remove or rename it, or pass --machine-name.`);
          id = existing.id;
          progress(0.3, `Using the packaging machine ${name} (${id}) an earlier run created`);
        } else {
          const spec = { name, disk: l.location, placement: p, os: req.os && { ...req.os, guestOs: guest?.id } };
          progress(0.2, `Creating the packaging machine ${name} in folder ${settings.folder}`);
          try {
            const template = p.template;
            if (template?.kind === 'vm')
              id = await cloneVm(s, spec, template.id, {
                what: `cloning ${template.name} into ${name}`,
                timeoutMs: waitMs,
                onProgress: (f) => progress(0.2 + 0.35 * f, `vCenter is cloning ${template.name} into ${name} (${Math.round(f * 100)}%)`),
              });
            else if (template?.kind === 'library') id = await deployFromLibrary(s, spec, template.id, waitMs);
            else id = await createVm(s, spec);
          } catch (e) {
            // A create whose answer was lost: the VM is there.
            if (!(e instanceof VsphereError && e.errorType === 'ALREADY_EXISTS')) throw e;
            const again = await findVm(s, name, p.folder);
            if (!again) throw e;
            id = again.id;
          }
        }
        const machine: MachineRef = {
          name,
          resources: {
            server,
            vm: id,
            datacenter: p.datacenter.id,
            datacenterName: p.datacenter.name,
            folder: p.folder.id,
            folderName: p.folder.name,
            host: p.host.id,
            datastore: p.datastore.id,
            network: p.network.id,
            template: p.template ? { kind: p.template.kind, id: p.template.id, name: p.template.name } : null,
            disk: l.location,
            // From the OS layer version; a clone keeps its template's guest OS (the REST API cannot change it).
            firmware: req.os?.firmware ?? null,
            guestOs: guest?.id ?? null,
            vsphereClientUrl: vsphereClientUrl(server),
          },
        };
        // In the state before anything else can fail: finalize and cleanup find the VM even if this task dies now.
        await record?.(machine);
        if (!(await listDisks(s, id)).some((d) => d.vmdkFile === l.location)) {
          progress(0.6, `Attaching ${l.location} to ${name}`);
          await attachDisk(s, id, l.location);
        }
        if (p.template) await useNetwork(s, id, p.network);
        const state = await powerState(s, id);
        // The firmware the OS layer's disk boots with (GPT: EFI, MBR: BIOS); a clone would keep its template's.
        if (state === 'POWERED_OFF' && req.os) await setFirmware(s, id, req.os.firmware);
        if (state !== 'POWERED_ON') {
          progress(0.8, `Powering on ${name}`);
          await powerOn(s, id);
        }
        progress(1, `Packaging machine ${name} (${id}) is running in ${settings.datacenter}/${settings.folder}`);
        return machine;
      });
    },

    async machineStatus(ref: MachineRef | null, disk: DiskLocation): Promise<MachineStatus> {
      return session(async (s) => {
        const id = await machineId(s, ref, disk);
        if (!id) return 'absent';
        const state = await powerState(s, id);
        if (state === null) return 'absent';
        return state === 'POWERED_OFF' ? 'stopped' : 'running'; // suspended: the guest has not shut down
      });
    },

    async probeIntegrity(ref: MachineRef, probe: { expediteNgen: boolean; shutdown: boolean }): Promise<string> {
      const creds = guestCredentials(settings, env);
      const { readProbeScript } = await import('../../integrity/probeScript.js');
      const script = Buffer.from(await readProbeScript(), 'utf8');
      const { decodeReportBytes, parseIntegrityReport } = await import('../../integrity/report.js');
      return session(async (s) => {
        const id = String(ref.resources.vm ?? '');
        const state = id ? await powerState(s, id) : null;
        if (state === null)
          throw new NotReadyError(`The packaging machine ${ref.name} ${id ? `(${id}) ` : ''}is not in vCenter any more; deploy it again (elm machine deploy) or pass --report FILE.`);
        if (state !== 'POWERED_ON')
          throw new NotReadyError(`The packaging machine ${ref.name} is ${describePower(state)}: the probe runs in the running machine. Power it on, or pass --report FILE.`);
        await waitForGuestOperations(s, id, ref.name, opts.toolsTimeoutMs ?? 300_000, { otherwise: 'or pass --report FILE' });
        await putGuestFile(s, id, creds, GUEST_SCRIPT, script);
        // A fresh report path each run: a probe that fails to write can never hand back an old report.
        const reportPath = `${GUEST_DIR}\\elm-integrity-${Date.now()}.json`;
        const args = ['-NoProfile', '-ExecutionPolicy', 'Bypass', '-File', `"${GUEST_SCRIPT}"`, '-ReportPath', `"${reportPath}"`];
        if (probe.expediteNgen) args.push('-ExpediteNGen');
        let text: string;
        try {
          // No -Shutdown here: the report must be read before the machine goes down, and elm decides.
          const code = await runGuestProcess(s, id, creds, POWERSHELL, args.join(' '), { timeoutMs: opts.probeTimeoutMs ?? 7_200_000 });
          if (code !== 0)
            throw new ElmError(`ShutdownForFinalize.ps1 failed in ${ref.name} (exit code ${code}); run it there by hand to see why, or pass its report with --report FILE.`);
          text = decodeReportBytes(await getGuestFile(s, id, creds, reportPath));
        } finally {
          // Nothing of elm's stays in the layer: the probe and its report go once read, before any capture.
          for (const f of [GUEST_SCRIPT, reportPath]) await deleteGuestFile(s, id, creds, f).catch(() => undefined);
        }
        if (probe.shutdown) {
          const report = parseIntegrityReport(text, `${ref.name} ${reportPath}`);
          if (report.blockers.length === 0) {
            await shutdownGuest(s, id);
            await waitForPower(s, id, 'POWERED_OFF', opts.shutdownTimeoutMs ?? 600_000);
            text = JSON.stringify({ ...(JSON.parse(text.slice(text.indexOf('{'))) as Record<string, unknown>), shutdownRequested: true });
          }
        }
        return text;
      });
    },

    async runOnMachine(ref: MachineRef, req: MachineScript): Promise<MachineScriptResult> {
      const creds = guestCredentials(settings, env);
      return session((s) => runStepInGuest(s, vmOf(ref), ref.name, creds, req, { toolsTimeoutMs: opts.toolsTimeoutMs ?? BUILD_TOOLS_TIMEOUT_MS }));
    },

    async restartMachine(ref: MachineRef, signal?: AbortSignal): Promise<void> {
      const creds = guestCredentials(settings, env);
      await session((s) => restartGuest(s, vmOf(ref), ref.name, creds, { toolsTimeoutMs: opts.toolsTimeoutMs ?? BUILD_TOOLS_TIMEOUT_MS, restartTimeoutMs: opts.restartTimeoutMs ?? 1_800_000, signal }));
    },

    async copyToMachine(ref: MachineRef, source: string, destination: string, signal?: AbortSignal): Promise<void> {
      const creds = guestCredentials(settings, env);
      await session(async (s) => {
        const id = vmOf(ref);
        await waitForGuestOperations(s, id, ref.name, opts.toolsTimeoutMs ?? BUILD_TOOLS_TIMEOUT_MS, { signal });
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
      await this.preflight!();
    },

    async captureBlockers(ref: MachineRef | null, disk: DiskLocation): Promise<string[]> {
      return session(async (s) => {
        const id = await machineId(s, ref, disk);
        const problem = id && (await powerState(s, id)) !== null ? await diskBackingProblem(s, id, ref?.name ?? id, layoutFor(disk.location)) : null;
        return problem ? [problem] : [];
      });
    },

    async finalize(req: FinalizeRequest, progress: ProgressSink): Promise<LayerArtifact> {
      const l = layoutFor(req.disk.location);
      return session(async (s) => {
        const id = await machineId(s, req.machine, req.disk);
        const state = id ? await powerState(s, id) : null;
        if (state !== null && state !== 'POWERED_OFF')
          throw new ElmError(`The packaging machine ${req.machine?.name ?? id} is ${describePower(state)}: shut it down (elm verify --shutdown) before finalize copies its disk.`);
        // Checked again here (a snapshot may be taken after the command's check): refused, nothing is deleted.
        const moved = id && state !== null ? await diskBackingProblem(s, id, req.machine?.name ?? id, l) : null;
        if (moved) throw new NotReadyError(`${moved[0].toUpperCase()}${moved.slice(1)}.`);
        const size = await fileSize(s, l.flat, req.signal);
        if (size === null) throw new ElmError(`The packaging disk ${dsPath(l.flat)} is not found on the datastore (datacenter ${settings.datacenter}).`);
        await fs.mkdir(req.repositoryDir, { recursive: true, mode: 0o700 });
        const flat = path.join(req.repositoryDir, `${l.name}-flat.vmdk`);
        progress(0, `Copying ${dsPath(l.flat)} (${formatSize(size)}) into the layer repository`);
        const got = await downloadFile(s, l.flat, flat, {
          signal: req.signal,
          progress: (done, total) => progress(0.99 * (total ? done / total : 1)),
          onRetry: (message) => progress(0, message),
        });
        if (got.sizeBytes !== size) throw new ElmError(`The packaging disk ${dsPath(l.flat)} changed size while it was copied (${size} → ${got.sizeBytes} bytes).`);
        // The hosted descriptor beside the extent, so the repository copy opens in qemu-img or Workstation.
        const descriptor = path.join(req.repositoryDir, `${l.name}.vmdk`);
        await fs.writeFile(`${descriptor}.partial`, monolithicFlatDescriptor(size, path.basename(flat)), { mode: 0o600 });
        await fs.rename(`${descriptor}.partial`, descriptor);
        progress(1);
        // sha256 and sizeBytes are those of the disk's bytes: the flat extent the descriptor names.
        return { location: descriptor, format: 'vmdk', sizeBytes: got.sizeBytes, sha256: got.sha256 };
      });
    },

    async cleanup(req: FinalizeRequest, progress: ProgressSink): Promise<void> {
      const l = layoutFor(req.disk.location);
      await session(async (s) => {
        const id = await machineId(s, req.machine, req.disk);
        if (id && !req.keepMachine) {
          // Still running: a failed build discards it (vCenter deletes only a powered-off VM).
          const state = await powerState(s, id);
          if (state === 'POWERED_ON' || state === 'SUSPENDED') {
            progress(0.05, `Powering off the packaging machine ${req.machine?.name ?? id} to delete it`);
            await powerOff(s, id);
          }
          progress(0.1, `Deleting the packaging machine ${req.machine?.name ?? id}`);
          await deleteVm(s, id); // vCenter deletes its attached disks with it
        }
        // A kept machine still boots from the disk: it stays with it.
        if (!id || !req.keepMachine) {
          progress(0.6, `Removing ${l.location} from the datastore`);
          await removeDiskFiles(s, l);
        }
      });
      await fs.rm(l.workDir, { recursive: true, force: true });
    },
  };
}
