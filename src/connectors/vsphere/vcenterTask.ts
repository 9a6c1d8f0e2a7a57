/**
 * Long vCenter operations as tasks: `?vmw-task=true` makes an operation that supports it (VM
 * clone) answer at once with a task id (VM CloneTask ResponseBody: "Identifier for the task
 * created by this API invocation"), and `GET /api/cis/tasks/{task}` reports it (Cis Task Info:
 * status PENDING, RUNNING, BLOCKED, SUCCEEDED or FAILED; progress total/completed; result; error).
 * A clone that copies disks can outlast any one HTTP request, so elm waits on the task instead.
 */
import { CancelledError, ElmError, UsageError } from '../../domain/errors';
import { VsphereError } from './http';
import type { Query, VsphereSession } from './session';

const DEFAULT_WAIT_MS = 30 * 60_000;
const MAX_WAIT_MS = 24 * 3_600_000;

/** ELM_VSPHERE_TIMEOUT_MS (1 to 86400000; default 30 min): how long elm waits for one vCenter task or long call. */
export function taskWaitMs(env: NodeJS.ProcessEnv): number {
  const raw = env.ELM_VSPHERE_TIMEOUT_MS;
  if (raw === undefined || raw === '') return DEFAULT_WAIT_MS;
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isInteger(n) || n < 1 || n > MAX_WAIT_MS)
    throw new UsageError(`ELM_VSPHERE_TIMEOUT_MS=${raw} is not a whole number of milliseconds from 1 to ${MAX_WAIT_MS} (default ${DEFAULT_WAIT_MS}); fix or unset it.`);
  return n;
}

interface CisTaskInfo {
  status?: string;
  progress?: { total?: number; completed?: number };
  result?: unknown;
  error?: { messages?: { default_message?: string }[]; error_type?: string };
}

export interface TaskWait {
  /** What the task does, for messages ("cloning Golden into lib-pkg"). */
  what: string;
  timeoutMs: number;
  /** Called with the fraction done (0..1) while the task runs. */
  onProgress?: (fraction: number) => void;
  signal?: AbortSignal;
}

/** Starts an operation as a task (`vmw-task=true`) and returns the task id. */
export async function startTask(s: VsphereSession, path: string, body: unknown, query: Query): Promise<string> {
  const id = await s.post<unknown>(path, body, { query: { ...query, 'vmw-task': 'true' } });
  if (typeof id !== 'string' || id === '') throw new VsphereError(`vCenter ${s.server}: POST ${path} answered without a task id.`);
  return id;
}

/** Polls the task until it ends: its result when it succeeded, else an error naming what failed. */
export async function waitForTask<T>(s: VsphereSession, task: string, w: TaskWait): Promise<T> {
  const deadline = Date.now() + w.timeoutMs;
  // Short at first (most clones without disks end in a second), then every 2 s.
  for (let delay = 250; ; delay = Math.min(2_000, delay * 2)) {
    const info = await s.get<CisTaskInfo>(`/api/cis/tasks/${encodeURIComponent(task)}`, undefined, { signal: w.signal });
    if (info?.status === 'SUCCEEDED') return info.result as T;
    if (info?.status === 'FAILED') {
      const why = (info.error?.messages ?? []).map((m) => m.default_message).filter(Boolean).join(' ') || info.error?.error_type || 'no reason given';
      throw new VsphereError(`vCenter ${s.server}: ${w.what} failed (task ${task}): ${why}`);
    }
    const p = info?.progress;
    if (p?.total && p.completed !== undefined) w.onProgress?.(Math.min(1, p.completed / p.total));
    if (Date.now() + delay > deadline)
      throw new ElmError(
        `vCenter ${s.server}: ${w.what} is still running after ${Math.round(w.timeoutMs / 1000)} s (task ${task}); vCenter goes on with it, and a retry once the vSphere Client shows it done adopts what it made (ELM_VSPHERE_TIMEOUT_MS allows longer)`,
      );
    await sleep(delay, w.signal);
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new CancelledError());
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new CancelledError());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
