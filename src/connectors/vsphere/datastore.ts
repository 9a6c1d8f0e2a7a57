/**
 * Datastore files over vCenter's HTTP file access: `/folder/<path>?dcPath=<datacenter inventory
 * path>&dsName=<datastore>` with HTTP Basic. Uploads stream a local file (retried whole: the endpoint has no
 * ranged PUT); downloads stream into `<dest>.partial`, hash every byte, keep zero blocks as holes,
 * resume with `Range` after a dropped connection, and are renamed into place when complete.
 */
import { createHash } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import https from 'node:https';
import type { IncomingMessage } from 'node:http';
import { CancelledError, ElmError } from '../../domain/errors';
import { CHUNK_SIZE, isAllZero, writeFully } from '../../disk/chunks';
import { connectionError, send, statusError, VsphereError, withRetries, type HttpReply } from './http';
import { datacenterPath } from './datacenterPath';
import type { VsphereSession } from './session';

/** A file on a datastore: `[<datastore>] <path>`. */
export interface DsFile {
  datacenter: string;
  datastore: string;
  /** Inside the datastore, forward slashes, no leading slash. */
  path: string;
}

export function dsPath(f: Pick<DsFile, 'datastore' | 'path'>): string {
  return `[${f.datastore}] ${f.path}`;
}

/** `[ds1] elm/x/x.vmdk` → `{ datastore: 'ds1', path: 'elm/x/x.vmdk' }`. */
export function parseDsPath(text: string): { datastore: string; path: string } | null {
  const m = /^\[([^\]]+)\]\s*(.+)$/.exec(text.trim());
  return m ? { datastore: m[1], path: m[2].replace(/^\/+/, '') } : null;
}

/** The /folder URL of a file (or folder; '' is the datastore's root), with the datacenter's inventory path. */
async function fileUrl(s: VsphereSession, f: DsFile): Promise<URL> {
  const encoded = f.path.split('/').filter(Boolean).map(encodeURIComponent).join('/');
  return s.url(`/folder/${encoded}`, { dcPath: await datacenterPath(s), dsName: f.datastore });
}

export type ByteProgress = (done: number, total: number) => void;

export interface TransferOptions {
  signal?: AbortSignal;
  progress?: ByteProgress;
  /** Tries in all (default 4). */
  attempts?: number;
  /** Told before each retry, for the task log. */
  onRetry?: (message: string) => void;
}

/** Uploads a local file (streamed, Content-Length set) to the datastore, replacing what is there. */
export async function uploadFile(s: VsphereSession, local: string, f: DsFile, opts: TransferOptions = {}): Promise<void> {
  const size = (await fs.stat(local)).size;
  const what = `upload of ${dsPath(f)}`;
  const url = await fileUrl(s, f);
  await withRetries(
    s.transport,
    async () => {
      const reply = await new Promise<{ status: number; body: Buffer; headers: IncomingMessage['headers'] }>((resolve, reject) => {
        const req = https.request(
          url,
          {
            method: 'PUT',
            agent: s.transport.agent,
            signal: opts.signal,
            headers: { authorization: s.basicAuth(), 'content-type': 'application/octet-stream', 'content-length': String(size) },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), headers: res.headers }));
            res.on('error', reject);
          },
        );
        req.setTimeout(s.transport.timeoutMs, () => req.destroy(Object.assign(new Error('the upload stalled'), { code: 'ETIMEDOUT' })));
        req.on('error', reject);
        const input = createReadStream(local, { highWaterMark: CHUNK_SIZE });
        let sent = 0;
        input.on('data', (c) => {
          sent += c.length;
          opts.progress?.(sent, size);
        });
        input.on('error', (e) => req.destroy(e));
        req.on('close', () => input.destroy());
        input.pipe(req);
      }).catch((e) => {
        throw connectionError(e, what, s.server);
      });
      if (reply.status !== 200 && reply.status !== 201 && reply.status !== 204) throw statusError(what, reply);
    },
    {
      attempts: opts.attempts ?? 4,
      idempotent: true,
      signal: opts.signal,
      onRetry: (e, attempt, delay) => opts.onRetry?.(`${e.message}; retrying the upload from the start in ${Math.round(delay / 100) / 10}s (attempt ${attempt + 1})`),
    },
  );
}

