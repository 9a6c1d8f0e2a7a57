/**
 * The state as one block blob, for teams and CI (`--state https://…/state.json`). The contract is
 * FileStateStore's (the README's Conventions):
 * - reads never lock, and are conditional GETs on the ETag last seen, so a state that has not
 *   changed is not downloaded again (a wait polls cheaply);
 * - a mutation takes a blob lease of bounded duration (ELM_STATE_LEASE_SECONDS, 15 to 60, default
 *   30; renewed while held, released at the end), names its holder in the blob's metadata (for
 *   `elm state unlock` and the exit-5 message), and writes with the lease id and If-Match on the
 *   ETag it read. A process killed while holding the lease blocks others only until the lease
 *   expires: unlike an infinite lease, nothing is stranded.
 * - the bytes elm wrote carry their digest in metadata, so a reader skips the schema walk only
 *   for exactly those bytes; anything else (a hand edit) is fully validated. A corrupt or
 *   newer-schema state is refused and never overwritten; the previous good copy is kept as
 *   `<name>.bak` beside it;
 * - a blob that is not there is an error (exit 3), never an empty state: a remote state that
 *   disappeared (deleted, or a service that came back empty) must not be silently recreated over
 *   its `.bak`. Only `elm state push`, `elm state init` and `elm state restore` create the blob;
 * - every call to the service has a client-side deadline (stateDeadline.ts).
 */
import { createHash, randomUUID } from 'node:crypto';
import type { BlobLeaseClient, BlockBlobClient, ContainerClient } from '@azure/storage-blob' with { 'resolution-mode': 'import' };
import { ConflictError, ElmError, ExitCode, NotReadyError, UsageError } from '../domain/errors';
import type { State } from '../domain/state';
import { STATE_SCHEMA_VERSION } from '../domain/stateVersion';
import { parseStateDocument } from './parseStateDocument';
import { storageError } from './blobContainer';
import { withinDeadline, type StateDeadline } from './stateDeadline';
import type { BlobLocation } from './stateLocation';
import type { StateStore } from './stateStore';

export interface BlobStoreOptions {
  lockWaitMs: number;
  leaseSeconds: number;
  /** Who this process is, for the lease holder's metadata: `user@host pid N` (the lease's start is added). */
  holder: string;
  deadline: StateDeadline;
  /** A line for the operator while a command waits (on stderr). */
  notice: (line: string) => void;
}

/** One downloaded version of the blob. */
interface Snapshot {
  etag: string;
  text: string;
  /** The bytes are those elm last wrote (their digest is in the metadata). */
  trusted: boolean;
  digest: string;
}

/** The lease holder as recorded in metadata (ASCII only, as metadata values must be). */
export const HOLDER_KEY = 'elmholder';
const DIGEST_KEY = 'elmdigest';
const WRITER_KEY = 'elmwriter';

export function leaseSecondsOf(env: NodeJS.ProcessEnv): number {
  const raw = env.ELM_STATE_LEASE_SECONDS;
  if (raw === undefined || raw === '') return 30;
  const n = Number(raw);
  // Azure's bounds for a finite lease (Lease Blob, x-ms-lease-duration: 15 to 60 seconds).
  if (!Number.isInteger(n) || n < 15 || n > 60) throw new UsageError(`ELM_STATE_LEASE_SECONDS=${raw} is not a whole number of seconds from 15 to 60 (Azure's bounds for a blob lease).`);
  return n;
}

export class BlobStateStore implements StateStore {
  readonly location: string;
  readonly backupLocation: string;
  private readonly blob: BlockBlobClient;
  private readonly backup: BlockBlobClient;
  private cache: Snapshot | null = null;

  constructor(
    readonly where: BlobLocation,
    readonly container: ContainerClient,
    private readonly opts: BlobStoreOptions,
  ) {
    this.location = where.url;
    this.backupLocation = `${where.url}.bak`;
    this.blob = container.getBlockBlobClient(where.name);
    this.backup = container.getBlockBlobClient(`${where.name}.bak`);
  }

