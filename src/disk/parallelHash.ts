/**
 * SHA-256 on a worker thread, so hashing a disk overlaps with reading and writing it on the main
 * thread (two cores: the import takes about as long as the slower of the two, not their sum).
 * At most MAX_IN_FLIGHT chunks wait for the hasher, so memory stays bounded.
 */
import { Worker } from 'node:worker_threads';

const MAX_IN_FLIGHT = 16;

// Inline source: runs the same from dist/ and under ts-jest, with no file to locate.
const HASHER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const hash = require('node:crypto').createHash('sha256');
parentPort.on('message', (m) => {
  if (m === null) parentPort.postMessage({ digest: hash.digest('hex') });
  else { hash.update(new Uint8Array(m)); parentPort.postMessage({ ack: true }); }
});
`;

export class ParallelSha256 {
  private readonly worker = new Worker(HASHER_SOURCE, { eval: true });
  private inFlight = 0;
  private waiters: (() => void)[] = [];
  private digestResolve?: (hex: string) => void;
  private failure?: Error;

  constructor() {
    this.worker.on('message', (m: { ack?: true; digest?: string }) => {
      if (m.ack) {
        this.inFlight -= 1;
        this.waiters.shift()?.();
      } else if (m.digest) this.digestResolve?.(m.digest);
    });
    this.worker.on('error', (e) => {
      this.failure = e;
      this.waiters.splice(0).forEach((w) => w());
    });
  }

  /** Hands a copy of the bytes to the hasher; waits when it is MAX_IN_FLIGHT chunks behind. */
  async update(data: Buffer): Promise<void> {
    if (this.failure) throw this.failure;
    while (this.inFlight >= MAX_IN_FLIGHT) await new Promise<void>((r) => this.waiters.push(r));
    const copy = new ArrayBuffer(data.length);
    new Uint8Array(copy).set(data);
    this.inFlight += 1;
    this.worker.postMessage(copy, [copy]);
  }

  async digest(): Promise<string> {
    if (this.failure) throw this.failure;
    const hex = new Promise<string>((r) => (this.digestResolve = r));
    this.worker.postMessage(null);
    const result = await hex;
    await this.worker.terminate();
    return result;
  }

  async dispose(): Promise<void> {
    await this.worker.terminate();
  }
}
