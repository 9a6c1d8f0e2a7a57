import { promises as fs } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import { convertImage } from '../../disk/qemuImg';
import { sha256File, sha256OfOpenFile } from '../../disk/hashFile';
import type { DiskFormat, ImageKind } from '../../domain/vocabulary';
import { alreadyPlaced, type FileIdentity, partialPath, placeFile, type PlaceResult, removeIfOurs, sameIdentity } from '../../publish/imageFile';
import type { GalleryPublishRequest, GalleryResult } from '../../connectors/connector';
import type { Layer, LayerVersion, Task } from '../../domain/state';
import type { StepContext, TaskDefinition } from '../taskDefinition';
import { versionOf } from './versionOf';

export interface PublishParams {
  connector: string;
  kind: Extract<ImageKind, 'file' | 'pvsVdisk' | 'azureGalleryImageVersion'>;
  /** An Azure gallery publish: what the image version is made of and named (absent for a file). */
  gallery?: Omit<GalleryPublishRequest, 'taskId' | 'signal'>;
  /** The layer disk in the repository (or, on Azure, its blob), as finalize recorded it. */
  source: { location: string; format: DiskFormat; sha256: string | null };
  /** The image file's path, or the image version's `gallery/definition/version`. */
  dest: string;
  format: DiskFormat;
  /** Unique to this publish: names its partial files, and is the image's id. */
  token: string;
  comment: string;
  user: string;
}

const paramsOf = (ctx: { task: { params: Record<string, unknown> } }) => ctx.task.params as unknown as PublishParams;
const checksumPath = (dest: string) => `${dest}.sha256`;

/** The qemu-img options that give each platform the file it boots (a fixed VHD, as Hyper-V and Azure take). */
function targetOptions(format: DiskFormat): string[] {
  return format === 'vhd' ? ['subformat=fixed,force_size=on'] : [];
}

const isGallery = (p: PublishParams) => p.kind === 'azureGalleryImageVersion';

async function convert(ctx: StepContext): Promise<Record<string, unknown>> {
  const p = paramsOf(ctx);
  if (isGallery(p)) return {};
  const partial = partialPath(p.dest, p.token);
  const recorded = ctx.stepData('convert').image as FileIdentity | undefined;
  const placed = await alreadyPlaced(partial, p.dest, recorded);
  if (placed) return { image: placed.identity, sizeBytes: placed.sizeBytes };
  await fs.mkdir(path.dirname(p.dest), { recursive: true });
  ctx.progress(0, `Converting the layer disk to ${p.format}: ${p.dest}`);
  await convertImage(p.source.location, p.source.format, partial, p.format, {
    signal: ctx.signal,
    targetOptions: targetOptions(p.format),
    onProgress: (f) => ctx.progress(f),
  });
  const { placed: done, sha256 } = await placeAndHash(ctx, partial, p.dest);
  return { image: done.identity, sizeBytes: done.sizeBytes, sha256 };
}

/**
 * Flushes and places the converted file while its SHA-256 is taken: the flush waits on the disk,
 * the hash on the CPU, so the two overlap instead of adding up. The hash reads the partial's own
 * inode (opened before it is linked and its partial name removed): the very bytes being flushed,
 * which nothing writes once qemu-img has exited. Both are awaited before any error goes on, so an
 * undo never races a placement still under way.
 */
async function placeAndHash(ctx: StepContext, partial: string, dest: string): Promise<{ placed: PlaceResult; sha256: string }> {
  const fh = await open(partial, 'r');
  try {
    const size = (await fh.stat()).size;
    ctx.progress(1, `Flushing ${dest} to disk and computing its SHA-256`);
    const [placed, sha256] = await Promise.allSettled([
      placeFile(partial, dest, (image) => ctx.record({ image })),
      sha256OfOpenFile(fh, { size, signal: ctx.signal }),
    ]);
    if (placed.status === 'rejected') throw placed.reason;
    if (sha256.status === 'rejected') throw sha256.reason;
    return { placed: placed.value, sha256: sha256.value };
  } finally {
    await fh.close();
  }
}

