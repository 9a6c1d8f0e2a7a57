/**
 * `layer publish --to AZURE`: an Azure Compute Gallery image version made from the layer's VHD
 * (the page blob finalize left in the connector's container). The gallery and the image definition
 * are made when absent (tagged with the task, so a resumed or cancelled task knows they are its
 * own); the image version is PUT by name, which Azure treats as idempotent, after a GET that checks
 * an existing one is this task's (its tags). Nothing is ever deleted that the task's tag does not name.
 */
import { ElmError, UsageError } from '../../domain/errors';
import type { GalleryPublishRequest, GalleryResult, ProgressSink } from '../connector';
import type { AzureClients } from './clients';
import { isNotFound, platformError } from './errors';
import { TAG_LAYER, TAG_LAYER_ID, TAG_TASK, TAG_VERSION } from './layout';
import { findStorageAccount } from './preflight/checks';

type Tags = Record<string, string>;

function tagsOf(req: GalleryPublishRequest): Tags {
  return { [TAG_LAYER]: req.layer.name.slice(0, 256), [TAG_LAYER_ID]: req.layer.id, [TAG_VERSION]: req.layer.version.slice(0, 256), [TAG_TASK]: req.taskId };
}

async function getOrNull<T>(what: string, get: () => Promise<T>): Promise<T | null> {
  try {
    return await get();
  } catch (e) {
    if (isNotFound(e)) return null;
    throw platformError(`Reading ${what}`, e);
  }
}

const ours = (tags: Tags | undefined, taskId: string) => tags?.[TAG_TASK] === taskId;

export async function publishToGallery(
  clients: AzureClients,
  req: GalleryPublishRequest,
  progress: ProgressSink,
  record: (created: Partial<GalleryResult['created']>) => Promise<void>,
): Promise<GalleryResult> {
  const s = clients.settings;
  const rg = s.resourceGroup;
  const compute = await clients.compute();
  const tags = tagsOf(req);
  const account = await findStorageAccount(clients);
  const location = account.location;

  progress(0.02, `Looking for gallery ${req.gallery} in ${rg}`);
  let gallery = await getOrNull(`gallery ${req.gallery}`, () => compute.galleries.get(rg, req.gallery));
  if (!gallery || (ours(gallery.tags, req.taskId) && gallery.provisioningState !== 'Succeeded')) {
    progress(0.05, `Creating gallery ${req.gallery} in ${location}`);
    gallery = await put(`gallery ${req.gallery}`, () => compute.galleries.beginCreateOrUpdateAndWait(rg, req.gallery, { location, tags, description: 'Made by elm layer publish.' }));
  }
  const galleryOurs = ours(gallery.tags, req.taskId);
  if (galleryOurs) await record({ gallery: gallery.id });
  if (gallery.location && norm(gallery.location) !== location)
    throw new UsageError(`Gallery ${req.gallery} is in ${gallery.location}, not in ${location} where the layer's VHD is; use a gallery in ${location} (--gallery).`);

  const def = req.imageDefinition;
  let image = await getOrNull(`image definition ${def}`, () => compute.galleryImages.get(rg, req.gallery, def));
  if (image && !ours(image.tags, req.taskId)) checkDefinition(image, req);
  if (!image || (ours(image.tags, req.taskId) && image.provisioningState !== 'Succeeded')) {
    progress(0.1, `Creating image definition ${def} (Windows, Specialized, ${req.generation}${req.trustedLaunch ? ', Trusted Launch' : ''})`);
    image = await put(`image definition ${def}`, () =>
      compute.galleryImages.beginCreateOrUpdateAndWait(rg, req.gallery, def, {
        location,
        tags,
        osType: 'Windows',
        osState: 'Specialized',
        hyperVGeneration: req.generation,
        identifier: { publisher: 'elm', offer: req.layer.name.replace(/[^A-Za-z0-9._-]+/g, '-').slice(0, 64) || 'layer', sku: def },
        ...(req.trustedLaunch ? { features: [{ name: 'SecurityType', value: 'TrustedLaunch' }] } : {}),
      }),
    );
  }
  if (ours(image.tags, req.taskId)) await record({ definition: image.id });

  const existing = await getOrNull(`image version ${req.imageVersion}`, () => compute.galleryImageVersions.get(rg, req.gallery, def, req.imageVersion));
  if (existing && !ours(existing.tags, req.taskId))
    throw new UsageError(`Image definition ${def} already has version ${req.imageVersion} (not made by this publish); publish with another --image-version.`);
  const versionId = `${image.id}/versions/${req.imageVersion}`;
  // Recorded before the PUT: a task killed during it deletes (or resumes) this version by its id and tag.
  await record({ version: versionId });
  progress(0.15, `Creating image version ${req.imageVersion} of ${def} from ${req.sourceUri}`);
  const made = await put(`image version ${req.imageVersion}`, () =>
    compute.galleryImageVersions.beginCreateOrUpdateAndWait(
      rg,
      req.gallery,
      def,
      req.imageVersion,
      {
        location,
        tags,
        publishingProfile: {
          targetRegions: [location, ...req.replicaRegions.filter((r) => r !== location)].map((name) => ({ name, regionalReplicaCount: 1, storageAccountType: req.storageAccountType })),
          storageAccountType: req.storageAccountType,
        },
        storageProfile: { osDiskImage: { source: { uri: req.sourceUri, storageAccountId: account.id }, hostCaching: 'ReadOnly' } },
      },
      { abortSignal: req.signal },
    ),
  );
  if (made.provisioningState !== 'Succeeded') throw new ElmError(`Image version ${req.imageVersion} ended ${made.provisioningState ?? 'without a provisioning state'}.`);
  return { id: made.id ?? versionId, created: { gallery: galleryOurs ? gallery.id : undefined, definition: ours(image.tags, req.taskId) ? image.id : undefined, version: made.id ?? versionId } };
}

