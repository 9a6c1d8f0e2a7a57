/**
 * Expected failures carry the exit code of the README's Conventions, so the top level prints one line
 * (no stack trace) and exits with it. Anything else is a bug or a platform error: exit 1.
 */
export const ExitCode = {
  ok: 0,
  failed: 1,
  usage: 2,
  notReady: 3,
  timedOut: 4,
  conflict: 5,
  cancelled: 130,
  /** SIGTERM (128 + 15), what a shell reports for a process it terminated. */
  terminated: 143,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export class ElmError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCodeValue = ExitCode.failed,
    /** Extra lines printed after the message (e.g. each blocker); the first line stays the summary. */
    readonly details: string[] = [],
  ) {
    super(message);
    this.name = 'ElmError';
  }
}

/** Bad flags, bad spec, unknown references: exit 2, nothing changed. */
export class UsageError extends ElmError {
  constructor(message: string, details: string[] = []) {
    super(message, ExitCode.usage, details);
    this.name = 'UsageError';
  }
}

/** Preconditions unmet (verify blockers, finalize before verify): exit 3. */
export class NotReadyError extends ElmError {
  constructor(message: string, details: string[] = []) {
    super(message, ExitCode.notReady, details);
    this.name = 'NotReadyError';
  }
}

export class TimeoutError extends ElmError {
  constructor(message: string) {
    super(message, ExitCode.timedOut);
    this.name = 'TimeoutError';
  }
}

/** The state or a layer version is held by another operation: exit 5. */
export class ConflictError extends ElmError {
  constructor(message: string) {
    super(message, ExitCode.conflict);
    this.name = 'ConflictError';
  }
}

export class CancelledError extends ElmError {
  constructor(message = 'Cancelled.') {
    super(message, ExitCode.cancelled);
    this.name = 'CancelledError';
  }
}

/** "No" at a confirmation: the operator's answer, not a cancel (Ctrl-C is 130); exit 1, nothing done. */
export class DeclinedError extends ElmError {
  constructor(message: string) {
    super(message, ExitCode.failed);
    this.name = 'DeclinedError';
  }
}

export function isElmError(e: unknown): e is ElmError {
  return e instanceof ElmError;
}
