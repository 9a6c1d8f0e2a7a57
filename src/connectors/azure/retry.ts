/**
 * Retries around whole operations (a delete and its long-running operation), on top of the SDK
 * pipelines' own request retries: throttling (429) and server errors (5xx) honour Retry-After,
 * dropped connections and failed long-running operations back off exponentially with jitter.
 */
import { CancelledError } from '../../domain/errors';
import { describeError, retryAfterMs, statusOf } from './errors';

export interface RetryOptions {
  /** Attempts in all (default 5). */
  attempts?: number;
  /** First back-off (default ELM_AZURE_RETRY_DELAY_MS or 1000 ms); doubles each time. */
  baseMs?: number;
  maxMs?: number;
  signal?: AbortSignal;
  onRetry?(message: string): void;
}

/** Base delay of elm's retries and of the SDK pipelines': a knob for slow clouds and for tests. */
export function retryBaseMs(env: NodeJS.ProcessEnv = process.env): number {
  const v = Number(env.ELM_AZURE_RETRY_DELAY_MS);
  return Number.isFinite(v) && v >= 0 ? v : 1000;
}

export function isTransient(e: unknown): boolean {
  const status = statusOf(e);
  if (status === undefined) {
    // No HTTP answer: a dropped connection or timeout, or a long-running operation that ended
    // Failed (a plain Error) — worth another go; a programming error is not.
    return !(e instanceof TypeError || e instanceof RangeError || e instanceof CancelledError);
  }
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

export async function withRetry<T>(fn: () => Promise<T>, opts: RetryOptions = {}): Promise<T> {
  const attempts = opts.attempts ?? 5;
  const base = opts.baseMs ?? retryBaseMs();
  const max = opts.maxMs ?? 60_000;
  for (let attempt = 1; ; attempt++) {
    if (opts.signal?.aborted) throw new CancelledError();
    try {
      return await fn();
    } catch (e) {
      if (attempt >= attempts || !isTransient(e) || opts.signal?.aborted) throw e;
      const backoff = Math.min(max, base * 2 ** (attempt - 1)) * (0.8 + Math.random() * 0.4);
      // The service's Retry-After wins when it gives one; otherwise exponential back-off.
      const wait = Math.min(max, retryAfterMs(e) ?? backoff);
      opts.onRetry?.(`${describeError(e)}; retrying in ${Math.round(wait)} ms (attempt ${attempt + 1} of ${attempts})`);
      await sleep(wait, opts.signal);
    }
  }
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new CancelledError());
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', abort);
    };
    const abort = () => {
      done();
      reject(new CancelledError());
    };
    const timer = setTimeout(() => {
      done();
      resolve();
    }, ms);
    signal?.addEventListener('abort', abort, { once: true });
  });
}