/**
 * Before a task is recorded: an existing definition must fit the disk and the version number must
 * be free, so `layer publish` refuses (exit 2) instead of starting a task that fails.
 */
export async function checkGalleryPublish(clients: AzureClients, req: Omit<GalleryPublishRequest, 'taskId' | 'signal'>): Promise<void> {
  const rg = clients.settings.resourceGroup;
  const compute = await clients.compute();
  const image = await getOrNull(`image definition ${req.imageDefinition}`, () => compute.galleryImages.get(rg, req.gallery, req.imageDefinition));
  if (!image) return;
  checkDefinition(image, req);
  const taken = await getOrNull(`image version ${req.imageVersion}`, () => compute.galleryImageVersions.get(rg, req.gallery, req.imageDefinition, req.imageVersion));
  if (taken)
    throw new UsageError(
      `Image definition ${req.imageDefinition} already has version ${req.imageVersion}${taken.tags?.[TAG_LAYER] ? ` (published from "${taken.tags[TAG_LAYER]}" ${taken.tags[TAG_VERSION] ?? ''})` : ''}; publish with another --image-version.`,
    );
}

/** An image definition elm did not make must fit the disk: Windows, Specialized, the same generation. */
function checkDefinition(image: { osType?: string; osState?: string; hyperVGeneration?: string }, req: Pick<GalleryPublishRequest, 'imageDefinition' | 'generation'>): void {
  const gen = image.hyperVGeneration ?? 'V1';
  const problems = [
    image.osType !== 'Windows' && `its OS type is ${image.osType}, not Windows`,
    image.osState !== 'Specialized' && `it is ${image.osState}, and a layer disk is a specialized (not sysprepped) disk`,
    gen !== req.generation && `it is generation ${gen} and the OS layer boots as ${req.generation}`,
  ].filter(Boolean);
  if (problems.length) throw new UsageError(`Image definition ${req.imageDefinition} cannot hold this layer: ${problems.join('; ')}. Name another --image-definition (elm creates it).`);
}

async function put<T>(what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    throw platformError(`Creating ${what}`, e);
  }
}

const norm = (l: string) => l.replace(/\s+/g, '').toLowerCase();

/** Deletes what a publish recorded creating, newest first, each only while it carries the task's tag. */
export async function removeGalleryResources(clients: AzureClients, created: Partial<GalleryResult['created']>, taskId: string): Promise<string[]> {
  const compute = await clients.compute();
  const removed: string[] = [];
  const parts = (id: string) => id.split('/');
  const rgOf = (id: string) => parts(id)[4];
  if (created.version) {
    const [g, d, v] = [parts(created.version)[8], parts(created.version)[10], parts(created.version)[12]];
    const found = await getOrNull(`image version ${v}`, () => compute.galleryImageVersions.get(rgOf(created.version!), g, d, v));
    if (found && ours(found.tags, taskId)) {
      await compute.galleryImageVersions.beginDeleteAndWait(rgOf(created.version), g, d, v);
      removed.push(created.version);
    }
  }
  if (created.definition) {
    const [g, d] = [parts(created.definition)[8], parts(created.definition)[10]];
    const found = await getOrNull(`image definition ${d}`, () => compute.galleryImages.get(rgOf(created.definition!), g, d));
    if (found && ours(found.tags, taskId)) {
      await compute.galleryImages.beginDeleteAndWait(rgOf(created.definition), g, d);
      removed.push(created.definition);
    }
  }
  if (created.gallery) {
    const g = parts(created.gallery)[8];
    const found = await getOrNull(`gallery ${g}`, () => compute.galleries.get(rgOf(created.gallery!), g));
    if (found && ours(found.tags, taskId)) {
      await compute.galleries.beginDeleteAndWait(rgOf(created.gallery), g);
      removed.push(created.gallery);
    }
  }
  return removed;
}
