/**
 * Server-side blob copy (Copy Blob from a URL): the bytes move inside Azure, never through elm.
 * Used for an OS disk that is already a blob and for capturing the machine's disk into the layer
 * repository. Resumable: a copy from the same source still pending on the destination (a killed
 * worker) is waited for instead of started again; a finished one is not repeated.
 */
import type { BlobClient } from '@azure/storage-blob' with { 'resolution-mode': 'import' };
import { ElmError } from '../../domain/errors';
import { describeError, statusOf } from './errors';
import { sleep } from './retry';

export interface CopyOptions {
  /** Stored as blob metadata `elmsource`; a destination with the same identity is this copy. */
  identity: string;
  signal?: AbortSignal;
  onProgress?(copied: number, total: number): void;
  /** Poll interval bounds (ms). */
  minPollMs?: number;
  maxPollMs?: number;
}

const IDENTITY_KEY = 'elmsource';

/** Copies `sourceUrl` (readable by the service: a SAS URL) into `dest`; returns the copied size. */
export async function serverSideCopy(dest: BlobClient, sourceUrl: string, opts: CopyOptions): Promise<number> {
  let props = await dest.getProperties({ abortSignal: opts.signal }).catch((e) => {
    if (statusOf(e) === 404) return null;
    throw e;
  });
  const ours = props?.metadata?.[IDENTITY_KEY] === opts.identity;
  if (props && ours && props.copyStatus === 'success') return props.contentLength ?? 0;
  if (props && props.copyStatus === 'pending' && !ours && props.copyId) {
    await dest.abortCopyFromURL(props.copyId, { abortSignal: opts.signal }).catch(() => undefined);
  }
  if (!(props && ours && props.copyStatus === 'pending')) {
    try {
      await start(dest, sourceUrl, opts);
    } catch (e) {
      if (statusOf(e) === 409 && /PendingCopyOperation/i.test(String((e as { code?: string }).code ?? (e as Error).message))) {
        const pending = await dest.getProperties({ abortSignal: opts.signal });
        if (pending.copyId) await dest.abortCopyFromURL(pending.copyId, { abortSignal: opts.signal });
        await start(dest, sourceUrl, opts);
      } else throw e;
    }
  }
  let delay = opts.minPollMs ?? 200;
  for (;;) {
    props = await dest.getProperties({ abortSignal: opts.signal });
    const [copied, total] = (props.copyProgress ?? '0/0').split('/').map(Number);
    if (props.copyStatus === 'success') {
      opts.onProgress?.(total || (props.contentLength ?? 0), total || (props.contentLength ?? 0));
      return props.contentLength ?? 0;
    }
    if (props.copyStatus === 'failed' || props.copyStatus === 'aborted') {
      throw new ElmError(`The server-side copy into ${dest.url} ${props.copyStatus}: ${describeError(props.copyStatusDescription ?? 'no reason given')}`);
    }
    opts.onProgress?.(copied || 0, total || 0);
    await sleep(delay, opts.signal);
    delay = Math.min(opts.maxPollMs ?? 5000, Math.round(delay * 1.5));
  }
}

/** Starts the copy (the SDK's poller makes the Copy Blob call on its first poll; elm polls itself). */
async function start(dest: BlobClient, sourceUrl: string, opts: CopyOptions): Promise<void> {
  await dest.beginCopyFromURL(sourceUrl, { metadata: { [IDENTITY_KEY]: opts.identity }, abortSignal: opts.signal });
}
