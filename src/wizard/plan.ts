import { existsSync } from 'node:fs';
import { UsageError } from '../domain/errors';
import { Problems } from '../domain/problems';
import { expandHome } from '../domain/home';
import { BUILTIN_ICONS } from '../domain/icons';
import { defaultDiskName, diskFileName, diskNameFormatProblem, diskNameRule, isDiskFormat, layerNameRule, MAX_LAYER_SIZE_GIB, maxSizeRule, versionNameRule } from '../domain/rules';
import type { ConnectorConfig, Layer, OsLayer, OsLayerVersion, State } from '../domain/state';
import { DISK_FORMATS, type BrokerId, type DiskFormat, type HypervisorId, type ProvisioningId, type Purpose } from '../domain/vocabulary';
import { resolveOsLayerRef } from '../domain/osLayerRef';
import { formatBytes } from '../domain/units';
import { defaultDiskFormat, formatMismatch, formatsOf } from './diskFormats';
import type { ListedChoices } from './choices';
import { DRAFT_FLAGS, type LayerDraft } from './draft';
import { defaultPurpose, idRule, naturalHypervisor, purposeRule } from './platformRules';
import { pvsPrerequisiteError } from './pvsPrerequisites';
import { shellQuote } from '../domain/shellQuote';

/** A layer (version) fully described and checked against the state: ready to record. */
export interface LayerPlan {
  name: string;
  version: string;
  description: string;
  versionDescription: string;
  maxSizeGiB: number;
  /** Set when the Max Layer Size was asked (flag, spec, wizard answer): the packaging disk grows to it. */
  growDiskToGiB?: number;
  os: { layer: OsLayer; version: OsLayerVersion };
  connector: ConnectorConfig;
  platform: { purpose: Purpose; hypervisor?: HypervisorId; provisioning?: ProvisioningId; broker?: BrokerId };
  recipes: string[];
  diskName: string;
  diskFormat: DiskFormat;
  /** An existing icon id, or a file to import when the layer is recorded. */
  icon: { id: string } | { file: string };
  comment: string;
}

export interface PlanContext {
  state: State;
  /** Set for `layer version add`: the layer the version joins. */
  existing?: Layer;
  /** What an appliance lists (--appliance), in place of elm's lists. */
  choices?: ListedChoices;
}

/**
 * The fields that must be known before a layer can be created (the rest have defaults). The
 * Platform Types tab's answers are among them: a layer records what it is for and on which
 * hypervisor (unless its connector packages on only one); a publishing one without recipe
 * associations its provisioning service and broker, `none` said explicitly. A new version
 * inherits them from the last one.
 */
export function missingFields(draft: LayerDraft, existing?: Layer, state?: State): (keyof LayerDraft)[] {
  const required: (keyof LayerDraft)[] = existing ? ['version'] : ['name', 'version', 'osLayer', 'connector'];
  const missing = required.filter((k) => draft[k] === undefined || draft[k] === '');
  if (existing || !state) return missing;
  const connector = state.connectors.find((c) => c.name === draft.connector);
  // A connector named but unknown is reported as such by resolvePlan, not as a missing hypervisor.
  const unknownConnector = draft.connector !== undefined && !connector;
  if (draft.hypervisor === undefined && !unknownConnector && !(connector && naturalHypervisor(connector.type))) missing.push('hypervisor');
  // Recipe associations stand for the provisioning and broker (the console's PVS flow).
  if ((draft.purpose ?? defaultPurpose(draft)) === 'publishing' && !(draft.recipes && draft.recipes.length > 0)) {
    if (draft.provisioning === undefined) missing.push('provisioning');
    if (draft.broker === undefined) missing.push('broker');
  }
  return missing;
}

export function missingError(fields: (keyof LayerDraft)[], command: string): UsageError {
  const flags = fields.map((f) => (f === 'provisioning' || f === 'broker' ? `${DRAFT_FLAGS[f]} (or none)` : DRAFT_FLAGS[f]));
  return new UsageError(`Missing ${flags.join(', ')}: ${command} needs ${fields.length > 1 ? 'them' : 'it'} when it cannot prompt (no terminal, CI set, --no-input or --json); pass the flag${fields.length > 1 ? 's' : ''} or a -f spec.yaml.`);
}

function check(rule: (v: string) => true | string, value: string, flag: string): void {
  const ok = rule(value);
  if (ok !== true) throw new UsageError(`${flag}: ${ok}.`);
}

/**
 * Checks every value and reference of a complete draft. Throws a UsageError naming the flag and
 * the fix; never touches the state.
 */
