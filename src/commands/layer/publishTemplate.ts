import { randomBytes } from 'node:crypto';
import type { Context } from '../../runtime/context';
import { addTask } from '../../domain/addTask';
import { ConflictError, ExitCode, UsageError } from '../../domain/errors';
import type { ConnectorConfig, Layer, LayerVersion, State, Task } from '../../domain/state';
import type { StateStore } from '../../store/stateStore';
import type { VsphereScope } from '../../connectors/vsphere/scope';
import type { PublishFlags } from '../../publish/target';
import { templateLocation, templateTarget, type TemplateTarget } from '../../publish/templateTarget';
import type { PublishTemplateParams } from '../../tasks/kinds/publishTemplate';
import { runWhileWaiting } from '../../tasks/runWhileWaiting';
import { spawnWorker } from '../../tasks/spawnWorker';
import { findLayer } from '../shared/lookup';
import { claimVersion } from '../shared/versionLock';
import { layerDisk, publishableVersion } from './publishSource';

interface Checked {
  store: StateStore;
  state: State;
  layer: Layer;
  version: LayerVersion;
  config: ConnectorConfig;
  wait: boolean;
  timeoutMs?: number;
}

/**
 * `layer publish --to VSPHERE_CONNECTOR`: a template VM in the connector's folder, or with
 * --library a VM template item in that content library. A VM (item) of the name is refused
 * (exit 2) unless --replace, and --replace deletes only one an earlier elm publish recorded making
 * (by its id), never an operator's of that name.
 */
export async function publishTemplate(ctx: Context, flags: PublishFlags, c: Checked): Promise<void> {
  const { layer, version, config } = c;
  const target = templateTarget(config, flags, layer, version);
  const source = await layerDisk(layer, version);
  const scope = await scopeFor(ctx, config);
  const library = target.library !== undefined ? await libraryFor(scope, target.library) : null;
  const replaces = library ? await itemClash(c, target, library, flags.replace === true, scope) : await nameClash(c, target, flags.replace === true, scope);
  const token = randomBytes(6).toString('hex');
  const os = osOf(c.state, version);
  const task = await c.store.mutate(async (s) => {
    const v = publishableVersion(findLayer(s, layer.id), version.name);
    await claimVersion(ctx, s, layer.id, v.name);
    refuseSameName(s, config.name, target.name, library?.name);
    const params: PublishTemplateParams = { connector: config.name, kind: target.kind, source, templateName: target.name, replaces, os, token, comment: flags.comment ?? '', user: ctx.user(), library };
    const what = library ? `content library item ${templateLocation(target)}` : `template ${templateLocation(target)}`;
    const description = `Publishing "${layer.name}" ${v.name} to ${config.name}: ${what}.`;
    return addTask(s, { kind: 'Publish', description, layerId: layer.id, version: v.name, params: params as unknown as Record<string, unknown> }, ctx.now());
  });
  if (!c.wait) spawnWorker(ctx.home, task.id, ctx.env);
  const final = c.wait ? await runWhileWaiting(ctx, task.id, { timeoutMs: c.timeoutMs, label: `Publishing "${layer.name}" ${version.name}` }) : task;
  report(ctx, final, target);
}

async function scopeFor(ctx: Context, config: ConnectorConfig): Promise<VsphereScope> {
  const { vsphereScope } = await import('../../connectors/vsphere/scope.js');
  return vsphereScope(config, { home: ctx.home, env: ctx.env }, {});
}

/** The content library of that name; exit 2 when there is none or it is subscribed (it takes no items). */
async function libraryFor(scope: VsphereScope, name: string): Promise<{ id: string; name: string }> {
  const { findLibrary } = await import('../../connectors/vsphere/libraryItem.js');
  const { library, names } = await findLibrary(scope, name);
  const server = String(scope.settings.server);
  if (!library) {
    const near = names.find((n) => n.toLowerCase() === name.toLowerCase());
    const list = names.length ? `its content libraries are ${names.map((n) => `"${n}"`).join(', ')}` : 'it has no content library (create a local one in the vSphere Client, Content Libraries)';
    throw new UsageError(`Content library "${name}" does not exist on ${server}${near ? ` (names are case-sensitive: "${near}"?)` : ''}; ${list}: pass one to --library.`);
  }
  // A subscribed library is a copy its sync fills from the publisher: vCenter refuses items in it.
  if (library.type === 'SUBSCRIBED')
    throw new UsageError(`Content library "${name}" on ${server} is a subscribed library, which takes no items (its sync fills it); pass a local library to --library.`);
  return { id: library.id, name: library.name };
}

