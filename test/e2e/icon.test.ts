/** elm icon list | import (PNG/JPG checked by content), through the real binary. */
import { promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import { expectOk, expectRefused, FIXTURES, json, MiB, readState, scratch, tinyPng, type Scratch } from '../support/e2e';

/** A real 543-byte JPEG (CPython's test image for imghdr): SOI, DQT, SOF0, DHT, SOS, scan data, EOI. */
const tinyJpg = readFileSync(path.join(FIXTURES, 'icons', 'python.jpg'));

let s: Scratch;
beforeAll(async () => {
  s = await scratch(MiB * 2);
  // Some state first, so "unchanged" compares real bytes.
  expectOk(await s.run(['connector', 'add', 'fileshare', '--name', 'share', '--path', s.share]));
});
afterAll(() => s.cleanup());

describe('icon happy path', () => {
  test('list shows the built-in icons', async () => {
    const list = json(await s.run(['icon', 'list', '--json']));
    expect(list.length).toBeGreaterThanOrEqual(3);
    expect(list.every((i: { builtIn: boolean }) => i.builtIn)).toBe(true);
    expect(list.map((i: { id: string }) => i.id)).toContain('default');
    for (const i of list) expect(typeof i.name).toBe('string');
  });

  test('import PNG and JPG; a PNG named .jpg is a PNG (content, not extension)', async () => {
    const png = path.join(s.dir, 'logo.png');
    await fs.writeFile(png, tinyPng());
    const imp = await s.run(['icon', 'import', png]);
    expectOk(imp);
    expect(imp.stderr).toMatch(/Imported icon "logo" as icon-\d+/);

    const jpg = path.join(s.dir, 'photo.jpg');
    await fs.writeFile(jpg, tinyJpg);
    const j = json(await s.run(['icon', 'import', jpg, '--name', 'Photo', '--json']));
    expect(j).toMatchObject({ name: 'Photo', format: 'jpg', builtIn: false });

    const disguised = path.join(s.dir, 'really-png.jpg');
    await fs.writeFile(disguised, tinyPng());
    const d = json(await s.run(['icon', 'import', disguised, '--json']));
    expect(d.format).toBe('png');
    // The imported copy is kept under the home, byte for byte.
    expect((await fs.readFile(d.file)).equals(tinyPng())).toBe(true);
    expect(d.file.startsWith(path.join(s.home, 'icons'))).toBe(true);

    const list = json(await s.run(['icon', 'list', '--json']));
    const imported = list.filter((i: { builtIn: boolean }) => !i.builtIn).map((i: { name: string }) => i.name);
    expect(imported).toEqual(['logo', 'Photo', 'really-png']);
    const state = await readState(s.home);
    expect(state.icons).toHaveLength(3);
  });
});

describe('icon bad input: exit 2, one line, state unchanged', () => {
  test('a .png file that is really text', async () => {
    const fake = path.join(s.dir, 'fake.png');
    await fs.writeFile(fake, 'hello, I am not an image\n');
    await expectRefused(s, ['icon', 'import', fake], /fake\.png is not a PNG or JPG image \(checked by its content/);
  });
  test('a GIF', async () => {
    const gif = path.join(s.dir, 'anim.gif');
    await fs.writeFile(gif, Buffer.concat([Buffer.from('GIF89a', 'latin1'), Buffer.alloc(32)]));
    await expectRefused(s, ['icon', 'import', gif], /not a PNG or JPG image/);
  });
  test('a file that does not exist', () => expectRefused(s, ['icon', 'import', path.join(s.dir, 'missing.png')], /missing\.png does not exist/));
  test('a file over 1 MiB', async () => {
    const big = path.join(s.dir, 'big.png');
    await fs.writeFile(big, Buffer.concat([tinyPng(), Buffer.alloc(MiB + 1)]));
    await expectRefused(s, ['icon', 'import', big], /icons must be at most 1 MiB/);
  });
  // A signature is not an image: each of these passed the old check and showed a broken icon.
  const png = tinyPng();
  const iend = png.length - 12;
  test.each([
    ['a PNG with only its signature and IHDR', png.subarray(0, 33), /not a whole PNG image: it ends before its IEND chunk \(cut short\)/],
    ['a PNG without IDAT', Buffer.concat([png.subarray(0, 33), png.subarray(iend)]), /it has no image data \(IDAT chunk\)/],
    ['a PNG with a damaged chunk', Buffer.from(png.map((b, i) => (i === 42 ? b ^ 0xff : b))), /it has a damaged IDAT chunk \(its CRC does not match\)/],
    ['a 4-byte JPEG', Buffer.from([0xff, 0xd8, 0xff, 0xe0]), /not a whole JPG image: it ends/],
    ['a JPEG cut before its end', tinyJpg.subarray(0, tinyJpg.length - 2), /not a whole JPG image: it ends before its EOI marker \(cut short\)/],
    ['a JPEG with no frame or scan', Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x04, 0x00, 0x00, 0xff, 0xd9]), /without a frame and a scan \(SOF, SOS\)/],
  ])('%s', async (_what, bytes, why) => {
    const file = path.join(s.dir, 'broken.img');
    await fs.writeFile(file, bytes);
    await expectRefused(s, ['icon', 'import', file, '--name', 'Broken'], why);
  });
  test('import without a file', () => expectRefused(s, ['icon', 'import'], /missing required argument 'file'/i));
});
