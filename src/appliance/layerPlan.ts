/**
 * `layer create --appliance NAME` from flags or a spec: the draft checked with the local mode's
 * rules, its names resolved against the appliance's objects (OS layers and versions, connector
 * configurations and their disk formats, platform types, icons, the file share), into the
 * CreatePlatformLayer command. Nothing is sent before every value is known good; a bad one is a
 * UsageError (exit 2) naming the fix.
 */
import { UsageError } from '../domain/errors';
import { listSome } from '../domain/listSome';
import { Problems } from '../domain/problems';
import { defaultDiskName, diskNameFormatProblem, diskNameRule, isDiskFormat, MAX_LAYER_SIZE_GIB, maxSizeRule, versionNameRule, type Rule } from '../domain/rules';
import { shellQuote } from '../domain/shellQuote';
import { CONNECTOR_TYPES, type ConnectorType, type DiskFormat } from '../domain/vocabulary';
import { DRAFT_FLAGS, type LayerDraft } from '../wizard/draft';
import { missingError } from '../wizard/plan';
import { formatMismatch } from '../wizard/diskFormats';
import { defaultPurpose, idRule, naturalHypervisor, purposeRule } from '../wizard/platformRules';
import { queryConnectorConfigs, queryFileShares, queryIconIds, queryLayerDetails, queryOsLayers, type PlatformLayerCommand } from './operations';
import type { PlatformKind, PlatformTypeNames } from '../wizard/choices';
import { elmFormatsOf, queryConnectorFormats, queryPlatformTypes, WSDL_DISK_FORMATS, type ConnectorFormats } from './platformChoices';
import type { ApplianceSession } from './session';

/** The format a hypervisor boots its packaging machine from, when none is given (as the local mode's diskFormats.ts). */
const HYPERVISOR_DEFAULT_FORMAT: Record<string, DiskFormat> = { vsphere: 'vmdk', hyperv: 'vhdx', acropolis: 'qcow2' };

/** ctxal-sdk New-ALPlatformLayer.ps1's default -iconid: the appliance's stock layer icon. */
const STOCK_ICON_ID = '196608';

/**
 * Layer names on the appliance: the appliance judges them, elm makes no path of them in this
 * mode, so only what no console name holds is refused (control characters, edge spaces, length).
 */
const applianceLayerNameRule: Rule = (value) => {
  if (value.trim() === '') return 'Layer Name is required';
  if (value !== value.trim()) return 'Layer Name must not start or end with spaces';
  if (value.length > 64) return `Layer Name must be at most 64 characters (got ${value.length})`;
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (/[\u0000-\u001f\u007f]/.test(value)) return 'Layer Name must not contain control characters';
  return true;
};

export interface AppliancePlan {
  command: PlatformLayerCommand;
  /** For messages and --json: elm's names of what was picked. */
  osLayer: { name: string; version: string };
  connector: string;
  diskName: string;
  diskFormat: DiskFormat;
}

function check(rule: Rule, value: string, flag: string): void {
  const ok = rule(value);
  if (ok !== true) throw new UsageError(`${flag}: ${ok}.`);
}

/** What must be given before anything is asked of the appliance (the hypervisor is checked once the connector is known). */
export function missingApplianceFields(draft: LayerDraft): (keyof LayerDraft)[] {
  const missing: (keyof LayerDraft)[] = (['name', 'version', 'osLayer', 'connector'] as const).filter((k) => draft[k] === undefined || draft[k] === '');
  if ((draft.purpose ?? defaultPurpose(draft)) === 'publishing') {
    if (draft.provisioning === undefined) missing.push('provisioning');
    if (draft.broker === undefined) missing.push('broker');
  }
  return missing;
}

/**
 * elm_client.go's CreatePlatformLayerCommand has no recipe field: the appliance's Platform Types
 * carry where layered images go. Refused before anything is asked or sent.
 */
export function refuseRecipes(draft: LayerDraft): void {
  if (draft.recipes?.length)
    throw new UsageError(
      `${DRAFT_FLAGS.recipes}: the appliance takes no recipe when a platform layer is created; name where layered images go as its platform types instead (--purpose publishing --provisioning ID --broker ID; elm layer create --help).`,
    );
}

