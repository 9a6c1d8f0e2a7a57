import { existsSync, promises as fs, readFileSync } from 'node:fs';
import { NotReadyError } from '../domain/errors';
import path from 'node:path';
import type { State } from '../domain/state';
import { emptyState } from '../domain/emptyState';
import { STATE_SCHEMA_VERSION } from '../domain/stateVersion';
import { parseStateDocument } from './parseStateDocument';
import { withFileLock } from './fileLock';
import { crc32 } from './crc32';
import { makeDir } from './makeDir';
import type { StateStore } from './stateStore';

/**
 * state.json under ELM_HOME. Writes go to a temp file in the same folder, are fsynced and renamed
 * over the original; the previous good copy stays as state.json.bak (a hard link, so it costs no
 * copy). A corrupt or newer-schema file is refused and never overwritten.
 *
 * Validation is full (zod) for any file elm did not write itself: beside the state elm keeps the
 * digest of the bytes it last wrote (state.json.digest), and only a file with exactly those bytes
 * skips the schema walk, which on 10,000 layers costs more than reading the file.
 */
export class FileStateStore implements StateStore {
  readonly location: string;
  readonly backupLocation: string;
  private readonly lockPath: string;
  private readonly backupPath: string;

  constructor(
    readonly dir: string,
    private readonly lockWaitMs = 10_000,
  ) {
    this.location = path.join(dir, 'state.json');
    this.lockPath = `${this.location}.lock`;
    this.backupPath = `${this.location}.bak`;
    this.backupLocation = this.backupPath;
    this.digestPath = `${this.location}.digest`;
  }

  private readonly digestPath: string;

  async read(): Promise<State> {
    return (await this.load()).state;
  }

  /** The state, and whether a file existed (a first write has no previous copy to keep). */
  private async load(): Promise<{ state: State; existed: boolean }> {
    let bytes: Buffer;
    try {
      // Read at once (a local file): the first fs.promises call costs a read-only command's
      // start-up more than the read.
      bytes = readFileSync(this.location);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      // A fresh home has neither file: its first change creates the state. A last good copy
      // without a state means the state was deleted or lost: not a fresh start.
      if (existsSync(this.backupPath))
        throw new NotReadyError(
          `The state file ${this.location} does not exist but its last good copy ${this.backupPath} does (deleted or lost?): put it back with elm state restore, or move ${this.backupPath} away to start an empty state.`,
        );
      return { state: emptyState(), existed: false };
    }
    return { state: await this.parse(bytes), existed: true };
  }

  private async parse(bytes: Buffer): Promise<State> {
    const written = readOrNull(this.digestPath);
    if (written !== null && written === digest(bytes)) {
      const doc = JSON.parse(bytes.toString('utf8')) as State;
      if (doc.schemaVersion === STATE_SCHEMA_VERSION) return doc;
    }
    return this.validate(bytes.toString('utf8'));
  }

  async mutate<T>(fn: (state: State) => T | Promise<T>): Promise<T> {
    await makeDir(this.dir);
    return withFileLock(this.lockPath, { waitMs: this.lockWaitMs, staleMs: 60_000 }, async () => {
      const { state, existed } = await this.load();
      const result = await fn(state);
      await this.write(state, existed);
      return result;
    });
  }

  /**
   * Puts state.json.bak back as the state (under the lock). A readable state is replaced only when
   * `force`, and is then kept as the new last good copy; an unreadable one is dropped.
   */
  async restoreBackup(force: boolean, refuse: (what: string) => never): Promise<'missing' | 'unreadable' | 'readable'> {
    await makeDir(this.dir);
    return withFileLock(this.lockPath, { waitMs: this.lockWaitMs, staleMs: 60_000 }, async () => {
      const bak = readOrNull(this.backupPath);
      if (bak === null) throw new NotReadyError(`There is no last good copy ${this.backupPath} to restore (a state keeps one from its second change on).`);
      const restored = await parseStateDocument(bak, { what: `The last good copy ${this.backupPath}`, kind: 'file', restore: 'It cannot be restored; fix it by hand.' });
      const current = readOrNull(this.location);
      const readable = current === null ? null : await this.validate(current).catch(() => null);
      if (readable && !force) refuse(`${readable.layers.length} layers, ${readable.tasks.length} tasks`);
      await this.write(restored, readable !== null);
      return current === null ? 'missing' : readable ? 'readable' : 'unreadable';
    });
  }

  private validate(raw: string): Promise<State> {
    const restore = `Restore the last good copy (${this.backupPath}) with elm state restore, or move the file away.`;
    return parseStateDocument(raw, { what: `The state file ${this.location}`, kind: 'file', restore });
  }

  private async write(state: State, hadPrevious: boolean): Promise<void> {
    // One fixed name: only the lock holder writes, and a temp file left by a writer killed before
    // its rename is simply overwritten by the next one, so nothing accumulates.
    const tmp = `${this.location}.tmp`;
    const text = Buffer.from(JSON.stringify(state, null, 1));
    try {
      const handle = await fs.open(tmp, 'w', 0o600);
      try {
        await handle.writeFile(text);
        await handle.sync();
      } finally {
        await handle.close();
      }
      if (hadPrevious) {
        await fs.rm(this.backupPath, { force: true });
        await fs.link(this.location, this.backupPath);
      }
      // Digest first: if we die between the two, the digest names bytes that are not (yet) there,
      // which only costs the next reader a full validation.
      await fs.writeFile(this.digestPath, digest(text), { mode: 0o600 });
      await fs.rename(tmp, this.location);
    } catch (e) {
      // A failed write (disk full) leaves no temp file behind; the state is what it was.
      await fs.rm(tmp, { force: true });
      throw e;
    }
  }
}

function readOrNull(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

/**
 * What state.json.digest holds for these bytes: their CRC-32 and length. It only tells the bytes
 * elm wrote from a hand edit or a restored copy (whoever can write the file can write a valid
 * state, so a cryptographic hash would guard nothing), and unlike node:crypto it costs a read-only
 * command no start-up time. A digest in another form (an older elm's SHA-1) never matches: the
 * state is then validated in full, which is safe.
 */
function digest(bytes: Buffer): string {
  return `crc32 ${crc32(bytes).toString(16).padStart(8, '0')} ${bytes.length}`;
}