async function checksum(ctx: StepContext): Promise<Record<string, unknown>> {
  const p = paramsOf(ctx);
  if (isGallery(p)) return {};
  const file = checksumPath(p.dest);
  const partial = partialPath(file, p.token);
  const recorded = ctx.stepData('checksum').file as FileIdentity | undefined;
  const sha256 = await imageSha256(ctx, p.dest);
  const placed = await alreadyPlaced(partial, file, recorded);
  if (placed) return { sha256, file: placed.identity };
  // The format sha256sum -c reads: the digest, two spaces, the file's name beside it.
  await fs.writeFile(partial, `${sha256}  ${path.basename(p.dest)}\n`, { mode: 0o644 });
  const done = await placeFile(partial, file, (id) => ctx.record({ file: id }));
  return { sha256, file: done.identity };
}

/**
 * The image's SHA-256: the one the convert step took while flushing it, when the file there is
 * still the one it recorded (same inode, same size); otherwise (a run killed between placing the
 * image and recording its step) the file is read again.
 */
async function imageSha256(ctx: StepContext, dest: string): Promise<string> {
  const converted = ctx.stepData('convert');
  const st = await fs.stat(dest);
  const image = converted.image as FileIdentity | undefined;
  if (typeof converted.sha256 === 'string' && sameIdentity(image, { dev: st.dev, ino: st.ino }) && converted.sizeBytes === st.size) return converted.sha256;
  const size = st.size;
  ctx.progress(0, `Computing the SHA-256 of ${dest}`);
  return sha256File(dest, { size, signal: ctx.signal, onProgress: (n) => ctx.progress(size ? n / size : 1, undefined, { done: n, total: size }) });
}

/**
 * Publish to a file: convert the layer disk into the image file (never over an existing file),
 * write its checksum beside it, then (as the task ends) record the image on the version and in the
 * audit history. A cancelled publish deletes exactly the files it made.
 */
export const publishTask: TaskDefinition = {
  kind: 'Publish',
  steps: [
    {
      name: 'convert',
      weight: 10,
      run: convert,
      async undo(ctx) {
        await fs.rm(partialPath(paramsOf(ctx).dest, paramsOf(ctx).token), { force: true });
      },
    },
    {
      name: 'checksum',
      weight: 2,
      run: checksum,
      async undo(ctx) {
        await fs.rm(partialPath(checksumPath(paramsOf(ctx).dest), paramsOf(ctx).token), { force: true });
      },
    },
    {
      // Azure: the gallery, image definition and image version; each id recorded as it is made.
      name: 'gallery',
      weight: 10,
      run: gallery,
    },
    {
      name: 'record',
      applyAtEnd(state, task, now) {
        const p = task.params as unknown as PublishParams;
        const { layer, version } = versionOf(state, task);
        const sha256 = String(task.steps.find((s) => s.name === 'checksum')?.data.sha256 ?? '');
        const images = version.images ?? [];
        if (isGallery(p)) return recordGalleryImage(task, p, layer, version, now);
        // Safe to apply again (a run killed in its final write): the image and its audit entry go in once.
        if (!images.some((i) => i.id === p.token)) {
          images.push({ kind: p.kind, id: p.token, location: p.dest, format: p.format, sha256, checksumFile: checksumPath(p.dest), connector: p.connector, taskId: task.id, publishedAt: now.toISOString() });
          layer.audit.push({ at: now.toISOString(), user: p.user, action: 'Publish', comment: auditComment(p), version: version.name });
        }
        version.images = images;
        task.description = `"${layer.name}" ${version.name} is published to ${p.connector}: ${p.dest} (sha256 ${sha256}).`;
      },
    },
  ],
  finish(_state, task, now) {
    task.state = 'Complete';
    task.endedAt = now.toISOString();
  },
  // Publishing reads the version and never changes its state: a failed or cancelled publish leaves it Deployable.
  fail() {},
  cancel() {},
  onFailed: removeWhatWasMade,
  onCanceled: removeWhatWasMade,
};

