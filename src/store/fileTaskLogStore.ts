import { appendFileSync, mkdirSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { homePaths } from '../domain/home';
import type { TaskLogStore } from './taskLogStore';

/** Task logs as files under `<home>/logs`; a detached worker's stdout and stderr go to the same file. */
export class FileTaskLogStore implements TaskLogStore {
  constructor(private readonly home: string) {}

  where(taskId: string): string {
    return path.join(homePaths(this.home).logs, `task-${taskId}.log`);
  }

  async append(taskId: string, text: string): Promise<void> {
    // Synchronous, so a line logged just before the process exits is not lost.
    try {
      mkdirSync(homePaths(this.home).logs, { recursive: true, mode: 0o700 });
      appendFileSync(this.where(taskId), text, { mode: 0o600 });
    } catch {
      // the task's state records what matters; the log is for people
    }
  }

  async read(taskId: string, offset = 0): Promise<{ text: string; next: number } | null> {
    let handle;
    try {
      handle = await fs.open(this.where(taskId), 'r');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
    try {
      const { size } = await handle.stat();
      if (size <= offset) return { text: '', next: Math.max(offset, size) };
      const buf = Buffer.alloc(size - offset);
      await handle.read(buf, 0, buf.length, offset);
      return { text: buf.toString('utf8'), next: size };
    } finally {
      await handle.close();
    }
  }
}
