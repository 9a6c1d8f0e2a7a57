/**
 * `task show|wait|cancel ID` under --appliance: the task is the appliance's work ticket; the
 * JSON fields are the local task's ({id, kind, state, description}).
 */
import type { Context } from '../../runtime/context';
import { ExitCode, TimeoutError } from '../../domain/errors';
import { parseDuration } from '../../domain/duration';
import { TERMINAL_TASK_STATES } from '../../domain/vocabulary';
import { cancelTicket, queryTicket, type TicketTask } from '../../appliance/workTickets';
import type { ApplianceSession } from '../../appliance/session';
import { applianceSession } from './session';

function print(ctx: Context, t: TicketTask): void {
  if (ctx.io.json) return ctx.out.json(t);
  ctx.out.data(`Task ${t.id} ${t.kind}: ${t.state}`);
  if (t.description) ctx.out.prose(t.description);
}

function settled(t: TicketTask): boolean {
  return (TERMINAL_TASK_STATES as readonly string[]).includes(t.state) || t.state === 'ActionRequired';
}

export async function show(ctx: Context, appliance: string, id: string): Promise<void> {
  print(ctx, await queryTicket(await applianceSession(ctx, appliance), id));
}

/** Polls the ticket until it ends or needs the operator: 0.5 s at first, then up to 5 s apart. */
export async function wait(ctx: Context, appliance: string, id: string, timeout: string | undefined): Promise<void> {
  const timeoutMs = timeout !== undefined ? parseDuration(timeout, '--timeout') : undefined;
  const session = await applianceSession(ctx, appliance);
  const t = await pollTicket(ctx, session, id, timeoutMs);
  if (t.state === 'Failed' || t.state === 'Canceled') process.exitCode = ExitCode.failed;
  print(ctx, t);
}

/** Polls until the ticket settles; a TimeoutError (exit 4) past timeoutMs, the ticket left running. */
export async function pollTicket(ctx: Context, session: ApplianceSession, id: string, timeoutMs: number | undefined): Promise<TicketTask> {
  const deadline = timeoutMs === undefined ? Infinity : Date.now() + timeoutMs;
  let delay = 500;
  for (;;) {
    const t = await queryTicket(session, id);
    if (settled(t)) return t;
    const left = deadline - Date.now();
    if (left <= 0) throw new TimeoutError(`Task ${id} is still ${t.state} on the appliance after ${timeout(timeoutMs)}; it goes on there (elm task wait ${id} --appliance … to wait again).`);
    ctx.out.verbose(`Task ${id}: ${t.state}`);
    await sleep(Math.min(delay, left), ctx.signal);
    delay = Math.min(delay * 1.5, 5000);
  }
}

function timeout(ms: number | undefined): string {
  return ms === undefined ? '' : `${Math.round(ms / 1000)} s`;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), reject(Object.assign(new Error('cancelled'), { name: 'AbortError' }))), { once: true });
  });
}

/** Asks the appliance to cancel the ticket (CancelWorkTickets) and shows where it is now. */
export async function cancel(ctx: Context, appliance: string, id: string): Promise<void> {
  const session = await applianceSession(ctx, appliance);
  const before = await queryTicket(session, id);
  if ((TERMINAL_TASK_STATES as readonly string[]).includes(before.state)) return void (ctx.io.json ? ctx.out.json(before) : ctx.out.info(`Task ${id} is already ${before.state}; nothing to cancel.`));
  await cancelTicket(session, id);
  const after = await queryTicket(session, id);
  if (ctx.io.json) return ctx.out.json(after);
  ctx.out.success(`Asked the appliance to cancel task ${id}: ${after.state}.`);
}