  get leaseSeconds(): number {
    return this.opts.leaseSeconds;
  }

  async read(): Promise<State> {
    const snap = await this.fetch();
    if (!snap) throw await this.missingError();
    return this.parse(snap);
  }

  /** Runs one call to the service within the state's deadline. */
  call<T>(fn: (abortSignal: AbortSignal) => Promise<T>): Promise<T> {
    return withinDeadline(this.opts.deadline, fn);
  }

  /** A state that is not there: exit 3 naming the URL, and the last good copy if there is one. */
  async missingError(): Promise<NotReadyError> {
    const bak = await this.call((abortSignal) => this.backup.exists({ abortSignal })).catch(() => false);
    const create = `create it with elm state push --to ${this.location} (from a local state) or elm state init`;
    return new NotReadyError(
      bak
        ? `The elm state ${this.location} does not exist (deleted, or the service lost it); its last good copy ${this.backupLocation} is there: put it back with elm state restore, or ${create}.`
        : `The elm state ${this.location} does not exist; ${create}, or fix --state / ELM_STATE.`,
    );
  }

  /** Whether the blob is there (for the commands that create it). */
  async exists(): Promise<boolean> {
    return (await this.fetch()) !== null;
  }

  /**
   * Writes `text` as a new blob, only if none exists (If-None-Match: *); no .bak is written, as
   * there was no previous state. False when a blob is already there.
   */
  async create(text: string, digest = digestOf(text)): Promise<boolean> {
    try {
      await this.call((abortSignal) =>
        this.blob.upload(text, Buffer.byteLength(text), {
          abortSignal,
          conditions: { ifNoneMatch: '*' },
          metadata: { [DIGEST_KEY]: digest, [WRITER_KEY]: this.opts.holder },
          blobHTTPHeaders: { blobContentType: 'application/json' },
        }),
      );
      this.cache = null;
      return true;
    } catch (e) {
      const { status } = storageError(e);
      if (status === 409 || status === 412) return false;
      throw this.explain(e);
    }
  }

  /** The last good copy's text, validated, or null when there is none. */
  async backupText(): Promise<string | null> {
    try {
      const text = await this.call(async (abortSignal) => (await readAll((await this.backup.download(0, undefined, { abortSignal })).readableStreamBody!)).toString('utf8'));
      await parseStateDocument(text, { what: `The last good copy ${this.backupLocation}`, kind: 'blob', restore: 'It cannot be restored; fix it by hand or push a local state.' });
      return text;
    } catch (e) {
      if (storageError(e).status === 404 && storageError(e).code !== 'ContainerNotFound') return null;
      if (e instanceof ElmError) throw e;
      throw this.explain(e);
    }
  }

  /**
   * Replaces the blob, under the lease, with `text` (a restored copy), whatever the blob holds
   * (even a corrupt state, which is why this does not parse it). `keep` says whether the replaced
   * bytes become the new .bak (a readable state that is replaced is kept, so the restore can be undone).
   */
  async overwrite(text: string, keepReplaced: (old: string) => Promise<boolean>): Promise<void> {
    const lease = await this.acquire();
    try {
      const snap = await this.fetch();
      if (!snap) throw await this.missingError();
      const digest = digestOf(text);
      const keep = await keepReplaced(snap.text);
      await this.call((abortSignal) =>
        this.blob.upload(text, Buffer.byteLength(text), {
          abortSignal,
          conditions: { leaseId: lease.leaseId, ifMatch: snap.etag },
          metadata: { [DIGEST_KEY]: digest, [WRITER_KEY]: this.opts.holder },
          blobHTTPHeaders: { blobContentType: 'application/json' },
        }),
      );
      if (keep) await this.call((abortSignal) => this.backup.upload(snap.text, Buffer.byteLength(snap.text), { abortSignal, metadata: { [DIGEST_KEY]: snap.digest }, blobHTTPHeaders: { blobContentType: 'application/json' } }));
      this.cache = null;
    } catch (e) {
      const { status, code } = storageError(e);
      if (status === 412 || status === 409) throw new ConflictError(`Lost the lease on the elm state ${this.location} (${code ?? status}) before writing; nothing was written. Retry.`);
      throw e;
    } finally {
      await this.call((abortSignal) => lease.releaseLease({ abortSignal })).catch(() => undefined);
    }
  }

