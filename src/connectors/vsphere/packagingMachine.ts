/**
 * The packaging machine in vCenter: `deployLink` says where it will be, `preflight` refuses bad input
 * before a task is recorded, `deployMachine` creates it (from nothing, a template VM cloned as a
 * task, or a content-library template), attaches the packaging disk as its boot disk and powers it
 * on; a VM of the name is adopted only when it is this disk's.
 */
import { ElmError, UsageError } from '../../domain/errors';
import type { DeployLink, DeployLinkRequest, MachineRef, ProgressSink } from '../connector';
import { deployInstructions, vsphereClientUrl, type MachinePlace } from './deployInstructions';
import { guestOsForServer } from './guestOsForServer';
import { VsphereError } from './http';
import { findDatacenter, findFolder, resolvePlacement } from './inventory';
import { machineName } from './layout';
import { need, type VsphereScope } from './scope';
import { readServerAbout } from './serverVersion';
import type { VsphereSession } from './session';
import { taskWaitMs } from './vcenterTask';
import { attachDisk, cloneVm, createVm, DEFAULT_GUEST_OS, deployFromLibrary, findVm, listDisks, powerOn, powerState, setFirmware, useNetwork } from './vm';

export async function deployLink(scope: VsphereScope, req: DeployLinkRequest): Promise<DeployLink> {
  const place: MachinePlace = { name: machineName(req.layer, req.machineName), vmId: null, power: null };
  try {
    await scope.session(async (s) => {
      const dc = need(await findDatacenter(s, scope.settings.datacenter), '--datacenter');
      const folder = need(await findFolder(s, dc, scope.settings.folder), '--folder');
      const vm = await findVm(s, place.name, folder);
      if (vm) {
        place.vmId = vm.id;
        place.power = vm.power;
      }
    });
  } catch (e) {
    place.lookupError = (e as Error).message;
  }
  return deployInstructions(scope.settings, scope.server, req, place);
}

/**
 * Before layer create records anything: every configured object exists (case-sensitive), so a
 * typo is exit 2 with the right spelling instead of a failed task. For deploy-link and deploy
 * only the machine name is checked here (deploy-link still answers with vCenter down).
 */
export async function preflight(scope: VsphereScope, machine?: DeployLinkRequest): Promise<void> {
  if (machine) {
    machineName(machine.layer, machine.machineName);
    // A bad ELM_VSPHERE_TIMEOUT_MS is bad input before any task is recorded.
    if (scope.opts.taskTimeoutMs === undefined) taskWaitMs(scope.env);
    // Azure's machine parameters mean nothing here: refused rather than silently ignored.
    const azureOnly = [machine.size && 'size', machine.vnet && 'vnet', machine.subnet && 'subnet'].filter(Boolean);
    if (azureOnly.length)
      throw new UsageError(
        `The vsphere connector places the packaging machine by its own --host, --network and --folder (its size comes from the template); drop ${azureOnly.map((f) => `--${f} (machine.${f})`).join(', ')}.`,
      );
    return;
  }
  await scope.session(async (s) => {
    try {
      await resolvePlacement(s, scope.settings);
    } catch (e) {
      if (e instanceof ElmError && /^vSphere --/.test(e.message)) throw new UsageError(e.message);
      throw e;
    }
  }).catch((e: unknown) => {
    if (e instanceof VsphereError && e.errorType === 'UNAUTHENTICATED') throw new UsageError(e.message);
    throw e;
  });
}

