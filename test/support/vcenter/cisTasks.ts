/**
 * vCenter tasks in the fake: an operation called with `?vmw-task=true` answers a task id at once
 * (VM CloneTask ResponseBody: "Identifier for the task created by this API invocation") and
 * `GET /api/cis/tasks/{task}` reports it (Cis Task Info: status PENDING, RUNNING, BLOCKED,
 * SUCCEEDED or FAILED; progress {total, completed}; result once SUCCEEDED).
 *
 * Work takes time on a real vCenter, so every task is RUNNING for `runningPolls` reads first, and
 * `hold()` keeps new work running (a clone copying a large disk) until `release()`. The same hold
 * keeps a plain call's answer back, as vCenter answers a synchronous clone only when it is done.
 */
import { Route, sendJson, VapiError } from './http';

export interface CisTaskView {
  id: string;
  operation: string;
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED';
  /** How many times a client read it. */
  reads: number;
}

interface TaskModel extends CisTaskView {
  finish: () => unknown;
  result?: unknown;
  error?: string;
}

export class CisTasks {
  /** Reads that see a task RUNNING before it can end (default 1: a client must poll). */
  runningPolls = 1;
  private readonly tasks = new Map<string, TaskModel>();
  private next = 1;
  private held = false;
  private waiters: (() => void)[] = [];

  /** New and running work stays RUNNING (and plain calls unanswered) until release(). */
  hold(): void {
    this.held = true;
  }

  /** Held work ends now (whether or not anyone is polling, as on vCenter). */
  release(): void {
    this.held = false;
    for (const t of this.tasks.values()) if (t.status === 'RUNNING') this.end(t);
    for (const w of this.waiters.splice(0)) w();
  }

  list(): CisTaskView[] {
    return [...this.tasks.values()].map(({ id, operation, status, reads }) => ({ id, operation, status, reads }));
  }

  /** Registers work done by `finish` (which may throw a VapiError: the task FAILED) and returns the task id. */
  start(operation: string, finish: () => unknown): string {
    const id = `task-${this.next++}:com.vmware.vcenter.vm`;
    this.tasks.set(id, { id, operation, status: 'RUNNING', reads: 0, finish });
    return id;
  }

  /** For a call without vmw-task: resolves once the work is not held. */
  async whenReleased(): Promise<void> {
    if (!this.held) return;
    await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  routes(): Route[] {
    return [{ method: 'GET', pattern: /^\/api\/cis\/tasks\/([^/]+)$/, handle: (ctx, m) => sendJson(ctx.res, 200, this.read(decodeURIComponent(m[1]))) }];
  }

  private read(id: string): Record<string, unknown> {
    const t = this.tasks.get(id);
    if (!t) throw new VapiError(404, 'NOT_FOUND', `Task ${id} does not exist.`);
    t.reads++;
    if (t.status === 'RUNNING' && !this.held && t.reads > this.runningPolls) this.end(t);
    const base = { operation: t.operation, service: 'com.vmware.vcenter.VM', cancelable: false, status: t.status };
    if (t.status === 'RUNNING') return { ...base, progress: { total: 100, completed: Math.min(90, 10 * t.reads), message: { id: 'fake', default_message: 'copying', args: [] } } };
    if (t.status === 'FAILED') return { ...base, error: { error_type: 'ERROR', messages: [{ id: 'fake', default_message: t.error, args: [] }] } };
    return { ...base, progress: { total: 100, completed: 100 }, result: t.result };
  }

  private end(t: TaskModel): void {
    try {
      t.result = t.finish();
      t.status = 'SUCCEEDED';
    } catch (e) {
      t.status = 'FAILED';
      t.error = e instanceof Error ? e.message : String(e);
    }
  }
}
