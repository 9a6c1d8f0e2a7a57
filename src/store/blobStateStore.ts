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
 *   `<name>.bak` beside it.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { BlobLeaseClient, BlockBlobClient, ContainerClient } from '@azure/storage-blob' with { 'resolution-mode': 'import' };
import { ConflictError, ElmError, UsageError } from '../domain/errors';
import type { State } from '../domain/state';
import { emptyState } from '../domain/emptyState';
import { STATE_SCHEMA_VERSION } from '../domain/stateVersion';
import { parseStateDocument } from './parseStateDocument';
import { storageError } from './blobContainer';
import type { BlobLocation } from './stateLocation';
import type { StateStore } from './stateStore';

export interface BlobStoreOptions {
  lockWaitMs: number;
  leaseSeconds: number;
  /** Who this process is, for the lease holder's metadata: `user@host pid N` (the lease's start is added). */
  holder: string;
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
    return snap ? this.parse(snap) : emptyState();
  }

  /** The raw text of the state, or null when there is none yet (for `elm state pull`). */
  async readText(): Promise<string | null> {
    return (await this.fetch())?.text ?? null;
  }

  async mutate<T>(fn: (state: State) => T | Promise<T>): Promise<T> {
    const lease = await this.acquire();
    let lost: unknown = null;
    const renew = setInterval(() => {
      lease.renewLease().catch((e: unknown) => (lost = e));
    }, (this.opts.leaseSeconds * 1000) / 3);
    renew.unref();
    try {
      const snap = await this.fetch();
      if (!snap) throw new ElmError(`The state blob ${this.location} disappeared while leased; retry.`);
      // Parsed before anything is touched: a corrupt state is refused with its bytes as they were.
      const state = await this.parse(snap);
      const held = await this.blob.setMetadata(
        { [DIGEST_KEY]: snap.digest, [HOLDER_KEY]: `${this.opts.holder} since ${new Date().toISOString()}` },
        { conditions: { leaseId: lease.leaseId, ifMatch: snap.etag } },
      );
      const result = await fn(state);
      if (lost) throw lost;
      const text = JSON.stringify(state, null, 1);
      const digest = digestOf(text);
      const [written] = await Promise.all([
        this.blob.upload(text, Buffer.byteLength(text), {
          conditions: { leaseId: lease.leaseId, ifMatch: held.etag },
          metadata: { [DIGEST_KEY]: digest, [WRITER_KEY]: this.opts.holder },
          blobHTTPHeaders: { blobContentType: 'application/json' },
        }),
        // The previous good copy (it was just parsed): what to restore from if this one goes bad.
        this.backup.upload(snap.text, Buffer.byteLength(snap.text), { metadata: { [DIGEST_KEY]: snap.digest }, blobHTTPHeaders: { blobContentType: 'application/json' } }),
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
      await lease.releaseLease().catch(() => undefined);
    }
  }

  /** Takes the lease, waiting with backoff while another process holds it; exit 5 past the wait. */
  private async acquire(): Promise<BlobLeaseClient> {
    const deadline = Date.now() + this.opts.lockWaitMs;
    let delay = 20;
    for (;;) {
      const lease = this.blob.getBlobLeaseClient(randomUUID());
      try {
        await lease.acquireLease(this.opts.leaseSeconds);
        return lease;
      } catch (e) {
        const { status, code } = storageError(e);
        if (status === 404 && code === 'BlobNotFound') {
          await this.createEmpty();
          continue;
        }
        if (status !== 409) throw this.explain(e);
      }
      if (Date.now() >= deadline) throw await this.heldError();
      await new Promise((r) => setTimeout(r, delay + Math.random() * delay));
      delay = Math.min(delay * 2, 300);
    }
  }

  /** A first mutation needs a blob to lease: an empty state, created only if none exists. */
  private async createEmpty(): Promise<void> {
    const text = JSON.stringify(emptyState(), null, 1);
    try {
      await this.blob.upload(text, Buffer.byteLength(text), {
        conditions: { ifNoneMatch: '*' },
        metadata: { [DIGEST_KEY]: digestOf(text) },
        blobHTTPHeaders: { blobContentType: 'application/json' },
      });
    } catch (e) {
      const { status } = storageError(e);
      if (status === 409 || status === 412) return; // another process created it first
      throw this.explain(e);
    }
  }

  private async heldError(): Promise<ConflictError> {
    const props = await this.blob.getProperties().catch(() => null);
    const holder = props?.metadata?.[HOLDER_KEY];
    const who = holder ? `by ${holder}` : 'by another process';
    return new ConflictError(
      `The elm state ${this.location} is leased ${who}; waited ${Math.round(this.opts.lockWaitMs / 1000)}s. Retry when it finishes; a holder that died frees it within ${this.opts.leaseSeconds}s, or break the lease with elm state unlock.`,
    );
  }

  /** The blob as it is now, downloaded only if its ETag changed since the last read. */
  private async fetch(): Promise<Snapshot | null> {
    const cached = this.cache;
    try {
      const res = await this.blob.download(0, undefined, cached ? { conditions: { ifNoneMatch: cached.etag } } : {});
      if (res._response.status === 304 && cached) return cached;
      const bytes = await readAll(res.readableStreamBody!);
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
    const restore = `Restore the last good copy (${this.backupLocation}) or fix the blob.`;
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