export function resolvePlan(draft: LayerDraft, ctx: PlanContext): LayerPlan {
  const { state, existing, choices } = ctx;
  const previous = existing?.versions[existing.versions.length - 1];
  const name = existing ? existing.name : String(draft.name);
  givenValueProblems(draft, existing, choices).throwIfAny();
  if (!existing) {
    check(layerNameRule, name, '--name');
    if (state.layers.some((l) => l.name === name))
      throw new UsageError(`A layer named "${name}" already exists; pick another --name, or add a version to it with elm layer version add ${shellQuote(name)} --version V.`);
  }
  const version = String(draft.version);
  check(versionNameRule, version, '--version');
  if (existing?.versions.some((v) => v.name === version))
    throw new UsageError(`Layer "${name}" already has a version "${version}"; pick another --version.`);

  const maxText = draft.maxSize === undefined ? String(previous?.maxSizeGiB ?? MAX_LAYER_SIZE_GIB.default) : String(draft.maxSize);
  check(maxSizeRule, maxText, '--max-size');

  const osRef = draft.osLayer ?? (previous ? previous.osLayer.name : undefined);
  if (!osRef) throw new UsageError('--os-layer is required.');
  const os = resolveOsLayerRef(state, osRef);

  if (draft.maxSize !== undefined) checkRoomForOsDisk(Number(maxText), os.version.disk.sizeBytes, osRef);

  const connectorName = draft.connector ?? previous?.connector;
  const connector = state.connectors.find((c) => c.name === connectorName);
  if (!connector) {
    const known = state.connectors.map((c) => c.name);
    throw new UsageError(
      `--connector: no connector named "${connectorName}"${known.length ? ` (connectors: ${known.join(', ')})` : ''}; add one with elm connector add fileshare --name ${shellQuote(String(connectorName))}.`,
    );
  }
  if (connector.type === 'pvs')
    throw new UsageError(`--connector "${connector.name}" is a PVS connector, where layered images are published; package the layer with a vsphere or fileshare connector and pass the PVS one as --recipe.`);

  const recipes = draft.recipes ?? previous?.recipes ?? [];
  for (const r of recipes) {
    if (!state.connectors.some((c) => c.name === r)) throw new UsageError(`--recipe: no connector named "${r}"; recipes name the connectors the layered image is published to (elm connector list).`);
  }
  const platform = resolvePlatform(draft, connector, recipes, previous?.platform, choices);

  // An appliance's OS layers (choices set) say nothing of IPv6: the appliance judges its own.
  const pvsError = choices ? null : pvsPrerequisiteError(state, recipes, os, platform.provisioning);
  if (pvsError) throw pvsError;

  const formats = formatsOf(connector, choices);
  const format = draft.diskFormat ?? defaultDiskFormat(connector, existing, platform.hypervisor, choices);
  if (!isDiskFormat(format)) throw new UsageError(`--disk-format "${format}" is not a disk format; use one of ${formats.join(', ')}.`);
  if (!formats.includes(format))
    throw new UsageError(`--disk-format ${format} is not accepted by the ${connector.type} connector "${connector.name}"; it accepts ${formats.join(', ')}.`);
  const mismatch = formatMismatch(format, platform.hypervisor);
  if (mismatch) throw new UsageError(`--disk-format ${format}: ${mismatch}.`);

  const diskName = draft.diskName ?? defaultDiskName(existing ? `${name}-${version}` : name);
  check(diskNameRule, diskName, '--disk-name');
  check((v) => diskNameFormatProblem(v, format) ?? true, diskName, '--disk-name');
  checkDiskNameFree(state, connector, diskName, format);

  return {
    name,
    version,
    description: draft.description ?? existing?.description ?? '',
    versionDescription: draft.versionDescription ?? '',
    maxSizeGiB: Number(maxText),
    // Only an asked size: the bare default (10 GiB) must not make every small test disk 10 GiB to hash.
    growDiskToGiB: draft.maxSize === undefined ? undefined : Number(maxText),
    os,
    connector,
    platform,
    recipes,
    diskName,
    diskFormat: format,
    icon: resolveIcon(state, draft.icon ?? existing?.icon ?? 'default'),
    comment: draft.comment ?? '',
  };
}

/**
 * The values given as flags (or in a spec), each checked on its own before any reference is
 * looked up, so that every bad one is named in one error, not only the first.
 */
