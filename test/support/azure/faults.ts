/**
 * Injected faults. A fault matches a request by method (optional) and path: a RegExp is tested
 * against the URL path (without the query), a string matches when the path contains it,
 * case-insensitively. Each fault fires `times` times (default 1; Infinity allowed), in the
 * order the faults were added.
 *
 * - fail: answer with `status` and ARM's error body (`Retry-After` when retryAfterSeconds is set);
 * - drop: destroy the socket without answering (the client sees ECONNRESET / socket hang up);
 * - failOperation: the next long-running operation started by a matching request ends `Failed`
 *   with `{ code, message }` (by default without doing its work; applyEffects: true does the
 *   work and still reports the failure, like an operation that failed late); heldUntil keeps
 *   it running until the test releases it (something happens on the platform meanwhile).
 */
export type PathMatcher = RegExp | string;

interface Match {
  method?: string;
  path: PathMatcher;
  times?: number;
}

export interface FailFault extends Match {
  status: number;
  retryAfterSeconds?: number;
  /** ARM error code; by default the usual one for the status (TooManyRequests, InternalServerError…). */
  code?: string;
  message?: string;
}

export type DropFault = Match;

export interface OperationFault extends Match {
  code?: string;
  message?: string;
  applyEffects?: boolean;
  /** The operation stays running (polls answer InProgress) until this returns true: a test acts meanwhile. */
  heldUntil?: () => boolean;
}

export type RequestFault = ({ kind: 'fail' } & FailFault) | ({ kind: 'drop' } & DropFault);

interface Armed<T> {
  fault: T;
  left: number;
}

export class Faults {
  private requestFaults: Armed<RequestFault>[] = [];
  private operationFaults: Armed<OperationFault>[] = [];

  fail(fault: FailFault): void {
    this.requestFaults.push({ fault: { kind: 'fail', ...fault }, left: fault.times ?? 1 });
  }

  drop(fault: DropFault): void {
    this.requestFaults.push({ fault: { kind: 'drop', ...fault }, left: fault.times ?? 1 });
  }

  failOperation(fault: OperationFault): void {
    this.operationFaults.push({ fault, left: fault.times ?? 1 });
  }

  clear(): void {
    this.requestFaults = [];
    this.operationFaults = [];
  }

  /** Faults not yet used up, for assertions that every injected fault was hit. */
  pending(): Array<RequestFault | ({ kind: 'failOperation' } & OperationFault)> {
    return [
      ...this.requestFaults.map((a) => ({ ...a.fault, times: a.left })),
      ...this.operationFaults.map((a) => ({ kind: 'failOperation' as const, ...a.fault, times: a.left })),
    ];
  }

  takeRequestFault(method: string, path: string): RequestFault | undefined {
    return take(this.requestFaults, method, path);
  }

  takeOperationFault(method: string, path: string): OperationFault | undefined {
    return take(this.operationFaults, method, path);
  }
}

function take<T extends Match>(list: Armed<T>[], method: string, path: string): T | undefined {
  const armed = list.find((a) => a.left > 0 && matches(a.fault, method, path));
  if (!armed) return undefined;
  armed.left -= 1;
  if (armed.left <= 0) list.splice(list.indexOf(armed), 1);
  return armed.fault;
}

function matches(m: Match, method: string, path: string): boolean {
  if (m.method && m.method.toUpperCase() !== method.toUpperCase()) return false;
  if (typeof m.path === 'string') return path.toLowerCase().includes(m.path.toLowerCase());
  m.path.lastIndex = 0;
  return m.path.test(path);
}
