/**
 * Microsoft.Compute/galleries (Azure Compute Gallery), its image definitions and image versions:
 *   PUT|GET|DELETE /…/galleries/{gallery}
 *   PUT|GET|DELETE /…/galleries/{gallery}/images/{image}
 *   PUT|GET|DELETE /…/galleries/{gallery}/images/{image}/versions/{version}
 * PUT and DELETE are long-running (201/202 with the regional monitors); the resource is there with
 * provisioningState Creating until the operation completes, then Succeeded.
 * The rules are those of the REST spec, Azure/azure-rest-api-specs
 * specification/compute/resource-manager/Microsoft.Compute/GalleryRP/stable/2025-03-03/GalleryRP.json
 * (and its examples GalleryImage_Create.json, GalleryImageVersion_Create_WithVHD.json):
 * - api-version one of GalleryRP's stable versions (the folders of GalleryRP/stable);
 * - gallery name: letters, digits, underscores and periods (`^[A-Za-z0-9._]+$`, no hyphen);
 * - image definition: osType Windows|Linux, osState Generalized|Specialized, identifier
 *   {publisher, offer, sku} required; hyperVGeneration V1|V2 (default V1); the feature
 *   SecurityType TrustedLaunch needs V2; osType, osState and hyperVGeneration cannot change;
 * - image version: name `Major.Minor.Patch` of 32-bit integers; the definition must exist; a VHD
 *   source (storageProfile.osDiskImage.source) needs uri and storageAccountId, the account in the
 *   version's region and the uri in that account; targetRegions include the version's region;
 *   storageAccountType Standard_LRS|Standard_ZRS|Premium_LRS;
 * - a parent with children cannot be deleted (409), as Azure refuses.
 */
import type { FakeCloud } from '../cloud';
import { ArmError, armErrors } from '../errors';
import { jsonBody, type FakeRequest, type Router } from '../http';
import type { FakeResource } from '../inventory';
import { apiVersionOf, dig, isObject, normalizeLocation, regionalOperation, requireLocation, requireResource, requireResourceGroup, resourceBody } from './common';
import { STORAGE_TYPE } from './storage';

export const GALLERY_TYPE = 'Microsoft.Compute/galleries';
export const GALLERY_IMAGE_TYPE = 'Microsoft.Compute/galleries/images';
export const GALLERY_IMAGE_VERSION_TYPE = 'Microsoft.Compute/galleries/images/versions';

/** GalleryRP/stable's folders (api-versions Azure serves for galleries). */
export const GALLERY_API_VERSIONS = [
  '2018-06-01', '2019-03-01', '2019-07-01', '2019-12-01', '2020-09-30', '2021-07-01', '2021-10-01',
  '2022-01-03', '2022-03-03', '2022-08-03', '2023-07-03', '2024-03-03', '2025-03-03',
];
const STORAGE_ACCOUNT_TYPES = ['Standard_LRS', 'Standard_ZRS', 'Premium_LRS'];
const RG = '/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Compute';
const G = `${RG}/galleries/{gallery}`;
const I = `${G}/images/{image}`;
const V = `${I}/versions/{version}`;

export function galleryRoutes(cloud: FakeCloud, router: Router): void {
  const level = (type: string, nameOf: (req: FakeRequest) => string, put: (req: FakeRequest, name: string) => FakeResource, children?: string) => ({
    get: (req: FakeRequest) => {
      checkApiVersion(req);
      return { status: 200, body: resourceBody(requireResource(cloud, req.params.rg, type, nameOf(req))) };
    },
    put: (req: FakeRequest) => {
      checkApiVersion(req);
      requireResourceGroup(cloud, req.params.rg);
      const existed = cloud.inventory.find(req.params.rg, type, nameOf(req));
      const r = put(req, nameOf(req));
      r.properties.provisioningState = existed ? 'Updating' : 'Creating';
      cloud.inventory.put(r);
      return regionalOperation(cloud, req, 'Microsoft.Compute', r, {
        initialStatus: existed ? 200 : 201,
        initialBody: resourceBody(r),
        work: () => {
          const current = cloud.inventory.get(r.id);
          if (current) current.properties.provisioningState = 'Succeeded';
          return current ? resourceBody(current) : undefined;
        },
      });
    },
    del: (req: FakeRequest) => {
      checkApiVersion(req);
      requireResourceGroup(cloud, req.params.rg);
      const r = cloud.inventory.find(req.params.rg, type, nameOf(req));
      if (!r) return { status: 204 };
      if (children && cloud.inventory.list({ resourceGroup: req.params.rg, type: children }).some((c) => c.name.startsWith(`${r.name}/`))) {
        throw new ArmError(409, 'CannotDeleteResource', `Can not delete resource before nested resources are deleted.`);
      }
      return regionalOperation(cloud, req, 'Microsoft.Compute', r, {
        work: () => {
          cloud.inventory.remove(r.id);
          return undefined;
        },
      });
    },
  });
  const routes: [string, ReturnType<typeof level>][] = [
    [G, level(GALLERY_TYPE, (r) => r.params.gallery, (req, name) => putGallery(cloud, req, name), GALLERY_IMAGE_TYPE)],
    [I, level(GALLERY_IMAGE_TYPE, (r) => `${r.params.gallery}/${r.params.image}`, (req, name) => putImage(cloud, req, name), GALLERY_IMAGE_VERSION_TYPE)],
    [V, level(GALLERY_IMAGE_VERSION_TYPE, (r) => `${r.params.gallery}/${r.params.image}/${r.params.version}`, (req, name) => putVersion(cloud, req, name))],
  ];
  for (const [path, h] of routes) {
    router.add('GET', path, h.get);
    router.add('PUT', path, h.put);
    router.add('DELETE', path, h.del);
  }
}

