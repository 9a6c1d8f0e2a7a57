import type { ConnectorConfig, LayerVersion } from '../../domain/state';
import type { DiskFormat } from '../../domain/vocabulary';
import type { TemplateOs } from '../../connectors/vsphere/publishTemplate';
import type { VsphereScope } from '../../connectors/vsphere/scope';
import type { StepContext, TaskDefinition } from '../taskDefinition';
import { templateLocation } from '../../publish/templateTarget';
import { versionOf } from './versionOf';

export interface PublishTemplateParams {
  connector: string;
  /** A template VM in the connector's folder, or (with `library`) a VM template item in a content library. */
  kind: 'vsphereTemplate' | 'vsphereLibraryItem';
  source: { location: string; format: DiskFormat; sha256: string | null };
  templateName: string;
  /** The id (VM, or library item) of elm's own earlier publish of this name that --replace deletes (checked at the command); null without --replace. */
  replaces: string | null;
  os: TemplateOs | null;
  /** Unique to this publish: names the disk's files on the datastore. */
  token: string;
  comment: string;
  user: string;
  /** --library: the content library (found by name at the command) that takes the item; absent for a template VM. */
  library?: { id: string; name: string } | null;
}

const paramsOf = (ctx: { task: { params: Record<string, unknown> } }) => ctx.task.params as unknown as PublishTemplateParams;
const diskName = (p: PublishTemplateParams) => `publish-${p.token}`;
/**
 * The VM the library item is made from: a name unique to this publish in the connector's folder,
 * so it never meets an operator's VM and is found again (with its disk) after a kill -9.
 */
const vmName = (p: PublishTemplateParams) => (p.library ? `elm-publish-${p.token}` : p.templateName);
/** How long vCenter may take to copy the VM into the library before it answers. */
const LIBRARY_COPY_MS = 60 * 60 * 1000;

async function scopeOf(ctx: StepContext): Promise<VsphereScope> {
  const p = paramsOf(ctx);
  const config = (await ctx.store.read()).connectors.find((c) => c.name === p.connector) as ConnectorConfig | undefined;
  if (!config) throw new Error(`connector "${p.connector}" was removed while the task ran`);
  const { vsphereScope } = await import('../../connectors/vsphere/scope.js');
  return vsphereScope(config, { home: ctx.home, env: ctx.env }, {});
}

const vsphere = () => import('../../connectors/vsphere/publishTemplate.js');
const library = () => import('../../connectors/vsphere/libraryItem.js');

/** The task as the store has it now: what its steps recorded, even mid-step. */
async function recorded(ctx: StepContext): Promise<(name: string) => Record<string, unknown>> {
  const task = (await ctx.store.read()).tasks.find((t) => t.id === ctx.task.id) ?? ctx.task;
  return (name) => task.steps.find((s) => s.name === name)?.data ?? {};
}

/**
 * Publish to vSphere: --replace first deletes elm's own earlier template of the name (by the VM id
 * that publish recorded), then the layer disk goes to the datastore and a powered-off VM in the
 * connector's folder boots from it. A cancelled or failed publish deletes what it recorded making.
 */
