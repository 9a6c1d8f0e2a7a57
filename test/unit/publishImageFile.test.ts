/**
 * The placement of a published image file: never over a file someone else made, and a run killed
 * at any point between the link and the removal of the partial name knows the file is its own.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { alreadyPlaced, identityOf, partialPath, placeFile, removeIfOurs } from '../../src/publish/imageFile';

let dir: string;
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'elm-place-'));
});
afterEach(() => fs.rm(dir, { recursive: true, force: true }));

test('placeFile links the partial to its name and removes the partial; a name that exists is refused, untouched', async () => {
  const dest = path.join(dir, 'img.vhdx');
  const partial = partialPath(dest, 'tok1');
  await fs.writeFile(partial, 'ours');
  const recorded: unknown[] = [];
  const placed = await placeFile(partial, dest, async (id) => void recorded.push(id));
  expect(recorded).toEqual([placed.identity]);
  expect(await fs.readFile(dest, 'utf8')).toBe('ours');
  await expect(fs.access(partial)).rejects.toThrow();

  const other = partialPath(dest, 'tok2');
  await fs.writeFile(other, 'second');
  await expect(placeFile(other, dest, async () => undefined)).rejects.toThrow(/exists and this publish did not make it/);
  expect(await fs.readFile(dest, 'utf8')).toBe('ours');
});

test('killed after the link, before the identity was recorded: the partial shares the inode, so the file is ours', async () => {
  const dest = path.join(dir, 'img.vhdx');
  const partial = partialPath(dest, 'tok');
  await fs.writeFile(partial, 'ours');
  await fs.link(partial, dest);
  const placed = await alreadyPlaced(partial, dest, undefined);
  expect(placed?.identity).toEqual(await identityOf(dest));
  await expect(fs.access(partial)).rejects.toThrow();
});

test('a file of the same name that is not the recorded one is never taken, nor deleted', async () => {
  const dest = path.join(dir, 'img.vhdx');
  await fs.writeFile(dest, 'ours');
  const recorded = (await identityOf(dest))!;
  await fs.rm(dest);
  await fs.writeFile(path.join(dir, 'spacer'), 'x'); // the next file must not reuse the inode
  await fs.writeFile(dest, 'theirs');
  if ((await identityOf(dest))!.ino === recorded.ino) return; // the filesystem reused it: nothing to tell apart
  await expect(alreadyPlaced(partialPath(dest, 'tok'), dest, recorded)).rejects.toThrow(/did not make it/);
  expect(await removeIfOurs(dest, recorded)).toBe(false);
  expect(await fs.readFile(dest, 'utf8')).toBe('theirs');
});

test('removeIfOurs deletes the recorded file', async () => {
  const dest = path.join(dir, 'img.vhdx');
  await fs.writeFile(dest, 'ours');
  expect(await removeIfOurs(dest, (await identityOf(dest))!)).toBe(true);
  await expect(fs.access(dest)).rejects.toThrow();
  expect(await removeIfOurs(dest, undefined)).toBe(false);
});