export async function deployMachine(scope: VsphereScope, req: DeployLinkRequest, progress: ProgressSink, record?: (machine: MachineRef) => Promise<void>): Promise<MachineRef> {
  const l = scope.layoutFor(req.disk.location);
  const name = machineName(req.layer, req.machineName);
  const waitMs = scope.opts.taskTimeoutMs ?? taskWaitMs(scope.env);
  return scope.session(async (s) => {
    progress(0.05, `Looking up ${scope.settings.datacenter}, ${scope.settings.folder}, ${scope.settings.host}, ${scope.settings.network}${scope.settings.template ? `, ${scope.settings.template}` : ''}`);
    const p = await resolvePlacement(s, scope.settings);
    // A new VM gets a guest OS id this vCenter knows; a clone keeps its template's.
    const guest = p.template ? null : guestOsForServer(req.os?.guestOs ?? DEFAULT_GUEST_OS, (await readServerAbout(s.transport)).apiVersion);
    if (guest?.note) progress(0.1, `Creating ${name} with ${guest.note}`);
    const spec = { name, disk: l.location, placement: p, os: req.os && { ...req.os, guestOs: guest?.id } };
    const id = (await adoptedVm(scope, s, spec, progress)) ?? (await newVm(scope, s, spec, waitMs, progress).catch((e: unknown) => placementRefused(scope, e)));
    const machine: MachineRef = {
      name,
      resources: {
        server: scope.server,
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
        vsphereClientUrl: vsphereClientUrl(scope.server),
      },
    };
    // In the state before anything else can fail: finalize and cleanup find the VM even if this task dies now.
    await record?.(machine);
    if (!(await listDisks(s, id)).some((d) => d.vmdkFile === l.location)) {
      progress(0.6, `Attaching ${l.location} to ${name}`);
      await attachDisk(s, id, l.location);
    }
    if (p.template) await useNetwork(s, id, p.network).catch((e: unknown) => placementRefused(scope, e));
    const state = await powerState(s, id);
    // The firmware the OS layer's disk boots with (GPT: EFI, MBR: BIOS); a clone would keep its template's.
    if (state === 'POWERED_OFF' && req.os) await setFirmware(s, id, req.os.firmware);
    if (state !== 'POWERED_ON') {
      progress(0.8, `Powering on ${name}`);
      await powerOn(s, id);
    }
    progress(1, `Packaging machine ${name} (${id}) is running in ${scope.settings.datacenter}/${scope.settings.folder}`);
    return machine;
  });
}

type VmSpec = Parameters<typeof createVm>[1];

/** A VM of the name that is ours (it boots from this packaging disk, or is a disk-less clone an interrupted run left), else null; another VM of the name is refused. */
async function adoptedVm(scope: VsphereScope, s: VsphereSession, spec: VmSpec, progress: ProgressSink): Promise<string | null> {
  const existing = await findVm(s, spec.name, spec.placement.folder);
  if (!existing) return null;
  const disks = await listDisks(s, existing.id);
  const ours = disks.some((d) => d.vmdkFile === spec.disk) || (disks.length === 0 && existing.power === 'POWERED_OFF');
  if (!ours)
    throw new ElmError(`A VM named ${spec.name} already exists in folder ${scope.settings.folder} and does not use the packaging disk ${spec.disk}; remove or rename it, or pass --machine-name.`);
  progress(0.3, `Using the packaging machine ${spec.name} (${existing.id}) an earlier run created`);
  return existing.id;
}

/** A new VM: cloned from a template VM (a task), deployed from a library template, or created. */
async function newVm(scope: VsphereScope, s: VsphereSession, spec: VmSpec, waitMs: number, progress: ProgressSink): Promise<string> {
  const { name } = spec;
  const template = spec.placement.template;
  progress(0.2, `Creating the packaging machine ${name} in folder ${scope.settings.folder}`);
  try {
    if (template?.kind === 'vm')
      return await cloneVm(s, spec, template.id, {
        what: `cloning ${template.name} into ${name}`,
        timeoutMs: waitMs,
        onProgress: (f) => progress(0.2 + 0.35 * f, `vCenter is cloning ${template.name} into ${name} (${Math.round(f * 100)}%)`),
      });
    if (template?.kind === 'library') return await deployFromLibrary(s, spec, template.id, waitMs);
    return await createVm(s, spec);
  } catch (e) {
    // A create whose answer was lost: the VM is there.
    if (!(e instanceof VsphereError && e.errorType === 'ALREADY_EXISTS')) throw e;
    const again = await findVm(s, name, spec.placement.folder);
    if (!again) throw e;
    return again.id;
  }
}

/**
 * vCenter refusing where the VM goes: the REST API lists no host's datastores or networks, so
 * connector test checks each exists, not that the host reaches them; the error says what to fix.
 */
function placementRefused(scope: VsphereScope, e: unknown): never {
  if (!(e instanceof VsphereError && e.errorType === 'INVALID_ARGUMENT')) throw e;
  const { host, datastore, network } = scope.settings;
  throw new VsphereError(
    `${e.message.replace(/\.$/, '')}. The packaging machine runs on --host ${host}, which must mount --datastore ${datastore} and have --network ${network}: add a connector (elm connector add vsphere) with ones that host has.`,
    e.status,
    e.errorType,
  );
}
