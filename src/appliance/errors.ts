/**
 * What the appliance refuses, as elm's errors: one line naming the problem and what to do, with
 * the exit code of elm's conventions. The ids are the appliance's ErrorMessageId enumeration (the
 * WSDL's, as citrix/packer-plugin-citrix elm-client/elm_client.go lists it).
 */
import { ElmError, ExitCode, type ExitCodeValue } from '../domain/errors';

/** The appliance answered with an error (a SOAP fault or a result's Error), or could not be reached. */
export class ApplianceError extends ElmError {
  constructor(
    message: string,
    exitCode: ExitCodeValue = ExitCode.failed,
    /** The appliance's ErrorMessageId, when it gave one. */
    readonly messageId?: string,
  ) {
    super(message, exitCode);
    this.name = 'ApplianceError';
  }
}

/** Ids that mean the session is gone: the client logs in again, once, and repeats the call. */
export const SESSION_EXPIRED_IDS = new Set(['InvalidSession', 'SessionTimeout', 'SessionDisconnected', 'NotAuthenticated', 'Session', 'NoHeader']);

interface Refusal {
  exitCode: ExitCodeValue;
  /** What the operator does about it, after the appliance's own words. */
  hint: string;
}

const REFUSALS: Record<string, Refusal> = {
  InvalidCredentials: { exitCode: ExitCode.failed, hint: 'check --user and the password variable of the appliance' },
  AuthenticationFailed: { exitCode: ExitCode.failed, hint: 'check --user and the password variable of the appliance' },
  TooManyFailedLoginAttempts: { exitCode: ExitCode.failed, hint: 'wait for the appliance to unlock the account, then check the password' },
  PermissionsViolation: { exitCode: ExitCode.failed, hint: 'the account needs the appliance\'s Administrator role (or rights over layers)' },
  UserNotAuthorized: { exitCode: ExitCode.failed, hint: 'the account needs the appliance\'s Administrator role (or rights over layers)' },
  DuplicateName: { exitCode: ExitCode.usage, hint: 'pick another name, or add a version to the existing layer (elm layer version add)' },
  DuplicateNamedEntity: { exitCode: ExitCode.usage, hint: 'pick another name, or add a version to the existing layer (elm layer version add)' },
  RevisionNotFinalizable: { exitCode: ExitCode.notReady, hint: 'shut the packaging machine down (elm verify --shutdown) and try again' },
  LayerIsNotDeployable: { exitCode: ExitCode.notReady, hint: 'finalize the version first (elm finalize --wait)' },
  ItemNotFound: { exitCode: ExitCode.usage, hint: 'check the name or id (elm layer list --appliance NAME)' },
  OsLayerNotFound: { exitCode: ExitCode.usage, hint: 'check the OS layer (elm os-layer list --appliance NAME)' },
  OsLayerRevisionNotFound: { exitCode: ExitCode.usage, hint: 'check the OS layer version (elm os-layer list --appliance NAME)' },
  WorkTicketNotFound: { exitCode: ExitCode.usage, hint: 'check the task id (elm task list --appliance NAME)' },
  InvalidArgument: { exitCode: ExitCode.usage, hint: 'check the values given' },
  InvalidInput: { exitCode: ExitCode.usage, hint: 'check the values given' },
  Validation: { exitCode: ExitCode.usage, hint: 'check the values given' },
  PlatformLayerInUseByTasks: { exitCode: ExitCode.conflict, hint: 'wait for the appliance\'s task on it to end (elm task list --appliance NAME)' },
};

/** The appliance's error (its id, title and message) as one line with the right exit code. */
export function refusalError(operation: string, messageId: string | undefined, message: string): ApplianceError {
  const said = oneLine(message) || messageId || 'an error without a message';
  const refusal = messageId ? REFUSALS[messageId] : undefined;
  const id = messageId && messageId !== 'None' ? ` (${messageId})` : '';
  const text = `The appliance refused ${operation}: ${said}${id}${refusal ? `; ${refusal.hint}.` : '.'}`;
  return new ApplianceError(text, refusal?.exitCode ?? ExitCode.failed, messageId);
}

export function oneLine(s: string, max = 300): string {
  const flat = s.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
