/**
 * Finalize's copy of the packaging disk into the layer repository: a sparse copy (holes stay
 * holes; GNU cp in its own process) and the SHA-256 of every byte (the layer's identity, hashed
 * here meanwhile), with bounded memory, written under a `.partial` name until it is complete and
 * on disk. When the source is deleted afterwards and lives on the same filesystem, a hard link
 * replaces the copy.
 *
 * (A single pass that reads each chunk once, hashes it and writes it was tried: on this project's
 * test machine it took 1.4-2.2 s per GiB against 1.3-1.6 s for cp beside the hash, whose two reads
 * of the same bytes at the same moment are mostly served by one page-cache fill.)
 */
import { link, rename, rm, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { CancelledError, ElmError, UsageError } from '../domain/errors';
import { takeCopyAhead } from './copyAhead';
import { syncDir, syncFile } from './durable';
import { fileIdentity, takeDigestAhead } from './digestAhead';
import { sha256File } from './hashFile';
import { sparseCopy } from './sparseCopy';

export interface ImportDiskOptions {
  signal?: AbortSignal;
  /** fraction in 0..1, and the bytes read (hashed) so far of the disk's size. */
  onProgress?: (fraction: number, bytes?: { done: number; total: number }) => void;
  /**
   * The caller deletes the source once the import is recorded (the share's packaging disk). On
   * the same filesystem the import is then a hard link: no byte is copied and no space doubled,
   * exactly like `mv`. The source keeps its name until the caller removes it, so a failed or
   * cancelled import loses nothing.
   */
  sourceIsDisposable?: boolean;
}

export interface ImportedDisk {
  /** Lower-case hex SHA-256 of the whole file, holes hashed as the zeros they read as. */
  sha256: string;
  sizeBytes: number;
}

export async function importDisk(src: string, dest: string, opts: ImportDiskOptions = {}): Promise<ImportedDisk> {
  const { signal } = opts;
  if (resolve(src) === resolve(dest)) throw new UsageError(`Cannot import a disk onto itself: ${dest}`);
  const partial = `${dest}.partial`;
  try {
    const before = await stat(src, { bigint: true }).catch((e: NodeJS.ErrnoException) => {
      throw e.code === 'ENOENT' ? new ElmError(`Disk to import not found: ${src}`) : e;
    });
    const sizeBytes = Number(before.size);
    // Progress follows the hash: it reads every byte, holes included.
    let lastReport = -1;
    const onHashed = (done: number) => {
      const step = sizeBytes === 0 ? 1000 : Math.floor((done / sizeBytes) * 1000);
      if (step !== lastReport) {
        lastReport = step;
        opts.onProgress?.(step / 1000, { done, total: sizeBytes });
      }
    };
    // A copy or digest a waiting finalize started ahead (copyAhead, digestAhead) is taken over
    // when it is of this very, unchanged file.
    const identity = fileIdentity(before);
    const copiedAhead = await takeCopyAhead(src, partial, identity, signal);
    if (!copiedAhead) await rm(partial, { force: true }); // a link or copy must start from nothing
    const linked = !copiedAhead && opts.sourceIsDisposable === true && (await linkIfSameFilesystem(src, partial));
    const [, sha256] = await Promise.all([
      // The data is on disk before the name says the import is finished; a copy's flush runs
      // while the hash is still reading. The packaging disk is already sparse: keeping its holes
      // is enough, and lets cp copy in the kernel.
      copiedAhead?.done ??
        (linked ? syncFile(partial) : sparseCopy({ src, dest: partial, length: sizeBytes, signal, punchZeros: false }).then(() => syncFile(partial))),
      takeDigestAhead(src, identity, { signal, onProgress: onHashed }) ?? sha256File(src, { size: sizeBytes, signal, onProgress: onHashed }),
    ]);
    if (signal?.aborted) throw new CancelledError();
    // The copy and the hash read the source separately: it must not have changed meanwhile
    // (finalize waits for the disk to be quiescent; this catches a machine started again).
    const after = await stat(src, { bigint: true });
    if (fileIdentity(after) !== identity) throw new ElmError(`The disk changed while it was imported: ${src}`);
    await rename(partial, dest);
    // rename() between two links of one file does nothing (POSIX): a repository file left by an
    // earlier interrupted run of the same link would keep the partial name alive.
    if (linked) await rm(partial, { force: true });
    await syncDir(dirname(dest));
    opts.onProgress?.(1);
    return { sha256, sizeBytes };
  } catch (e) {
    await rm(partial, { force: true }).catch(() => undefined);
    if (signal?.aborted && !(e instanceof CancelledError)) throw new CancelledError();
    throw e;
  }
}

/**
 * A second name for the source inside the repository, when both are on one filesystem that has
 * hard links. Anything else (another filesystem, SMB without links, a link limit) means a copy.
 */
async function linkIfSameFilesystem(src: string, dest: string): Promise<boolean> {
  try {
    await link(src, dest);
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw e;
    return false;
  }
}
