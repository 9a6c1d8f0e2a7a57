import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildFixedVhdFooter, chsGeometry, parseVhdFooter, roundUpToMiB, vhdChecksum } from '../../src/disk/vhd';
import { GiB, MiB, makeTempDir, qemuImg, withQemu } from './helpers';

describe('chsGeometry (VHD spec appendix, integer division)', () => {
  // Worked by hand from the spec's algorithm.
  test.each([
    ['1 MiB: 17 sectors, heads raised to the minimum 4', MiB, { cylinders: 30, heads: 4, sectorsPerTrack: 17 }],
    ['100 MiB: 17 sectors, 12 heads', 100 * MiB, { cylinders: 1003, heads: 12, sectorsPerTrack: 17 }],
    ['200 MiB: more than 16 heads needed, so 31 sectors', 200 * MiB, { cylinders: 825, heads: 16, sectorsPerTrack: 31 }],
    ['10 GiB: 63 sectors', 10 * GiB, { cylinders: 20805, heads: 16, sectorsPerTrack: 63 }],
    ['127 GiB: 255 sectors, just under the cap', 127 * GiB, { cylinders: 65278, heads: 16, sectorsPerTrack: 255 }],
    ['200 GiB: capped at 65535/16/255', 200 * GiB, { cylinders: 65535, heads: 16, sectorsPerTrack: 255 }],
    ['2040 GiB: capped', 2040 * GiB, { cylinders: 65535, heads: 16, sectorsPerTrack: 255 }],
  ])('%s', (_label, size, expected) => {
    expect(chsGeometry(size)).toEqual(expected);
  });

  test('the cap starts exactly at 65535*16*255 sectors', () => {
    const cap = 65535 * 16 * 255 * 512;
    expect(chsGeometry(cap)).toEqual({ cylinders: 65535, heads: 16, sectorsPerTrack: 255 });
    expect(chsGeometry(cap - 255 * 16 * 512)).toEqual({ cylinders: 65534, heads: 16, sectorsPerTrack: 255 });
  });

  withQemu('agrees with the geometry qemu-img writes into the VHDs it creates', () => {
    const { dir, cleanup } = makeTempDir();
    try {
      for (const size of ['3M', '100M', '300M', '1G', '33G']) {
        const path = join(dir, `${size}.vhd`);
        qemuImg('create', '-q', '-f', 'vpc', '-o', 'subformat=dynamic', path, size);
        const footer = parseVhdFooter(readFileSync(path).subarray(0, 512));
        expect(footer).not.toBeNull();
        expect(chsGeometry(footer!.currentSize)).toEqual(footer!.geometry);
      }
    } finally {
      cleanup();
    }
  });
});

describe('buildFixedVhdFooter', () => {
  const uniqueId = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
  const timestamp = new Date('2024-01-01T00:00:00Z');
  const footer = buildFixedVhdFooter({ sizeBytes: 10 * GiB, uniqueId, timestamp });

  test('lays out the fields of a fixed disk at the spec offsets, big-endian', () => {
    expect(footer.length).toBe(512);
    expect(footer.toString('latin1', 0, 8)).toBe('conectix');
    expect(footer.readUInt32BE(8)).toBe(2); // features: reserved bit always set
    expect(footer.readUInt32BE(12)).toBe(0x00010000);
    expect(footer.subarray(16, 24).toString('hex')).toBe('ffffffffffffffff'); // no dynamic header
    expect(footer.readUInt32BE(24)).toBe(757382400); // 2024-01-01 in seconds since 2000-01-01 UTC
    expect(footer.toString('latin1', 28, 32)).toBe('win ');
    expect(footer.readUInt32BE(32)).toBe(0x000a0000);
    expect(footer.toString('latin1', 36, 40)).toBe('Wi2k');
    expect(footer.readBigUInt64BE(40)).toBe(BigInt(10 * GiB)); // original size
    expect(footer.readBigUInt64BE(48)).toBe(BigInt(10 * GiB)); // current size
    expect(footer.subarray(56, 60).toString('hex')).toBe('5145103f'); // 20805 cylinders, 16 heads, 63 sectors
    expect(footer.readUInt32BE(60)).toBe(2); // fixed
    expect(footer.subarray(68, 84)).toEqual(uniqueId);
    expect(footer.subarray(84).every((b) => b === 0)).toBe(true); // saved state + reserved
  });

  test("checksum is the one's complement of the byte sum with the checksum field zeroed", () => {
    const copy = Buffer.from(footer);
    copy.writeUInt32BE(0, 64);
    const sum = copy.reduce((s, b) => s + b, 0);
    expect(footer.readUInt32BE(64)).toBe(~sum >>> 0);
    expect(vhdChecksum(footer)).toBe(footer.readUInt32BE(64));
    // The whole footer is deterministic once id and time are fixed.
    expect(buildFixedVhdFooter({ sizeBytes: 10 * GiB, uniqueId, timestamp })).toEqual(footer);
  });

  test('a fresh unique id for every disk', () => {
    const a = buildFixedVhdFooter({ sizeBytes: MiB });
    const b = buildFixedVhdFooter({ sizeBytes: MiB });
    expect(a.subarray(68, 84)).not.toEqual(b.subarray(68, 84));
  });

  test('refuses a size that is not whole sectors', () => {
    expect(() => buildFixedVhdFooter({ sizeBytes: MiB + 1 })).toThrow(/512-byte sectors/);
  });
});

describe('parseVhdFooter', () => {
  test('reads back what was built', () => {
    const timestamp = new Date('2030-06-15T12:34:56Z');
    const parsed = parseVhdFooter(buildFixedVhdFooter({ sizeBytes: 127 * GiB, timestamp }));
    expect(parsed).toMatchObject({
      creatorApp: 'win ',
      creatorHostOs: 'Wi2k',
      currentSize: 127 * GiB,
      originalSize: 127 * GiB,
      diskType: 2,
      geometry: { cylinders: 65278, heads: 16, sectorsPerTrack: 255 },
      timestamp,
    });
  });

  test('rejects a wrong checksum or a missing cookie', () => {
    const footer = buildFixedVhdFooter({ sizeBytes: MiB });
    const corrupt = Buffer.from(footer);
    corrupt[100] ^= 1;
    expect(parseVhdFooter(corrupt)).toBeNull();
    expect(parseVhdFooter(Buffer.alloc(512))).toBeNull();
    expect(parseVhdFooter(footer.subarray(0, 100))).toBeNull();
  });
});

test('roundUpToMiB: Azure wants a whole number of MiB', () => {
  expect(roundUpToMiB(0)).toBe(0);
  expect(roundUpToMiB(1)).toBe(MiB);
  expect(roundUpToMiB(MiB)).toBe(MiB);
  expect(roundUpToMiB(127 * GiB + 512)).toBe(127 * GiB + MiB);
});