  async mutate<T>(fn: (state: State) => T | Promise<T>): Promise<T> {
    const lease = await this.acquire();
    let lost: unknown = null;
    const renew = setInterval(() => {
      this.call((abortSignal) => lease.renewLease({ abortSignal })).catch((e: unknown) => (lost = e));
    }, (this.opts.leaseSeconds * 1000) / 3);
    renew.unref();
    try {
      const snap = await this.fetch();
      if (!snap) throw await this.missingError();
      // Parsed before anything is touched: a corrupt state is refused with its bytes as they were.
      const state = await this.parse(snap);
      const held = await this.call((abortSignal) =>
        this.blob.setMetadata(
          { [DIGEST_KEY]: snap.digest, [HOLDER_KEY]: `${this.opts.holder} since ${new Date().toISOString()}` },
          { abortSignal, conditions: { leaseId: lease.leaseId, ifMatch: snap.etag } },
        ),
      );
      const result = await fn(state);
      if (lost) throw lost;
      const text = JSON.stringify(state, null, 1);
      const digest = digestOf(text);
      const [written] = await Promise.all([
        this.call((abortSignal) =>
          this.blob.upload(text, Buffer.byteLength(text), {
            abortSignal,
            conditions: { leaseId: lease.leaseId, ifMatch: held.etag },
            metadata: { [DIGEST_KEY]: digest, [WRITER_KEY]: this.opts.holder },
            blobHTTPHeaders: { blobContentType: 'application/json' },
          }),
        ),
        // The previous good copy (it was just parsed): what to restore from if this one goes bad.
        this.call((abortSignal) =>
          this.backup.upload(snap.text, Buffer.byteLength(snap.text), { abortSignal, metadata: { [DIGEST_KEY]: snap.digest }, blobHTTPHeaders: { blobContentType: 'application/json' } }),
        ),
      ]);
      this.cache = { etag: written.etag!, text, trusted: true, digest };
      return result;
    } catch (e) {
      const { status, code } = storageError(e);
      if (status === 412 || status === 409) {
        throw new ConflictError(`Lost the lease on the elm state ${this.location} (${code ?? status}) before writing; nothing was written. Retry.`);
      }
      throw e;
    } finally {
      clearInterval(renew);
      await this.call((abortSignal) => lease.releaseLease({ abortSignal })).catch(() => undefined);
    }
  }

  /** Takes the lease, waiting with backoff while another process holds it; exit 5 past the wait. */
  private async acquire(): Promise<BlobLeaseClient> {
    const started = Date.now();
    const deadline = started + this.opts.lockWaitMs;
    let delay = 20;
    let told = false;
    for (;;) {
      const lease = this.blob.getBlobLeaseClient(randomUUID());
      try {
        await this.call((abortSignal) => lease.acquireLease(this.opts.leaseSeconds, { abortSignal }));
        return lease;
      } catch (e) {
        const { status, code } = storageError(e);
        if (status === 404 && code === 'BlobNotFound') throw await this.missingError();
        if (status !== 409) throw this.explain(e);
      }
      if (Date.now() >= deadline) throw await this.heldError(Date.now() - started);
      // Past a moment's contention, say once what is waited for (a holder that died keeps it until it expires).
      if (!told && Date.now() - started >= 2_000) {
        told = true;
        this.opts.notice(`Waiting for the lease on the elm state held by ${await this.holderName()}; a holder that died frees it within ${this.opts.leaseSeconds} s (waiting up to ${Math.round((deadline - Date.now()) / 1000)} s more).`);
      }
      await new Promise((r) => setTimeout(r, delay + Math.random() * delay));
      delay = Math.min(delay * 2, 300);
    }
  }

