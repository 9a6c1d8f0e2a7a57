/**
 * Each task's log, kept beside the state: `<home>/logs/task-<id>.log`, or an append blob beside a
 * remote state so `elm task logs` works from any machine. Reading from an offset lets a follower
 * (`task logs -f`) fetch only what was added.
 */
export interface TaskLogStore {
  /** Where the task's log is, for messages (a path or a URL). */
  where(taskId: string): string;
  /** Appends text (whole lines); a log that cannot be written never stops the task. */
  append(taskId: string, text: string): Promise<void>;
  /** The log from byte `offset` on, and the offset to read from next; null when there is no log. */
  read(taskId: string, offset?: number): Promise<{ text: string; next: number } | null>;
}