/**
 * The gallery step: the connector makes the image version, recording each resource id this task
 * creates (merged into the step's data) so a resumed run finds them and a cancel deletes exactly them.
 */
async function gallery(ctx: StepContext): Promise<Record<string, unknown>> {
  const p = paramsOf(ctx);
  if (!p.gallery) return {};
  const config = (await ctx.store.read()).connectors.find((c) => c.name === p.connector);
  if (!config) throw new Error(`connector "${p.connector}" was removed while the task ran`);
  const connector = await ctx.connector(config);
  if (!connector.publishToGallery) throw new Error(`the ${config.type} connector cannot publish to a gallery`);
  let created = { ...((ctx.stepData('gallery').created ?? {}) as GalleryResult['created']) };
  const record = async (more: GalleryResult['created']) => {
    created = { ...created, ...Object.fromEntries(Object.entries(more).filter(([, v]) => v)) };
    await ctx.record({ created });
  };
  const result = await connector.publishToGallery({ ...p.gallery, taskId: ctx.task.id, signal: ctx.signal }, ctx.progress, record);
  return { id: result.id, created: { ...created, ...Object.fromEntries(Object.entries(result.created).filter(([, v]) => v)) } };
}

function recordGalleryImage(task: Task, p: PublishParams, layer: Layer, version: LayerVersion, now: Date): void {
  const id = String(task.steps.find((s) => s.name === 'gallery')?.data.id ?? '');
  const images = version.images ?? [];
  if (!images.some((i) => i.id === id)) {
    images.push({ kind: p.kind, id, location: p.dest, connector: p.connector, taskId: task.id, publishedAt: now.toISOString() });
    layer.audit.push({ at: now.toISOString(), user: p.user, action: 'Publish', comment: auditComment(p), version: version.name });
  }
  version.images = images;
  task.description = `"${layer.name}" ${version.name} is published to ${p.connector}: image version ${p.dest} (${id}).`;
}

/** The audit entry names where the image went (the console's audit history says what was done). */
function auditComment(p: PublishParams): string {
  return `to ${p.connector}: ${p.dest}${p.comment ? ` — ${p.comment}` : ''}`;
}

/** Deletes the image and checksum files this publish placed (by recorded identity), nothing else. */
async function removeWhatWasMade(ctx: StepContext): Promise<string> {
  const p = paramsOf(ctx);
  const state = await ctx.store.read();
  const task = state.tasks.find((t) => t.id === ctx.task.id) ?? ctx.task;
  const data = (name: string) => task.steps.find((s) => s.name === name)?.data ?? {};
  if (isGallery(p)) {
    const config = state.connectors.find((c) => c.name === p.connector);
    const created = (data('gallery').created ?? {}) as GalleryResult['created'];
    if (!config || !Object.values(created).some(Boolean)) return 'It had made nothing yet.';
    const connector = await ctx.connector(config);
    const removed = (await connector.removeGalleryResources?.(created, ctx.task.id)) ?? [];
    return removed.length ? `Removed what it made: ${removed.join(', ')}.` : 'It had made nothing yet.';
  }
  const removed: string[] = [];
  if (await removeIfOurs(checksumPath(p.dest), data('checksum').file as FileIdentity | undefined)) removed.push(checksumPath(p.dest));
  if (await removeIfOurs(p.dest, data('convert').image as FileIdentity | undefined)) removed.push(p.dest);
  await fs.rm(partialPath(p.dest, p.token), { force: true });
  await fs.rm(partialPath(checksumPath(p.dest), p.token), { force: true });
  return removed.length ? `Removed what it made: ${removed.join(', ')}.` : 'It had made nothing yet.';
}