/** Checks the draft's values that need no appliance, then resolves its names on the appliance. */
export async function resolveAppliancePlan(s: ApplianceSession, appliance: string, draft: LayerDraft, command = 'elm layer create'): Promise<AppliancePlan> {
  refuseRecipes(draft);
  const missing = missingApplianceFields(draft);
  if (missing.length) throw missingError(missing, command);
  const name = String(draft.name);
  const version = String(draft.version);
  const maxText = draft.maxSize === undefined ? String(MAX_LAYER_SIZE_GIB.default) : String(draft.maxSize);
  const diskName = draft.diskName ?? defaultDiskName(name);
  const purpose = draft.purpose ?? defaultPurpose(draft);
  // Every bad value named at once, as the local mode names them (a script is fixed in one go).
  const problems = new Problems();
  problems.check(applianceLayerNameRule, name, '--name');
  problems.check(versionNameRule, version, '--version');
  problems.check(maxSizeRule, maxText, '--max-size');
  if (draft.diskName !== undefined || applianceLayerNameRule(name) === true) problems.check(diskNameRule, diskName, '--disk-name');
  problems.check(purposeRule, purpose, '--purpose');
  problems.throwIfAny();

  const [shares, connectors, osLayers, icons, types, formats] = await Promise.all([
    queryFileShares(s),
    queryConnectorConfigs(s),
    queryOsLayers(s),
    queryIconIds(s),
    queryPlatformTypes(s),
    queryConnectorFormats(s),
  ]);
  const connector = connectors.find((c) => c.name === draft.connector);
  if (!connector)
    throw new UsageError(`--connector: the appliance "${appliance}" has no connector configuration named "${draft.connector}"${connectors.length ? ` (${listSome(connectors.map((c) => c.name))})` : ''}; see elm connector list --appliance ${shellQuote(appliance)}.`);
  const platform = resolvePlatform(draft, purpose, connector.type, command, platformRule(types, appliance));
  const diskFormat = resolveFormat(draft, platform.hypervisor, { name: connector.name, ...formats.get(connector.id) });
  check((v) => diskNameFormatProblem(v, diskFormat) ?? true, diskName, '--disk-name');
  const os = await resolveOsRevision(s, appliance, String(draft.osLayer), osLayers);
  const share = shares[0]; // the plugin's GetDefaultFileShareId: the first share the appliance lists
  if (!share) throw new UsageError(`The appliance "${appliance}" has no file share for the packaging disk; add one in its management console (System > Storage and File Shares).`);
  return {
    command: {
      osLayerRevisionId: os.revisionId,
      name,
      description: draft.description ?? '',
      iconId: resolveIcon(draft.icon, icons, appliance),
      versionName: version,
      versionDescription: draft.versionDescription ?? '',
      sizeMiB: Number(maxText) * 1024,
      fileShareId: share.id,
      diskFileName: diskName,
      diskFormat: WSDL_DISK_FORMATS[diskFormat],
      comment: draft.comment ?? '',
      connectorConfigId: connector.id,
      ...platform,
    },
    osLayer: { name: os.name, version: os.version },
    connector: connector.name,
    diskName,
    diskFormat,
  };
}

type PlatformRule = (kind: PlatformKind, value: string) => true | string;

/** A platform type id is one the appliance lists for that kind; elm's own list when it lists none. */
export function platformRule(types: PlatformTypeNames, appliance: string): PlatformRule {
  return (kind, value) => {
    const ids = Object.keys(types[kind]);
    if (ids.length === 0) return idRule(kind, value);
    return ids.includes(value) ? true : `${kind} "${value}" is not a platform type of the appliance "${appliance}"; it lists ${ids.join(', ')}`;
  };
}

function resolvePlatform(draft: LayerDraft, purpose: string, connectorType: string, command: string, rule: PlatformRule): Pick<PlatformLayerCommand, 'hypervisor' | 'provisioning' | 'broker'> {
  const lower = connectorType.toLowerCase();
  const natural = (CONNECTOR_TYPES as readonly string[]).includes(lower) ? naturalHypervisor(lower as ConnectorType) : undefined;
  const hypervisor = draft.hypervisor ?? natural;
  if (hypervisor === undefined) throw missingError(['hypervisor'], command);
  check((v) => rule('hypervisor', v), hypervisor, '--hypervisor');
  const provisioning = draft.provisioning === 'none' ? undefined : draft.provisioning;
  const broker = draft.broker === 'none' ? undefined : draft.broker;
  if (purpose === 'packaging' && (provisioning || broker))
    throw new UsageError(`${provisioning ? '--provisioning' : '--broker'} applies to publishing platform layers only; a packaging platform layer names only its --hypervisor (or pass --purpose publishing).`);
  if (provisioning !== undefined) check((v) => rule('provisioning', v), provisioning, '--provisioning');
  if (broker !== undefined) check((v) => rule('broker', v), broker, '--broker');
  return { hypervisor, provisioning, broker };
}

