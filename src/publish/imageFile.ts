/**
 * An image file made by a publish, placed so that nothing else is ever overwritten or deleted:
 * the conversion writes a partial file named by the publish's own token, which is then hard-linked
 * to its final name (link refuses a name that exists, where rename would replace it) and the
 * partial name removed. The final file's device and inode are recorded, so a resumed or cancelled
 * publish tells its own file from one that someone else put under the same name.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ElmError } from '../domain/errors';
import { syncDir, syncFile } from '../disk/durable';

/** A file's identity: the same name can later hold another file. */
export interface FileIdentity {
  dev: number;
  ino: number;
}

export async function identityOf(file: string): Promise<FileIdentity | null> {
  try {
    const st = await fs.stat(file);
    return { dev: st.dev, ino: st.ino };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

export function sameIdentity(a: FileIdentity | null | undefined, b: FileIdentity | null | undefined): boolean {
  return Boolean(a && b && a.dev === b.dev && a.ino === b.ino);
}

/** The partial file of one publish: its token keeps two publishes (two homes, two states) apart. */
export function partialPath(dest: string, token: string): string {
  return path.join(path.dirname(dest), `.${path.basename(dest)}.elm-${token}.partial`);
}

export interface PlaceResult {
  identity: FileIdentity;
  sizeBytes: number;
}

/**
 * Moves a finished partial file to `dest` without replacing anything there. `recordIdentity`
 * persists the identity before the partial name goes, so a run killed after the link still knows
 * the file at `dest` is its own.
 */
export async function placeFile(partial: string, dest: string, recordIdentity: (id: FileIdentity) => Promise<void>): Promise<PlaceResult> {
  await syncFile(partial);
  try {
    await fs.link(partial, dest);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw foreignFile(dest);
    throw e;
  }
  const st = await fs.stat(dest);
  const identity = { dev: st.dev, ino: st.ino };
  await recordIdentity(identity);
  await fs.rm(partial, { force: true });
  await syncDir(path.dirname(dest));
  return { identity, sizeBytes: st.size };
}

/**
 * What a run killed mid-placement left: the file at `dest` is ours when it is the partial's own
 * inode (killed between link and record) or the recorded one. null when nothing of ours is there.
 */
export async function alreadyPlaced(partial: string, dest: string, recorded: FileIdentity | undefined): Promise<PlaceResult | null> {
  const here = await identityOf(dest);
  if (!here) return null;
  const mine = sameIdentity(here, recorded) || sameIdentity(here, await identityOf(partial));
  if (!mine) throw foreignFile(dest);
  await fs.rm(partial, { force: true });
  return { identity: here, sizeBytes: (await fs.stat(dest)).size };
}

/** Deletes `file` only if it is still the file this publish made. */
export async function removeIfOurs(file: string, recorded: FileIdentity | undefined): Promise<boolean> {
  if (!recorded || !sameIdentity(await identityOf(file), recorded)) return false;
  await fs.rm(file, { force: true });
  return true;
}

export function foreignFile(dest: string): ElmError {
  return new ElmError(`${dest} exists and this publish did not make it; elm never replaces it: move it away or publish under another name.`);
}
