import { defaultDiskName, diskFileName, diskNameRule, layerNameRule, maxSizeRule, versionNameRule } from '../../src/domain/rules';

describe('wizard and flag rules', () => {
  test('Layer Name: required, trimmed, no characters that break file names', () => {
    expect(layerNameRule('Citrix VDA 2402')).toBe(true);
    expect(layerNameRule('')).toBe('Layer Name is required');
    expect(layerNameRule(' padded')).toMatch(/must not start or end with spaces/);
    expect(layerNameRule('a/b')).toMatch(/must not contain "\/"/);
    expect(layerNameRule('x'.repeat(65))).toMatch(/at most 64 characters \(got 65\)/);
  });

  test('Version: at most 32 characters', () => {
    expect(versionNameRule('1.0')).toBe(true);
    expect(versionNameRule('v'.repeat(33))).toMatch(/at most 32/);
  });

  test('Max Layer Size: a whole number of GiB between 1 and 2048', () => {
    expect(maxSizeRule('10')).toBe(true);
    expect(maxSizeRule('0')).toMatch(/between 1 and 2048 GiB \(got 0\)/);
    expect(maxSizeRule('1.5')).toMatch(/whole number/);
    expect(maxSizeRule('big')).toMatch(/must be a number of GiB/);
  });

  test('Packaging Disk file name: portable characters; default derived from the layer name', () => {
    expect(diskNameRule('citrix-vda_1.0')).toBe(true);
    expect(diskNameRule('-lead')).toMatch(/starting with a letter or digit/);
    expect(diskNameRule('with space')).toMatch(/only letters, digits/);
    expect(defaultDiskName('Citrix VDA (PVS)')).toBe('Citrix-VDA-PVS');
    expect(diskNameRule(defaultDiskName('  ***  '))).toBe(true);
    expect(diskFileName('azplat', 'vhd')).toBe('azplat.vhd');
    expect(diskFileName('azplat.vhd', 'vhd')).toBe('azplat.vhd');
  });
});
