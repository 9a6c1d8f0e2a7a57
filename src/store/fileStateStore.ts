import { promises as fs } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../cli/errors';
import { emptyState, STATE_SCHEMA_VERSION, stateSchema, type State } from '../domain/state';
import { withFileLock } from './fileLock';
import type { StateStore } from './stateStore';

/**
 * state.json under ELM_HOME. Writes go to a temp file in the same folder, are fsynced and renamed
 * over the original; the previous good copy stays as state.json.bak (a hard link, so it costs no
 * copy). A corrupt or newer-schema file is refused and never overwritten.
 */
export class FileStateStore implements StateStore {
  readonly location: string;
  private readonly lockPath: string;
  private readonly backupPath: string;

  constructor(
    readonly dir: string,
    private readonly lockWaitMs = 10_000,
  ) {
    this.location = path.join(dir, 'state.json');
    this.lockPath = `${this.location}.lock`;
    this.backupPath = `${this.location}.bak`;
  }

  async read(): Promise<State> {
    let raw: string;
    try {
      raw = await fs.readFile(this.location, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return emptyState();
      throw e;
    }
    return this.parse(raw);
  }

  async mutate<T>(fn: (state: State) => T | Promise<T>): Promise<T> {
    await fs.mkdir(this.dir, { recursive: true, mode: 0o700 });
    return withFileLock(this.lockPath, { waitMs: this.lockWaitMs, staleMs: 60_000 }, async () => {
      const state = await this.read();
      const existed = await exists(this.location);
      const result = await fn(state);
      await this.write(state, existed);
      return result;
    });
  }

  private parse(raw: string): State {
    const restore = `Restore the last good copy (cp "${this.backupPath}" "${this.location}") or move the file away.`;
    let doc: unknown;
    try {
      doc = JSON.parse(raw);
    } catch (e) {
      throw new UsageError(`The state file ${this.location} is corrupt (${(e as Error).message}); elm will not overwrite it. ${restore}`);
    }
    const version = (doc as { schemaVersion?: unknown } | null)?.schemaVersion;
    if (typeof version === 'number' && version > STATE_SCHEMA_VERSION) {
      throw new UsageError(
        `The state file ${this.location} has schemaVersion ${version}, newer than this elm understands (${STATE_SCHEMA_VERSION}); upgrade elm. The file was left untouched.`,
      );
    }
    const parsed = stateSchema.safeParse(doc);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue.path.join('.') || '(top level)';
      throw new UsageError(`The state file ${this.location} is invalid at ${where}: ${issue.message}; elm will not overwrite it. ${restore}`);
    }
    return parsed.data;
  }

  private async write(state: State, hadPrevious: boolean): Promise<void> {
    const tmp = `${this.location}.${process.pid}.${Date.now()}.tmp`;
    const handle = await fs.open(tmp, 'w', 0o600);
    try {
      await handle.writeFile(JSON.stringify(state, null, 1));
      await handle.sync();
    } catch (e) {
      await handle.close();
      await fs.rm(tmp, { force: true });
      throw e;
    }
    await handle.close();
    if (hadPrevious) {
      await fs.rm(this.backupPath, { force: true });
      await fs.link(this.location, this.backupPath);
    }
    await fs.rename(tmp, this.location);
  }
}

async function exists(p: string): Promise<boolean> {
  try {
    await fs.access(p);
    return true;
  } catch {
    return false;
  }
}