/** The item id --replace may delete (elm's own earlier publish of the name to the library), or null when the name is free. */
async function itemClash(c: Checked, target: TemplateTarget, library: { id: string; name: string }, replace: boolean, scope: VsphereScope): Promise<string | null> {
  const { libraryItemNamed } = await import('../../connectors/vsphere/libraryItem.js');
  const existing = await libraryItemNamed(scope, library.id, target.name);
  if (!existing) return null;
  const ours = c.state.layers.flatMap((l) =>
    l.versions.flatMap((v) => (v.images ?? []).filter((i) => i.kind === 'vsphereLibraryItem' && i.id === existing.id && i.connector === c.config.name).map(() => `"${l.name}" ${v.name}`)),
  );
  const where = `content library ${library.name}`;
  if (!replace)
    throw new UsageError(
      `An item named "${target.name}" (${existing.id}) exists in ${where}${ours.length ? `: ${ours[0]} was published there` : ''}; publish under another --template-name${ours.length ? ', or add --replace to replace it' : ''}.`,
    );
  if (!ours.length) throw new UsageError(`An item named "${target.name}" (${existing.id}) exists in ${where} and elm did not publish it; elm never deletes it: use another --template-name.`);
  return existing.id;
}

/** The VM id --replace may delete (elm's own earlier publish of the name), or null when the name is free. */
async function nameClash(c: Checked, target: TemplateTarget, replace: boolean, scope: VsphereScope): Promise<string | null> {
  const { templateNamed } = await import('../../connectors/vsphere/publishTemplate.js');
  const existing = await templateNamed(scope, target.name);
  if (!existing) return null;
  const ours = c.state.layers.flatMap((l) =>
    l.versions.flatMap((v) => (v.images ?? []).filter((i) => i.kind === 'vsphereTemplate' && i.id === existing.id && i.connector === c.config.name).map(() => `"${l.name}" ${v.name}`)),
  );
  if (!replace)
    throw new UsageError(
      `A VM named "${target.name}" (${existing.id}) exists in folder ${target.folder}${ours.length ? `: ${ours[0]} was published there` : ''}; publish under another --template-name${ours.length ? ', or add --replace to replace it' : ''}.`,
    );
  if (!ours.length)
    throw new UsageError(`A VM named "${target.name}" (${existing.id}) exists in folder ${target.folder} and elm did not publish it; elm never deletes it: use another --template-name.`);
  return existing.id;
}

/** How the OS layer version boots (recorded at import): the template's firmware and guest OS. */
function osOf(state: State, version: LayerVersion): PublishTemplateParams['os'] {
  const os = state.osLayers.find((o) => o.name === version.osLayer.name)?.versions.find((v) => v.name === version.osLayer.version);
  return os ? { firmware: os.firmware ?? (os.generation === 'V2' ? 'EFI' : 'BIOS'), guestOs: os.guestOs } : null;
}

function refuseSameName(state: State, connector: string, name: string, library: string | undefined): void {
  const busy = state.tasks.find((t) => {
    const p = t.params as Partial<PublishTemplateParams>;
    return t.kind === 'Publish' && ['Pending', 'Running', 'Canceling'].includes(t.state) && p.connector === connector && p.templateName === name && p.library?.name === library;
  });
  if (busy) throw new ConflictError(`Task ${busy.id} is already publishing the template ${name}; wait for it with elm task wait ${busy.id}.`);
}

function report(ctx: Context, task: Task, target: TemplateTarget): void {
  // The image's id: the library item's, or the template VM's.
  const id = target.library !== undefined ? task.steps.find((s) => s.name === 'library')?.data.item : task.steps.find((s) => s.name === 'template')?.data.vm;
  if (task.state === 'Failed' || task.state === 'Canceled') process.exitCode = ExitCode.failed;
  if (ctx.io.json) {
    const image = { kind: target.kind, id: typeof id === 'string' ? id : null, location: templateLocation(target), name: target.name };
    return ctx.out.json({ task: { id: task.id, kind: task.kind, state: task.state, description: task.description, error: task.error }, image });
  }
  if (task.state === 'Complete') ctx.out.success(task.description);
  else if (task.state === 'Failed') ctx.out.error(`Publish task ${task.id} failed: ${task.error}`);
  else if (task.state === 'Canceled') ctx.out.error(`Publish task ${task.id} was canceled. ${task.description}`);
  else ctx.out.success(`Publish task ${task.id} started (${task.state}); follow it with elm task wait ${task.id}.`);
}