function givenValueProblems(draft: LayerDraft, existing: Layer | undefined, choices: ListedChoices | undefined): Problems {
  const p = new Problems();
  if (!existing && draft.name !== undefined) p.check(layerNameRule, String(draft.name), '--name');
  if (draft.version !== undefined) p.check(versionNameRule, String(draft.version), '--version');
  if (draft.maxSize !== undefined) p.check(maxSizeRule, String(draft.maxSize), '--max-size');
  if (draft.purpose !== undefined) p.check(purposeRule, draft.purpose, '--purpose');
  if (draft.hypervisor !== undefined) p.check((v) => idRule('hypervisor', v, choices), draft.hypervisor, '--hypervisor');
  const provisioning = noneAsUnset(draft.provisioning);
  if (provisioning !== undefined) p.check((v) => idRule('provisioning', v, choices), provisioning, '--provisioning');
  const broker = noneAsUnset(draft.broker);
  if (broker !== undefined) p.check((v) => idRule('broker', v, choices), broker, '--broker');
  if (draft.diskFormat !== undefined && !isDiskFormat(draft.diskFormat)) p.add(`--disk-format "${draft.diskFormat}" is not a disk format; use one of ${DISK_FORMATS.join(', ')}`);
  if (draft.diskName !== undefined) p.check(diskNameRule, draft.diskName, '--disk-name');
  return p;
}

function resolvePlatform(draft: LayerDraft, connector: ConnectorConfig, recipes: string[], previous?: LayerPlan['platform'], choices?: ListedChoices): LayerPlan['platform'] {
  const purpose = draft.purpose ?? previous?.purpose ?? defaultPurpose({ ...draft, recipes });
  check(purposeRule, purpose, '--purpose');
  const hypervisor = draft.hypervisor ?? previous?.hypervisor ?? naturalHypervisor(connector.type);
  if (hypervisor !== undefined) check((v) => idRule('hypervisor', v, choices), hypervisor, '--hypervisor');
  const provisioning = noneAsUnset(draft.provisioning) ?? (purpose === 'publishing' && draft.provisioning === undefined ? previous?.provisioning : undefined);
  const broker = noneAsUnset(draft.broker) ?? (purpose === 'publishing' && draft.broker === undefined ? previous?.broker : undefined);
  if (purpose === 'packaging' && (provisioning || broker))
    throw new UsageError(
      `${provisioning ? '--provisioning' : '--broker'} applies to publishing platform layers only; a packaging platform layer names only its --hypervisor (or pass --purpose publishing).`,
    );
  if (provisioning !== undefined) check((v) => idRule('provisioning', v, choices), provisioning, '--provisioning');
  if (broker !== undefined) check((v) => idRule('broker', v, choices), broker, '--broker');
  return {
    purpose: purpose as Purpose,
    hypervisor: hypervisor as HypervisorId | undefined,
    provisioning: provisioning as ProvisioningId | undefined,
    broker: broker as BrokerId | undefined,
  };
}

/** `--provisioning none`, `--broker none`: said, and nothing recorded. */
function noneAsUnset(value: string | undefined): string | undefined {
  return value === 'none' ? undefined : value;
}

/** Two layer versions in progress must never write the same packaging disk. */
/**
 * The packaging disk grows to the Max Layer Size and never shrinks the OS disk, so an asked size
 * below the OS disk's is refused rather than silently ignored. Whole MiB only: a fixed VHD's
 * recorded size includes its 512-byte footer.
 */
function checkRoomForOsDisk(maxSizeGiB: number, osDiskBytes: number, osRef: string): void {
  const osDisk = Math.floor(osDiskBytes / 2 ** 20) * 2 ** 20;
  if (maxSizeGiB * 2 ** 30 >= osDisk) return;
  const need = Math.ceil(osDisk / 2 ** 30);
  throw new UsageError(
    `--max-size ${maxSizeGiB}: the OS layer disk of ${osRef} is ${formatBytes(osDiskBytes)} (${osDiskBytes} bytes) and the packaging disk cannot be smaller; pass --max-size ${need} or more.`,
  );
}

function checkDiskNameFree(state: State, connector: ConnectorConfig, diskName: string, format: DiskFormat): void {
  const file = diskFileName(diskName, format);
  for (const layer of state.layers) {
    for (const v of layer.versions) {
      if (v.state === 'Deployable' || v.connector !== connector.name) continue;
      if (diskFileName(v.packagingDisk.name, v.packagingDisk.format) === file)
        throw new UsageError(`--disk-name ${diskName}: layer "${layer.name}" version ${v.name} already uses the packaging disk ${file} on "${connector.name}"; pick another --disk-name.`);
    }
  }
  if (connector.type === 'fileshare') {
    const location = `${String(connector.settings.path)}/${file}`;
    if (existsSync(location)) throw new UsageError(`--disk-name ${diskName}: ${location} already exists on the share; pick another --disk-name or move that file away.`);
  }
}

function resolveIcon(state: State, ref: string): LayerPlan['icon'] {
  if (BUILTIN_ICONS.some((i) => i.id === ref)) return { id: ref };
  const imported = state.icons.find((i) => i.id === ref || i.name === ref);
  if (imported) return { id: imported.id };
  if (existsSync(expandHome(ref))) return { file: expandHome(ref) };
  throw new UsageError(`--icon "${ref}" is neither an icon id (elm icon list) nor a PNG/JPG file.`);
}
