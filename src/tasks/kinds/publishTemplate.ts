import type { ConnectorConfig, LayerVersion } from '../../domain/state';
import type { DiskFormat } from '../../domain/vocabulary';
import type { TemplateOs } from '../../connectors/vsphere/publishTemplate';
import type { VsphereScope } from '../../connectors/vsphere/scope';
import type { StepContext, TaskDefinition } from '../taskDefinition';
import { versionOf } from './versionOf';

export interface PublishTemplateParams {
  connector: string;
  kind: 'vsphereTemplate';
  source: { location: string; format: DiskFormat; sha256: string | null };
  templateName: string;
  /** The VM id of elm's own earlier publish of this name that --replace deletes (checked at the command); null without --replace. */
  replaces: string | null;
  os: TemplateOs | null;
  /** Unique to this publish: names the disk's files on the datastore. */
  token: string;
  comment: string;
  user: string;
}

const paramsOf = (ctx: { task: { params: Record<string, unknown> } }) => ctx.task.params as unknown as PublishTemplateParams;
const diskName = (p: PublishTemplateParams) => `publish-${p.token}`;

async function scopeOf(ctx: StepContext): Promise<VsphereScope> {
  const p = paramsOf(ctx);
  const config = (await ctx.store.read()).connectors.find((c) => c.name === p.connector) as ConnectorConfig | undefined;
  if (!config) throw new Error(`connector "${p.connector}" was removed while the task ran`);
  const { vsphereScope } = await import('../../connectors/vsphere/scope.js');
  return vsphereScope(config, { home: ctx.home, env: ctx.env }, {});
}

const vsphere = () => import('../../connectors/vsphere/publishTemplate.js');

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
        ctx.progress(0, `Deleting elm's earlier template ${p.templateName} (${p.replaces})`);
        await (await vsphere()).deleteTemplateVm(await scopeOf(ctx), p.replaces);
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
        const vm = await (await vsphere()).createTemplateVm(await scopeOf(ctx), { name: p.templateName, disk, os: p.os }, ctx.progress);
        return { vm: vm.id, guestOs: vm.guestOs, firmware: p.os?.firmware ?? null };
      },
    },
    {
      name: 'record',
      applyAtEnd(state, task, now) {
        const p = task.params as unknown as PublishTemplateParams;
        const { layer, version } = versionOf(state, task);
        const vm = String(task.steps.find((s) => s.name === 'template')?.data.vm ?? '');
        const location = `${String(state.connectors.find((c) => c.name === p.connector)?.settings.folder ?? '')}/${p.templateName}`;
        // The replaced template is gone: no version lists it any more.
        if (p.replaces) for (const l of state.layers) for (const v of l.versions) dropImage(v, p.replaces);
        const images = version.images ?? [];
        // Safe to apply again (a run killed in its final write): the image and its audit entry go in once.
        if (!images.some((i) => i.id === vm)) {
          images.push({ kind: 'vsphereTemplate', id: vm, location, connector: p.connector, taskId: task.id, publishedAt: now.toISOString() });
          layer.audit.push({ at: now.toISOString(), user: p.user, action: 'Publish', comment: `to ${p.connector}: template ${location} (${vm})${p.comment ? ` — ${p.comment}` : ''}`, version: version.name });
        }
        version.images = images;
        task.description = `"${layer.name}" ${version.name} is published to ${p.connector}: template ${location} (${vm}).`;
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

function dropImage(v: LayerVersion, id: string): void {
  if (v.images) v.images = v.images.filter((i) => !(i.kind === 'vsphereTemplate' && i.id === id));
}

/** Deletes the template VM this publish recorded creating (its disk goes with it), else the disk files it recorded uploading. */
async function removeWhatWasMade(ctx: StepContext): Promise<string> {
  const data = await recorded(ctx);
  const scope = await scopeOf(ctx);
  const v = await vsphere();
  const disk = data('upload').disk;
  const recordedVm = data('template').vm;
  // A VM whose answer was lost (the worker killed while vCenter made it) is known by the disk it boots from: this publish's own.
  const vm = typeof recordedVm === 'string' && recordedVm ? recordedVm : typeof disk === 'string' && disk ? await v.templateWithDisk(scope, paramsOf(ctx).templateName, disk) : null;
  if (vm && (await v.deleteTemplateVm(scope, vm))) return `Removed what it made: the template VM ${vm} and its disk.`;
  if (typeof disk === 'string' && disk) {
    await v.deleteTemplateDisk(scope, disk);
    return `Removed what it made: ${disk}.`;
  }
  return 'It had made nothing yet.';
}