function checkApiVersion(req: FakeRequest): void {
  const v = apiVersionOf(req);
  if (!GALLERY_API_VERSIONS.includes(v))
    throw new ArmError(400, 'NoRegisteredProviderFound', `No registered resource provider found for location and API version '${v}' for type 'galleries'. The supported api-versions are '${GALLERY_API_VERSIONS.join(', ')}'.`);
}

interface Input {
  location: string;
  tags: Record<string, string>;
  properties: Record<string, unknown>;
}

function input(req: FakeRequest, name: string): Input {
  const body = jsonBody(req);
  const tags = isObject(body.tags) ? Object.fromEntries(Object.entries(body.tags).map(([k, v]) => [k, String(v)])) : {};
  return { location: requireLocation(typeof body.location === 'string' ? body.location : undefined, name), tags, properties: isObject(body.properties) ? body.properties : {} };
}

function resource(cloud: FakeCloud, req: FakeRequest, type: string, name: string, i: Input): FakeResource {
  const existing = cloud.inventory.find(req.params.rg, type, name);
  return {
    id: existing?.id ?? cloud.inventory.resourceId(req.params.rg, type, name),
    name,
    type,
    resourceGroup: req.params.rg,
    location: i.location,
    tags: i.tags,
    properties: { ...i.properties },
    createdAt: existing?.createdAt ?? new Date().toISOString(),
  };
}

function putGallery(cloud: FakeCloud, req: FakeRequest, name: string): FakeResource {
  if (!/^[A-Za-z0-9._]{1,80}$/.test(name) || /^[._]|[._]$/.test(name))
    throw armErrors.invalidParameter(`The gallery name '${name}' is invalid: use letters, digits, underscores and periods (no hyphens), 1-80 characters, not starting or ending with a period or underscore.`, 'galleryName');
  return resource(cloud, req, GALLERY_TYPE, name, input(req, name));
}

function requireParent(cloud: FakeCloud, rg: string, type: string, name: string, location: string): FakeResource {
  const parent = cloud.inventory.find(rg, type, name);
  if (!parent) throw new ArmError(404, 'ParentResourceNotFound', `Can not perform requested operation on nested resource. Parent resource '${name}' not found.`);
  if (parent.location !== location)
    throw armErrors.invalidParameter(`The location '${location}' is not the location '${parent.location}' of '${name}': a gallery's images and versions are in the gallery's region.`, 'location');
  return parent;
}

function putImage(cloud: FakeCloud, req: FakeRequest, name: string): FakeResource {
  const i = input(req, name);
  requireParent(cloud, req.params.rg, GALLERY_TYPE, req.params.gallery, normalizeLocation(i.location));
  const p = i.properties;
  const oneOf = (key: string, allowed: string[], dflt?: string) => {
    const v = p[key] ?? dflt;
    if (typeof v !== 'string' || !allowed.includes(v)) throw armErrors.invalidParameter(`The value '${String(v)}' of parameter '${key}' is invalid; allowed: ${allowed.join(', ')}.`, key);
    return v;
  };
  oneOf('osType', ['Windows', 'Linux']);
  oneOf('osState', ['Generalized', 'Specialized']);
  const generation = oneOf('hyperVGeneration', ['V1', 'V2'], 'V1');
  for (const k of ['publisher', 'offer', 'sku'])
    if (typeof dig(p, 'identifier', k) !== 'string' || !dig(p, 'identifier', k)) throw armErrors.invalidParameter(`Required parameter 'identifier.${k}' is missing (null).`, `identifier.${k}`);
  const features = Array.isArray(p.features) ? (p.features as unknown[]) : [];
  const trusted = features.some((f) => isObject(f) && String(f.name) === 'SecurityType' && String(f.value).startsWith('TrustedLaunch'));
  if (trusted && generation !== 'V2') throw armErrors.invalidParameter(`The feature SecurityType TrustedLaunch needs hyperVGeneration V2; this image definition is ${generation}.`, 'features');
  const existing = cloud.inventory.find(req.params.rg, GALLERY_IMAGE_TYPE, name);
  if (existing)
    for (const k of ['osType', 'osState', 'hyperVGeneration']) {
      if (String(existing.properties[k] ?? 'V1') !== String(p[k] ?? 'V1'))
        throw new ArmError(409, 'PropertyChangeNotAllowed', `Changing property '${k}' is not allowed.`, [{ code: 'PropertyChangeNotAllowed', message: `Changing property '${k}' is not allowed.`, target: k }]);
    }
  const r = resource(cloud, req, GALLERY_IMAGE_TYPE, name, i);
  r.properties.hyperVGeneration = generation;
  return r;
}