/**
 * The packaging disk's format: one the connector configuration lists (its selected one by default,
 * else the hypervisor's own), or elm's rules when it lists none; and one the hypervisor boots.
 */
function resolveFormat(draft: LayerDraft, hypervisor: string | undefined, connector: { name: string } & Partial<ConnectorFormats>): DiskFormat {
  const listed = elmFormatsOf(connector);
  const natural = hypervisor ? HYPERVISOR_DEFAULT_FORMAT[hypervisor] : undefined;
  const selected = elmFormatsOf({ valid: connector.selected ? [connector.selected] : [] })[0];
  const fits = (f: DiskFormat | undefined): f is DiskFormat => f !== undefined && listed.includes(f) && !formatMismatch(f, hypervisor);
  const fallback = listed.length ? ([selected, natural].find(fits) ?? listed.find(fits) ?? listed[0]) : (natural ?? 'vhd');
  const format = draft.diskFormat ?? fallback;
  if (!isDiskFormat(format)) throw new UsageError(`--disk-format "${format}" is not a disk format; use one of ${(listed.length ? listed : Object.keys(WSDL_DISK_FORMATS)).join(', ')}.`);
  if (listed.length && !listed.includes(format))
    throw new UsageError(`--disk-format ${format} is not accepted by the appliance's connector configuration "${connector.name}"; it accepts ${listed.join(', ')}.`);
  const mismatch = formatMismatch(format, hypervisor);
  if (mismatch) throw new UsageError(`--disk-format ${format}: ${mismatch}.`);
  return format;
}

/**
 * `name` or `name@version` among the appliance's OS layers; without a version, the newest
 * Deployable one (ctxal-sdk New-ALPlatformLayer.ps1's example picks it so), else the newest.
 */
async function resolveOsRevision(s: ApplianceSession, appliance: string, ref: string, osLayers: { id: string; name: string }[]) {
  const at = ref.lastIndexOf('@');
  const name = at > 0 ? ref.slice(0, at) : ref;
  const wanted = at > 0 ? ref.slice(at + 1) : undefined;
  const os = osLayers.find((l) => l.name === name);
  if (!os)
    throw new UsageError(`--os-layer: the appliance "${appliance}" has no OS layer named "${name}"${osLayers.length ? ` (${listSome(osLayers.map((l) => l.name))})` : ''}; see elm os-layer list --appliance ${shellQuote(appliance)}.`);
  const { revisions } = await queryLayerDetails(s, 'Os', os.id);
  const revision = wanted !== undefined ? revisions.find((r) => r.name === wanted) : ([...revisions].reverse().find((r) => r.state === 'Deployable') ?? revisions[revisions.length - 1]);
  if (!revision)
    throw new UsageError(
      wanted !== undefined
        ? `--os-layer: OS layer "${name}" on the appliance has no version "${wanted}"${revisions.length ? ` (versions: ${listSome(revisions.map((r) => r.name))})` : ''}.`
        : `--os-layer: OS layer "${name}" on the appliance has no version yet; add one in its management console.`,
    );
  return { name, version: revision.name, revisionId: revision.id };
}

function resolveIcon(ref: string | undefined, icons: string[], appliance: string): string | undefined {
  if (ref !== undefined && ref !== 'default') {
    if (icons.includes(ref)) return ref;
    throw new UsageError(`--icon ${ref}: the appliance "${appliance}" has no icon with that id${icons.length ? ` (icons: ${listSome(icons)})` : ''}; see elm icon list --appliance ${shellQuote(appliance)}.`);
  }
  return icons.includes(STOCK_ICON_ID) ? STOCK_ICON_ID : icons[0];
}
