/** Built-in icons, as the console offers a gallery before any import. */
export const BUILTIN_ICONS = [
  { id: 'default', name: 'Layer (default)' },
  { id: 'platform', name: 'Platform' },
  { id: 'windows', name: 'Windows' },
  { id: 'citrix', name: 'Citrix' },
  { id: 'azure', name: 'Azure' },
  { id: 'vmware', name: 'VMware' },
  { id: 'tools', name: 'Tools' },
] as const;

export type ImageFormat = 'png' | 'jpg';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/**
 * Recognises PNG and JPEG by content, never by extension: a PNG must start with its signature
 * and an IHDR chunk; a JPEG with SOI followed by a marker segment.
 */
export function detectImageFormat(head: Buffer): { format: ImageFormat; width?: number; height?: number } | null {
  if (head.length >= 24 && head.subarray(0, 8).equals(PNG_SIGNATURE) && head.toString('ascii', 12, 16) === 'IHDR') {
    return { format: 'png', width: head.readUInt32BE(16), height: head.readUInt32BE(20) };
  }
  if (head.length >= 4 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff && head[3] >= 0xc0) {
    return { format: 'jpg' };
  }
  return null;
}
