/** The icon image check: a whole PNG or JPEG passes, every cut or damage is named. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { deflateSync } from 'node:zlib';
import { jpegProblem, pngProblem } from '../../src/icons/iconImage';
import { crc32 } from '../../src/store/crc32';
import { FIXTURES, tinyPng } from '../support/e2e';

const jpg = readFileSync(path.join(FIXTURES, 'icons', 'python.jpg'));

describe('PNG', () => {
  test('a whole PNG passes', async () => expect(await pngProblem(tinyPng())).toBeNull());
  test('cut anywhere before the end of IEND', async () => {
    const png = tinyPng();
    for (let n = 8; n < png.length; n++) expect(await pngProblem(png.subarray(0, n))).toMatch(/cut short|IHDR/);
  });
  test('a flipped bit in any chunk breaks its CRC', async () => {
    const png = tinyPng();
    for (let i = 8; i < png.length; i++) {
      const bad = Buffer.from(png);
      bad[i] ^= 0x01;
      expect(await pngProblem(bad)).not.toBeNull();
    }
  });
  test('pixel data of the wrong size for IHDR', async () => {
    const png = tinyPng();
    // Rebuild the IDAT with one byte short of the 1×1 truecolour row (filter byte + 3 samples).
    const idatAt = 33;
    const data = deflateSync(Buffer.from([0, 0xff, 0x80]));
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from('IDAT', 'latin1'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(td) >>> 0);
    const oldLen = png.readUInt32BE(idatAt);
    const bad = Buffer.concat([png.subarray(0, idatAt), len, td, crc, png.subarray(idatAt + 12 + oldLen)]);
    expect(await pngProblem(bad)).toMatch(/image data for 3 bytes where 1×1 needs 4/);
  });
});

describe('JPEG', () => {
  test('a whole JPEG passes', () => expect(jpegProblem(jpg)).toBeNull());
  test('cut anywhere before EOI', () => {
    for (let n = 2; n < jpg.length; n++) expect(jpegProblem(jpg.subarray(0, n))).not.toBeNull();
  });
  test('SOI and APP0 alone are no image', () => expect(jpegProblem(Buffer.from([0xff, 0xd8, 0xff, 0xe0]))).toMatch(/cut short/));
});