/** Writes a small file (a descriptor) to the datastore. */
export async function uploadBytes(s: VsphereSession, data: Buffer, f: DsFile, signal?: AbortSignal): Promise<void> {
  const what = `upload of ${dsPath(f)}`;
  const url = await fileUrl(s, f);
  await withRetries(
    s.transport,
    async () => {
      const reply = await send(s.transport, {
        method: 'PUT',
        url,
        body: data,
        signal,
        headers: { authorization: s.basicAuth(), 'content-type': 'application/octet-stream' },
      }).catch((e) => {
        throw connectionError(e, what, s.server);
      });
      if (reply.status < 200 || reply.status >= 300) throw statusError(what, reply);
    },
    { idempotent: true, signal },
  );
}

/** The size of a datastore file, or null when it is not there. */
export async function fileSize(s: VsphereSession, f: DsFile, signal?: AbortSignal): Promise<number | null> {
  const what = `looking up ${dsPath(f)}`;
  const url = await fileUrl(s, f);
  return withRetries(
    s.transport,
    async () => {
      const ask = (method: string, headers: Record<string, string> = {}) =>
        send(s.transport, { method, url, signal, headers: { authorization: s.basicAuth(), ...headers } }).catch((e) => {
          throw connectionError(e, what, s.server);
        });
      let reply = await ask('HEAD');
      if (reply.status === 405 || reply.status === 501) {
        // No HEAD here: a GET whose body is never read (the headers give the size).
        reply = await new Promise<HttpReply>((resolve, reject) => {
          const req = https.request(url, { method: 'GET', agent: s.transport.agent, signal, headers: { authorization: s.basicAuth(), range: 'bytes=0-0' } }, (res) => {
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.alloc(0) });
            res.destroy();
          });
          req.on('error', reject);
          req.end();
        }).catch((e) => {
          throw connectionError(e, what, s.server);
        });
        const total = /\/(\d+)$/.exec(String(reply.headers['content-range'] ?? ''))?.[1];
        if (reply.status === 206 && total !== undefined) return Number(total);
      }
      if (reply.status === 404) return null;
      if (reply.status !== 200) throw statusError(what, reply);
      const len = Number(reply.headers['content-length']);
      if (!Number.isFinite(len)) throw new VsphereError(`${what}: the datastore gave no size`);
      return len;
    },
    { idempotent: true, signal },
  );
}

/** Deletes a datastore file (or folder). Already gone is done: returns false then. */
export async function deleteFile(s: VsphereSession, f: DsFile, signal?: AbortSignal): Promise<boolean> {
  const what = `deleting ${dsPath(f)}`;
  const url = await fileUrl(s, f);
  return withRetries(
    s.transport,
    async () => {
      const reply = await send(s.transport, { method: 'DELETE', url, signal, headers: { authorization: s.basicAuth() } }).catch((e) => {
        throw connectionError(e, what, s.server);
      });
      if (reply.status === 404) return false;
      if (reply.status < 200 || reply.status >= 300) throw statusError(what, reply);
      return true;
    },
    { idempotent: true, signal },
  );
}

export interface Downloaded {
  sha256: string;
  sizeBytes: number;
}

/**
 * Downloads a datastore file into `dest` through `dest.partial` (renamed only when every byte is
 * in and the file is fsynced). The hash covers every byte in order; zero blocks are left as holes.
 * A connection dropped mid-way resumes at the byte reached (`Range`); a server that ignores the
 * range starts the file over.
 */
