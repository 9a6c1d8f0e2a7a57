import type { ContainerClient } from '@azure/storage-blob' with { 'resolution-mode': 'import' };
import { readAll } from './blobStateStore';
import { storageError } from './blobContainer';
import { withinDeadline, type StateDeadline } from './stateDeadline';
import type { TaskLogStore } from './taskLogStore';

/**
 * Task logs as append blobs beside a remote state (`<state>.logs/task-<id>.log`), so `elm task
 * logs` works from any machine. Appends are queued in order; one failed append is dropped rather
 * than stopping the task.
 */
export class BlobTaskLogStore implements TaskLogStore {
  private readonly created = new Set<string>();
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly container: ContainerClient,
    private readonly stateName: string,
    private readonly deadline: StateDeadline,
  ) {}

  private blob(taskId: string) {
    return this.container.getAppendBlobClient(`${this.stateName}.logs/task-${taskId}.log`);
  }

  where(taskId: string): string {
    return this.blob(taskId).url.split('?')[0];
  }

  append(taskId: string, text: string): Promise<void> {
    this.queue = this.queue.then(async () => {
      try {
        const blob = this.blob(taskId);
        if (!this.created.has(taskId)) {
          await withinDeadline(this.deadline, (abortSignal) => blob.createIfNotExists({ abortSignal, blobHTTPHeaders: { blobContentType: 'text/plain; charset=utf-8' } }));
          this.created.add(taskId);
        }
        await withinDeadline(this.deadline, (abortSignal) => blob.appendBlock(text, Buffer.byteLength(text), { abortSignal }));
      } catch {
        // the task's state records what matters; the log is for people
      }
    });
    return this.queue;
  }

  async read(taskId: string, offset = 0): Promise<{ text: string; next: number } | null> {
    try {
      const bytes = await withinDeadline(this.deadline, async (abortSignal) => readAll((await this.blob(taskId).download(offset, undefined, { abortSignal })).readableStreamBody!));
      return { text: bytes.toString('utf8'), next: offset + bytes.length };
    } catch (e) {
      const { status } = storageError(e);
      if (status === 404) return null;
      if (status === 416) return { text: '', next: offset }; // nothing past offset yet
      throw e;
    }
  }
}
