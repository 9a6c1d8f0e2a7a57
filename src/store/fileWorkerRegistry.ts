import { promises as fs } from 'node:fs';
import path from 'node:path';
import { homePaths } from '../domain/home';
import { hostName } from '../domain/hostName';
import { processAlive } from './processAlive';
import { HEARTBEAT_MS, STALE_MS, type WorkerRecord, type WorkerRegistry } from './workerRegistry';

/**
 * Heartbeats as small files under `<home>/workers`, apart from the state so a busy worker does not
 * rewrite the whole state every second; the file's mtime is the heartbeat.
 */
export class FileWorkerRegistry implements WorkerRegistry {
  constructor(
    private readonly home: string,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  path(taskId: string): string {
    return path.join(homePaths(this.home).workers, `task-${taskId}.json`);
  }

  async write(rec: WorkerRecord): Promise<void> {
    await fs.mkdir(homePaths(this.home).workers, { recursive: true, mode: 0o700 });
    // Through a temp file and a rename: `task list` reads it at any moment, and a half-written
    // record would read as no worker, so a live one would be called dead.
    const file = this.path(rec.taskId);
    const tmp = `${file}.${process.pid}.tmp`;
    await fs.writeFile(tmp, JSON.stringify(rec), { mode: 0o600 });
    await fs.rename(tmp, file);
  }

  async live(taskId: string): Promise<WorkerRecord | null> {
    const file = this.path(taskId);
    try {
      const [raw, st] = await Promise.all([fs.readFile(file, 'utf8'), fs.stat(file)]);
      const rec = JSON.parse(raw) as WorkerRecord;
      if (Date.now() - st.mtimeMs > STALE_MS) return null;
      if (rec.host === hostName(this.env) && !processAlive(rec.pid)) return null;
      return rec;
    } catch {
      return null;
    }
  }

  async clear(taskId: string): Promise<void> {
    await fs.rm(this.path(taskId), { force: true });
  }

  startHeartbeat(taskId: string): () => void {
    const file = this.path(taskId);
    const timer = setInterval(() => {
      const now = new Date();
      fs.utimes(file, now, now).catch(() => undefined);
    }, HEARTBEAT_MS);
    timer.unref();
    return () => clearInterval(timer);
  }
}
