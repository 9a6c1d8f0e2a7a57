/**
 * CRC-32 (IEEE 802.3, the one zlib, gzip and PNG use) of a buffer. Loading node:zlib, which brings
 * Node's stream modules with it, costs a read-only command more start-up time than this loop takes
 * over a state of a few hundred kilobytes; larger buffers go to zlib's native code.
 */
import type * as Zlib from 'node:zlib';

/** From here zlib's speed pays for its loading. */
const NATIVE_FROM_BYTES = 256 * 1024;

let table: Int32Array | undefined;

function makeTable(): Int32Array {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
}

export function crc32(bytes: Uint8Array): number {
  if (bytes.length >= NATIVE_FROM_BYTES) {
    const zlib = require('node:zlib') as typeof Zlib;
    if (typeof zlib.crc32 === 'function') return zlib.crc32(bytes); // Node 20.15 and later
  }
  const t = (table ??= makeTable());
  let c = -1;
  for (let i = 0; i < bytes.length; i++) c = t[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}