function putVersion(cloud: FakeCloud, req: FakeRequest, name: string): FakeResource {
  const number = req.params.version;
  if (!/^\d+\.\d+\.\d+$/.test(number) || number.split('.').some((n) => Number(n) > 2 ** 31 - 1))
    throw armErrors.invalidParameter(`The gallery image version name '${number}' is invalid: it must be Major.Minor.Patch, each a 32-bit integer.`, 'galleryImageVersionName');
  const i = input(req, name);
  const location = normalizeLocation(i.location);
  requireParent(cloud, req.params.rg, GALLERY_IMAGE_TYPE, `${req.params.gallery}/${req.params.image}`, location);
  checkVhdSource(cloud, i.properties, location);
  const regions = dig(i.properties, 'publishingProfile', 'targetRegions');
  if (regions !== undefined) {
    if (!Array.isArray(regions)) throw armErrors.invalidParameter(`'publishingProfile.targetRegions' must be an array.`, 'publishingProfile.targetRegions');
    const names = regions.map((r) => normalizeLocation(String(dig(r, 'name') ?? '')));
    if (!names.includes(location))
      throw armErrors.invalidParameter(`The target regions must include the source region '${location}' of the gallery image version.`, 'publishingProfile.targetRegions');
    for (const r of regions) checkStorageType(dig(r, 'storageAccountType'), 'publishingProfile.targetRegions.storageAccountType');
  }
  checkStorageType(dig(i.properties, 'publishingProfile', 'storageAccountType'), 'publishingProfile.storageAccountType');
  const existing = cloud.inventory.find(req.params.rg, GALLERY_IMAGE_VERSION_TYPE, name);
  if (existing && JSON.stringify(dig(existing.properties, 'storageProfile')) !== JSON.stringify(dig(i.properties, 'storageProfile')))
    throw new ArmError(409, 'PropertyChangeNotAllowed', `Changing property 'storageProfile' is not allowed.`);
  return resource(cloud, req, GALLERY_IMAGE_VERSION_TYPE, name, i);
}

function checkStorageType(v: unknown, target: string): void {
  if (v !== undefined && !STORAGE_ACCOUNT_TYPES.includes(String(v)))
    throw armErrors.invalidParameter(`The value '${String(v)}' of parameter '${target}' is invalid; allowed: ${STORAGE_ACCOUNT_TYPES.join(', ')}.`, target);
}

/** The one source the fake takes: a VHD in a storage account of the version's region. */
function checkVhdSource(cloud: FakeCloud, p: Record<string, unknown>, location: string): void {
  const source = dig(p, 'storageProfile', 'osDiskImage', 'source');
  const uri = dig(source, 'uri');
  const accountId = dig(source, 'storageAccountId');
  if (typeof uri !== 'string' || !uri) throw armErrors.invalidParameter(`Required parameter 'storageProfile.osDiskImage.source.uri' is missing (null).`, 'storageProfile.osDiskImage.source.uri');
  if (typeof accountId !== 'string' || !accountId)
    throw armErrors.invalidParameter(`Required parameter 'storageProfile.osDiskImage.source.storageAccountId' is missing (null): a VHD source needs the id of its storage account.`, 'storageProfile.osDiskImage.source.storageAccountId');
  const account = cloud.inventory.get(accountId);
  if (!account?.storage || account.type.toLowerCase() !== STORAGE_TYPE.toLowerCase()) throw new ArmError(404, 'NotFound', `Storage account '${accountId}' was not found.`);
  if (account.location !== location)
    throw armErrors.invalidParameter(`The storage account '${account.name}' is in '${account.location}', not in the region '${location}' of the gallery image version.`, 'storageProfile.osDiskImage.source.storageAccountId');
  if (!uri.toLowerCase().startsWith(`${account.storage.blobEndpoint.replace(/\/$/, '')}/`.toLowerCase()))
    throw armErrors.invalidParameter(`The VHD '${uri}' is not in storage account '${account.name}'.`, 'storageProfile.osDiskImage.source.uri');
}