export const publishTemplateTask: TaskDefinition = {
  kind: 'Publish',
  steps: [
    {
      name: 'replace',
      weight: 1,
      async run(ctx) {
        const p = paramsOf(ctx);
        if (!p.replaces) return { deleted: null };
        if (p.library) {
          ctx.progress(0, `Deleting elm's earlier item ${p.library.name}/${p.templateName} (${p.replaces})`);
          await (await library()).deleteLibraryItem(await scopeOf(ctx), p.replaces);
        } else {
          ctx.progress(0, `Deleting elm's earlier template ${p.templateName} (${p.replaces})`);
          await (await vsphere()).deleteTemplateVm(await scopeOf(ctx), p.replaces);
        }
        return { deleted: p.replaces };
      },
    },
    {
      name: 'upload',
      weight: 10,
      async run(ctx) {
        const p = paramsOf(ctx);
        const scope = await scopeOf(ctx);
        const v = await vsphere();
        // Recorded before a byte goes up: a cancel deletes exactly these files (the path is this publish's own).
        const location = v.templateDiskLocation(scope, diskName(p));
        await ctx.record({ disk: location });
        const done = await v.uploadTemplateDisk(scope, p.source, diskName(p), ctx.progress, ctx.signal);
        return { disk: done.location, sizeBytes: done.sizeBytes };
      },
    },
    {
      name: 'template',
      weight: 2,
      async run(ctx) {
        const p = paramsOf(ctx);
        const disk = String(ctx.stepData('upload').disk);
        const vm = await (await vsphere()).createTemplateVm(await scopeOf(ctx), { name: vmName(p), disk, os: p.os }, ctx.progress);
        return { vm: vm.id, guestOs: vm.guestOs, firmware: p.os?.firmware ?? null };
      },
    },
    {
      // --library: vCenter copies the template VM into the library as a VM template item.
      name: 'library',
      weight: 3,
      async run(ctx) {
        const p = paramsOf(ctx);
        if (!p.library) return { item: null };
        const vm = String(ctx.stepData('template').vm);
        ctx.progress(0, `Copying ${vm} into content library ${p.library.name} as ${p.templateName}`);
        const description = `Layer ${p.templateName} published by elm`;
        const item = await (await library()).createLibraryTemplate(await scopeOf(ctx), { sourceVm: vm, name: p.templateName, library: p.library, token: p.token, description }, LIBRARY_COPY_MS);
        return { item };
      },
    },
    {
      // The library holds its own copy: the VM it was made from (and its disk) goes.
      name: 'cleanup',
      weight: 1,
      async run(ctx) {
        const p = paramsOf(ctx);
        if (!p.library) return { deleted: null };
        const vm = String(ctx.stepData('template').vm);
        await (await vsphere()).deleteTemplateVm(await scopeOf(ctx), vm);
        return { deleted: vm };
      },
    },
    {
      name: 'record',
      applyAtEnd(state, task, now) {
        const p = task.params as unknown as PublishTemplateParams;
        const { layer, version } = versionOf(state, task);
        const step = (name: string) => task.steps.find((s) => s.name === name)?.data ?? {};
        // The image's id: the library item's, or the template VM's.
        const id = String((p.library ? step('library').item : step('template').vm) ?? '');
        const kind = p.kind;
        const folder = String(state.connectors.find((c) => c.name === p.connector)?.settings.folder ?? '');
        const location = templateLocation({ kind, name: p.templateName, folder, library: p.library?.name });
        const what = p.library ? 'content library item' : 'template';
        // The replaced image is gone: no version lists it any more.
        if (p.replaces) for (const l of state.layers) for (const v of l.versions) dropImage(v, kind, p.replaces);
        const images = version.images ?? [];
        // Safe to apply again (a run killed in its final write): the image and its audit entry go in once.
        if (!images.some((i) => i.id === id)) {
          images.push({ kind, id, location, connector: p.connector, taskId: task.id, publishedAt: now.toISOString() });
          layer.audit.push({ at: now.toISOString(), user: p.user, action: 'Publish', comment: `to ${p.connector}: ${what} ${location} (${id})${p.comment ? ` — ${p.comment}` : ''}`, version: version.name });
        }
        version.images = images;
        task.description = `"${layer.name}" ${version.name} is published to ${p.connector}: ${what} ${location} (${id}).`;
      },
    },
  ],
  finish(_state, task, now) {
    task.state = 'Complete';
    task.endedAt = now.toISOString();
  },
  fail() {},
  cancel() {},
  onFailed: removeWhatWasMade,
  onCanceled: removeWhatWasMade,
};

function dropImage(v: LayerVersion, kind: PublishTemplateParams['kind'], id: string): void {
  if (v.images) v.images = v.images.filter((i) => !(i.kind === kind && i.id === id));
}

/**
 * Deletes the library item this publish made (by its recorded id, or its name and this publish's
 * token when the answer was lost), then the template VM it recorded creating (its disk goes with
 * it), else the disk files it recorded uploading.
 */
async function removeWhatWasMade(ctx: StepContext): Promise<string> {
  const p = paramsOf(ctx);
  const data = await recorded(ctx);
  const scope = await scopeOf(ctx);
  const v = await vsphere();
  const removed: string[] = [];
  if (p.library && data('template').vm) {
    const lib = await library();
    const recordedItem = data('library').item;
    const item = typeof recordedItem === 'string' && recordedItem ? recordedItem : await lib.libraryItemOfPublish(scope, p.library.id, p.templateName, p.token);
    if (item && (await lib.deleteLibraryItem(scope, item))) removed.push(`the content library item ${p.library.name}/${p.templateName} (${item})`);
  }
  const disk = data('upload').disk;
  const recordedVm = data('template').vm;
  // A VM whose answer was lost (the worker killed while vCenter made it) is known by the disk it boots from: this publish's own.
  const vm = typeof recordedVm === 'string' && recordedVm ? recordedVm : typeof disk === 'string' && disk ? await v.templateWithDisk(scope, vmName(p), disk) : null;
  if (vm && (await v.deleteTemplateVm(scope, vm))) removed.push(`the template VM ${vm} and its disk`);
  else if (typeof disk === 'string' && disk && !data('cleanup').deleted) {
    await v.deleteTemplateDisk(scope, disk);
    removed.push(disk);
  }
  return removed.length ? `Removed what it made: ${removed.join(', ')}.` : 'It had made nothing yet.';
}
