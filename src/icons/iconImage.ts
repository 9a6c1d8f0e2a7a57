/**
 * Whether an icon's bytes are a whole image, not just a signature: a PNG is read chunk by chunk
 * through IEND with every CRC checked, at least one IDAT and pixel data that inflates to the size
 * IHDR promises (PNG specification, W3C, sections 5 and 11); a JPEG segment by segment through EOI,
 * with a frame header (SOF) before a scan (SOS) (ITU-T T.81, annex B). Returns why not, or null.
 */
import { crc32 } from '../store/crc32';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** Samples per pixel of each PNG colour type. */
const PNG_CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
/** An icon's pixels inflate to at most this: more is not an icon (and bounds the inflation). */
const MAX_PIXEL_BYTES = 64 * 1024 * 1024;

export async function pngProblem(b: Buffer): Promise<string | null> {
  if (!b.subarray(0, 8).equals(PNG_SIGNATURE)) return 'has no PNG signature';
  let at = 8;
  let ihdr: Buffer | undefined;
  const idat: Buffer[] = [];
  for (;;) {
    if (at + 12 > b.length) return 'ends before its IEND chunk (cut short)';
    const length = b.readUInt32BE(at);
    const type = b.toString('latin1', at + 4, at + 8);
    if (at + 12 + length > b.length) return `ends inside its ${type} chunk (cut short)`;
    const data = b.subarray(at + 8, at + 8 + length);
    if (crc32(b.subarray(at + 4, at + 8 + length)) >>> 0 !== b.readUInt32BE(at + 8 + length)) return `has a damaged ${type} chunk (its CRC does not match)`;
    if (at === 8 && type !== 'IHDR') return 'does not start with an IHDR chunk';
    if (type === 'IHDR') ihdr = data;
    if (type === 'IDAT') idat.push(data);
    at += 12 + length;
    if (type === 'IEND') break;
  }
  if (!ihdr || ihdr.length !== 13) return 'has no valid IHDR chunk';
  if (idat.length === 0) return 'has no image data (IDAT chunk)';
  return pixelsProblem(ihdr, Buffer.concat(idat));
}

/** The inflated pixel data must be the size the header gives (non-interlaced) or inflate at all (interlaced). */
async function pixelsProblem(ihdr: Buffer, compressed: Buffer): Promise<string | null> {
  const width = ihdr.readUInt32BE(0);
  const height = ihdr.readUInt32BE(4);
  const channels = PNG_CHANNELS[ihdr[9]];
  if (width === 0 || height === 0 || channels === undefined) return 'has an invalid IHDR (size or colour type)';
  const rowBytes = 1 + Math.ceil((width * channels * ihdr[8]) / 8);
  const expected = rowBytes * height;
  const interlaced = ihdr[12] === 1;
  if (expected > MAX_PIXEL_BYTES) return `is ${width}×${height} pixels, far larger than an icon`;
  const { inflateSync } = await import('node:zlib');
  let raw: Buffer;
  try {
    // Adam7 adds a filter byte per row of each pass: under twice the plain size.
    raw = inflateSync(compressed, { maxOutputLength: interlaced ? 2 * expected + 64 : expected + 1 });
  } catch {
    return 'has image data that does not decompress';
  }
  if (!interlaced && raw.length !== expected) return `has image data for ${raw.length} bytes where ${width}×${height} needs ${expected}`;
  return null;
}

/** A segment marker that has no length field: TEM and the restart markers. */
const standalone = (m: number) => m === 0x01 || (m >= 0xd0 && m <= 0xd7);
/** Start of frame: C0-CF except DHT (C4), JPG (C8) and DAC (CC). */
const isSof = (m: number) => m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc;

export function jpegProblem(b: Buffer): string | null {
  if (b.length < 4 || b[0] !== 0xff || b[1] !== 0xd8) return 'has no JPEG start (SOI)';
  let at = 2;
  let frame = false;
  let scan = false;
  while (at < b.length) {
    if (b[at] !== 0xff) return `has bytes where a marker should be (offset ${at})`;
    while (b[at] === 0xff) at++; // fill bytes
    const marker = b[at++];
    if (marker === undefined) break;
    if (marker === 0xd9) return frame && scan ? null : 'ends (EOI) without a frame and a scan (SOF, SOS): no image in it';
    if (standalone(marker)) continue;
    if (at + 2 > b.length) break;
    const length = b.readUInt16BE(at);
    if (length < 2 || at + length > b.length) return 'ends inside a segment (cut short)';
    if (isSof(marker)) frame = true;
    at += length;
    if (marker === 0xda) {
      if (!frame) return 'has a scan (SOS) before any frame header (SOF)';
      scan = true;
      at = afterEntropyData(b, at);
    }
  }
  return 'ends before its EOI marker (cut short)';
}

/** The offset of the next marker after a scan's entropy-coded data (FF00 is a stuffed byte, FFD0-D7 restarts). */
function afterEntropyData(b: Buffer, at: number): number {
  for (let i = at; i + 1 < b.length; i++) {
    if (b[i] !== 0xff) continue;
    const next = b[i + 1];
    if (next !== 0x00 && next !== 0xff && !(next >= 0xd0 && next <= 0xd7)) return i;
  }
  return b.length;
}