  private async holderName(): Promise<string> {
    const props = await this.call((abortSignal) => this.blob.getProperties({ abortSignal })).catch(() => null);
    return props?.metadata?.[HOLDER_KEY] ?? 'another process';
  }

  private async heldError(waitedMs: number): Promise<ConflictError> {
    return new ConflictError(
      `The elm state ${this.location} is leased by ${await this.holderName()}; waited ${Math.round(waitedMs / 1000)}s. Retry when it finishes; a holder that died frees it within ${this.opts.leaseSeconds}s, or break the lease with elm state unlock.`,
    );
  }

  /** The blob as it is now, downloaded only if its ETag changed since the last read. */
  private async fetch(): Promise<Snapshot | null> {
    const cached = this.cache;
    try {
      const got = await this.call(async (abortSignal) => {
        const res = await this.blob.download(0, undefined, cached ? { abortSignal, conditions: { ifNoneMatch: cached.etag } } : { abortSignal });
        return res._response.status === 304 ? { res, bytes: null } : { res, bytes: await readAll(res.readableStreamBody!) };
      });
      const { res, bytes } = got;
      if (!bytes && cached) return cached;
      if (!bytes) throw new ElmError(`The blob service answered 304 for ${this.location} without a cached copy; retry.`);
      const text = bytes.toString('utf8');
      const digest = digestOf(bytes);
      this.cache = { etag: res.etag!, text, trusted: res.metadata?.[DIGEST_KEY] === digest, digest };
      return this.cache;
    } catch (e) {
      const { status, code } = storageError(e);
      if (status === 304 && cached) return cached;
      if (status === 404 && code !== 'ContainerNotFound') {
        this.cache = null;
        return null;
      }
      throw this.explain(e);
    }
  }

  /** Storage failures an operator can fix, as one line naming the fix. */
  explain(e: unknown): Error {
    const { status, code } = storageError(e);
    if (code === 'ContainerNotFound')
      return new UsageError(`The container ${this.where.container} of the elm state ${this.location} does not exist; create it (az storage container create --name ${this.where.container}) or fix --state.`);
    if (status === 403 || status === 401)
      return new UsageError(
        `Access to the elm state ${this.location} was denied (${code ?? status}): give this identity "Storage Blob Data Contributor" on the container, or name a key or SAS with --state-key-env / --state-sas-env.`,
      );
    const cause = e as Error;
    // A credential chain's failure is several lines (one per credential tried): the first is the
    // summary, the others are printed as they are, not squeezed into one with escaped line breaks.
    if (status === undefined && /Credential|AuthenticationError/.test(cause?.name ?? '') && cause.message.includes('\n')) {
      const [first, ...rest] = cause.message.split(/\r?\n/).filter((l) => l.trim() !== '');
      return new ElmError(`Could not sign in to the elm state ${this.location}: ${first.trim()} Sign in (az login, a managed or workload identity), or name a key or SAS with --state-key-env / --state-sas-env.`, ExitCode.failed, rest.map((l) => l.trim()));
    }
    if (status === undefined && /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT/.test(`${cause?.message} ${(cause as { code?: string })?.code}`))
      return new ElmError(`Cannot reach the elm state ${this.location}: ${cause.message.split('\n')[0]}`);
    return cause;
  }

  private async parse(snap: Snapshot): Promise<State> {
    if (snap.trusted) {
      const doc = JSON.parse(snap.text) as State;
      if (doc.schemaVersion === STATE_SCHEMA_VERSION) return doc;
    }
    return this.validate(snap.text);
  }

  private validate(raw: string): Promise<State> {
    const restore = `Restore the last good copy (${this.backupLocation}) with elm state restore, or fix the blob.`;
    return parseStateDocument(raw, { what: `The elm state ${this.location}`, kind: 'blob', restore });
  }
}

function digestOf(bytes: Buffer | string): string {
  return createHash('sha1').update(bytes).digest('hex');
}

export async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks);
}
