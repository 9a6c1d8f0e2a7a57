import type { ContainerClient } from '@azure/storage-blob' with { 'resolution-mode': 'import' };
import { hostName } from '../domain/hostName';
import { readAll } from './blobStateStore';
import { storageError } from './blobContainer';
import { processAlive } from './processAlive';
import { withinDeadline, type StateDeadline } from './stateDeadline';
import { HEARTBEAT_MS, STALE_MS, type WorkerRecord, type WorkerRegistry } from './workerRegistry';

/**
 * Heartbeats as small blobs beside a remote state (`<state>.workers/task-<id>.json`), rewritten
 * every HEARTBEAT_MS. A heartbeat's age is the service's own clock (the response's Date minus the
 * blob's Last-Modified), so machines whose clocks disagree still agree on who is alive.
 */
export class BlobWorkerRegistry implements WorkerRegistry {
  private readonly records = new Map<string, string>();

  constructor(
    private readonly container: ContainerClient,
    private readonly stateName: string,
    private readonly env: NodeJS.ProcessEnv,
    private readonly deadline: StateDeadline,
  ) {}

  private blob(taskId: string) {
    return this.container.getBlockBlobClient(`${this.stateName}.workers/task-${taskId}.json`);
  }

  async write(rec: WorkerRecord): Promise<void> {
    const text = JSON.stringify(rec);
    this.records.set(rec.taskId, text);
    await withinDeadline(this.deadline, (abortSignal) => this.blob(rec.taskId).upload(text, Buffer.byteLength(text), { abortSignal }));
  }

  async live(taskId: string): Promise<WorkerRecord | null> {
    try {
      const { res, bytes } = await withinDeadline(this.deadline, async (abortSignal) => {
        const got = await this.blob(taskId).download(0, undefined, { abortSignal });
        return { res: got, bytes: await readAll(got.readableStreamBody!) };
      });
      const rec = JSON.parse(bytes.toString('utf8')) as WorkerRecord;
      const serverNow = res.date ? res.date.getTime() : Date.now();
      // Last-Modified has whole seconds: allow one more.
      if (!res.lastModified || serverNow - res.lastModified.getTime() > STALE_MS + 1000) return null;
      if (rec.host === hostName(this.env) && !processAlive(rec.pid)) return null;
      return rec;
    } catch (e) {
      if (storageError(e).status === 404) return null;
      throw e;
    }
  }

  async clear(taskId: string): Promise<void> {
    this.records.delete(taskId);
    await withinDeadline(this.deadline, (abortSignal) => this.blob(taskId).deleteIfExists({ abortSignal }));
  }

  startHeartbeat(taskId: string): () => void {
    let busy = false;
    const timer = setInterval(() => {
      const text = this.records.get(taskId);
      if (!text || busy) return;
      busy = true;
      withinDeadline(this.deadline, (abortSignal) => this.blob(taskId).upload(text, Buffer.byteLength(text), { abortSignal }))
        .catch(() => undefined) // one missed beat is not death; STALE_MS allows several
        .finally(() => (busy = false));
    }, HEARTBEAT_MS);
    timer.unref();
    return () => clearInterval(timer);
  }
}
