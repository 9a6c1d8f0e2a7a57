/**
 * Validation rules shared by flags, spec files and the wizard: each returns true or the reason
 * an answer is refused, phrased so it can follow "Layer Name ..." in a one-line error.
 */
import { DISK_FORMATS, type DiskFormat } from './vocabulary';

export type Rule = (value: string) => true | string;

// eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
const FORBIDDEN_NAME_CHARS = /[\\/:*?"<>|\u0000-\u001f\u007f]/;

/** Names shown in the console (layers, versions, connectors, OS layers). */
export function nameRule(what: string, max = 64): Rule {
  return (value) => {
    if (value.trim() === '') return `${what} is required`;
    if (value !== value.trim()) return `${what} must not start or end with spaces`;
    if (value.length > max) return `${what} must be at most ${max} characters (got ${value.length})`;
    // Names become path segments (the layer repository, share files): "." and ".." would leave their folder.
    if (value === '.' || value === '..') return `${what} must not be "${value}" (it names a folder, not a ${what.toLowerCase()})`;
    const bad = FORBIDDEN_NAME_CHARS.exec(value);
    if (bad) return `${what} must not contain ${JSON.stringify(bad[0])} (not allowed: \\ / : * ? " < > | and control characters)`;
    return true;
  };
}

export const layerNameRule = nameRule('Layer Name');
export const versionNameRule = nameRule('Version', 32);
export const connectorNameRule = nameRule('Connector name');
export const osLayerNameRule = nameRule('OS layer name');

/** The Packaging Disk file name: it becomes a file on a share and a blob name, so keep it portable. */
export const diskNameRule: Rule = (value) => {
  if (value.trim() === '') return 'Packaging Disk file name is required';
  if (value.length > 80) return `Packaging Disk file name must be at most 80 characters (got ${value.length})`;
  // Letters of any script (Müller, 東京): file systems and blob names take them; NFC so one name is one spelling.
  if (value !== value.normalize('NFC') || !/^[\p{L}\p{N}][\p{L}\p{M}\p{N}._-]*$/u.test(value))
    return 'Packaging Disk file name may use only letters, digits, ".", "_" and "-", starting with a letter or digit';
  return true;
};

export const MAX_LAYER_SIZE_GIB = { min: 1, max: 2048, default: 10 } as const;

export const maxSizeRule: Rule = (value) => {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) return `Max Layer Size must be a number of GiB (got "${value}")`;
  if (!Number.isInteger(n)) return `Max Layer Size must be a whole number of GiB (got ${value})`;
  if (n < MAX_LAYER_SIZE_GIB.min || n > MAX_LAYER_SIZE_GIB.max)
    return `Max Layer Size must be between ${MAX_LAYER_SIZE_GIB.min} and ${MAX_LAYER_SIZE_GIB.max} GiB (got ${n})`;
  return true;
};

export function isDiskFormat(v: string): v is DiskFormat {
  return (DISK_FORMATS as readonly string[]).includes(v);
}

/** The file name of a packaging disk: the chosen name with the format's extension. */
/**
 * Why a disk name ending in another format's extension is refused ("x.vhd" as a vmdk would
 * become x.vhd.vmdk, a file that names the wrong format), or null when it fits.
 */
export function diskNameFormatProblem(diskName: string, format: DiskFormat): string | null {
  const other = DISK_FORMATS.find((f) => f !== format && diskName.toLowerCase().endsWith(`.${f}`));
  if (!other) return null;
  const stem = diskName.slice(0, -(other.length + 1));
  return `${diskName} ends in .${other} but the disk is ${format} (it would become ${stem}.${other}.${format}); name it ${stem} or ${stem}.${format}, or choose the ${other} format`;
}

export function diskFileName(diskName: string, format: DiskFormat): string {
  const ext = `.${format}`;
  return diskName.toLowerCase().endsWith(ext) ? diskName : `${diskName}${ext}`;
}

/** Turns a layer name into a default Packaging Disk file name that passes diskNameRule. */
export function defaultDiskName(layerName: string): string {
  const cleaned = layerName
    .normalize('NFC')
    .replace(/[^\p{L}\p{M}\p{N}._-]+/gu, '-')
    .replace(/^[^\p{L}\p{N}]+/u, '')
    .replace(/-+$/, '')
    .slice(0, 80)
    .replace(/[\uD800-\uDBFF]$/, ''); // never half a character
  return cleaned || 'packaging-disk';
}

/**
 * A name as one path segment, injective by construction: percent-encoded (a "/" can never
 * split it) and leading dots encoded too, so no name (".", "..") leaves its parent folder and
 * two names never share one.
 */
export function pathSegment(name: string): string {
  return encodeURIComponent(name).replace(/^\.+/, (dots) => '%2E'.repeat(dots.length));
}