export async function downloadFile(s: VsphereSession, f: DsFile, dest: string, opts: TransferOptions = {}): Promise<Downloaded> {
  const partial = `${dest}.partial`;
  const what = `download of ${dsPath(f)}`;
  let hash = createHash('sha256');
  let done = 0;
  let total = -1;
  const url = await fileUrl(s, f);
  const out = await fs.open(partial, 'w');
  try {
    await withRetries(
      s.transport,
      async () => {
        const res = await new Promise<IncomingMessage>((resolve, reject) => {
          const headers: Record<string, string> = { authorization: s.basicAuth() };
          if (done > 0) headers.range = `bytes=${done}-`;
          const req = https.request(url, { method: 'GET', agent: s.transport.agent, signal: opts.signal, headers }, resolve);
          req.setTimeout(s.transport.timeoutMs, () => req.destroy(Object.assign(new Error('the download stalled'), { code: 'ETIMEDOUT' })));
          req.on('error', reject);
          req.end();
        }).catch((e) => {
          throw connectionError(e, what, s.server);
        });
        if (res.statusCode === 404) {
          res.resume();
          throw new ElmError(`The packaging disk ${dsPath(f)} is not found on the datastore (in datacenter ${f.datacenter}).`);
        }
        if (res.statusCode === 200 && done > 0) {
          // The range was ignored: start over.
          hash = createHash('sha256');
          done = 0;
          await out.truncate(0);
        } else if (res.statusCode === 206) {
          const m = /^bytes (\d+)-\d+\/(\d+)$/.exec(String(res.headers['content-range'] ?? ''));
          if (!m || Number(m[1]) !== done) {
            res.resume();
            throw new VsphereError(`${what}: the datastore resumed at the wrong offset (${res.headers['content-range'] ?? 'no Content-Range'})`);
          }
          total = Number(m[2]);
        } else if (res.statusCode !== 200) {
          const chunks: Buffer[] = [];
          for await (const c of res) chunks.push(c as Buffer);
          throw statusError(what, { status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) });
        }
        if (res.statusCode === 200) total = Number(res.headers['content-length'] ?? -1);
        await receive(res, out, {
          start: done,
          onBytes: (buf) => {
            hash.update(buf);
            done += buf.length;
            opts.progress?.(done, total > 0 ? total : done);
          },
        }).catch((e) => {
          throw connectionError(e, what, s.server);
        });
        if (total >= 0 && done !== total) throw new VsphereError(`${what}: the connection ended after ${done} of ${total} bytes`, undefined, undefined, true);
      },
      {
        attempts: opts.attempts ?? 6,
        idempotent: true,
        signal: opts.signal,
        onRetry: (e, attempt, delay) => opts.onRetry?.(`${e.message}; resuming the download at byte ${done} in ${Math.round(delay / 100) / 10}s (attempt ${attempt + 1})`),
      },
    );
    await out.truncate(done); // trailing holes
    await out.sync();
  } catch (e) {
    await out.close().catch(() => undefined);
    await fs.rm(partial, { force: true });
    if (opts.signal?.aborted && !(e instanceof CancelledError)) throw new CancelledError();
    throw e;
  }
  await out.close();
  await fs.rename(partial, dest);
  return { sha256: hash.digest('hex'), sizeBytes: done };
}

/**
 * Streams a reply body into `out` from offset `start`, gathering whole blocks so that all-zero
 * ones stay holes. On a dropped connection the bytes already received are kept (and counted), so
 * the caller can resume right after them.
 */
async function receive(res: IncomingMessage, out: fs.FileHandle, opts: { start: number; onBytes: (b: Buffer) => void }): Promise<void> {
  const block = Buffer.alloc(CHUNK_SIZE);
  let fill = 0;
  let blockStart = opts.start;
  const flush = async () => {
    if (fill === 0) return;
    const data = block.subarray(0, fill);
    if (!isAllZero(data)) await writeFully(out, data, blockStart);
    blockStart += fill;
    fill = 0;
  };
  try {
    for await (const chunk of res) {
      let c = chunk as Buffer;
      opts.onBytes(c);
      while (c.length > 0) {
        const n = Math.min(c.length, block.length - fill);
        c.copy(block, fill, 0, n);
        fill += n;
        c = c.subarray(n);
        if (fill === block.length) await flush();
      }
    }
    if (!res.complete) throw Object.assign(new Error('the connection was closed mid-download'), { code: 'ECONNRESET' });
  } finally {
    await flush();
  }
}

/**
 * `connector test`: a HEAD of the datastore's root folder through /folder, with the credentials
 * uploads use, so missing file privileges (Datastore.Browse, Datastore.FileManagement) or a wrong
 * dcPath show before layer create uploads anything.
 */
export async function probeDatastoreRoot(s: VsphereSession, datastore: string): Promise<{ ok: boolean; detail: string }> {
  const dcPath = await datacenterPath(s);
  const url = await fileUrl(s, { datacenter: s.settings.datacenter, datastore, path: '' });
  const what = `HEAD /folder?dcPath=${dcPath}&dsName=${datastore}`;
  const reply = await send(s.transport, { method: 'HEAD', url, headers: { authorization: s.basicAuth() } }).catch((e) => {
    throw connectionError(e, what, s.server);
  });
  if (reply.status >= 200 && reply.status < 300) return { ok: true, detail: `file access through /folder works (dcPath ${dcPath})` };
  if (reply.status === 401 || reply.status === 403)
    return { ok: false, detail: `${what}: HTTP ${reply.status}: ${s.settings.user} may not reach the datastore's files; grant Datastore > Browse datastore and Low level file operations on ${datastore}` };
  return { ok: false, detail: `${what}: HTTP ${reply.status}: the datastore's files are not reachable` };
}
