/**
 * ARM's error shape: `{ "error": { "code", "message", "details"? } }` with an HTTP status.
 * Route handlers and resource provisioners throw ArmError; the server turns it into a response,
 * a long-running operation turns it into a `Failed` status.
 */
export interface ArmErrorBody {
  code: string;
  message: string;
  target?: string;
  details?: ArmErrorBody[];
}

export class ArmError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: ArmErrorBody[],
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'ArmError';
  }

  toBody(): { error: ArmErrorBody } {
    return { error: this.toErrorBody() };
  }

  toErrorBody(): ArmErrorBody {
    return { code: this.code, message: this.message, ...(this.details ? { details: this.details } : {}) };
  }
}

export const armErrors = {
  resourceGroupNotFound: (rg: string) =>
    new ArmError(404, 'ResourceGroupNotFound', `Resource group '${rg}' could not be found.`),
  resourceNotFound: (type: string, name: string, rg: string) =>
    new ArmError(
      404,
      'ResourceNotFound',
      `The Resource '${type}/${name}' under resource group '${rg}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
    ),
  subscriptionNotFound: (sub: string) =>
    new ArmError(404, 'SubscriptionNotFound', `The subscription '${sub}' could not be found.`),
  missingApiVersion: () =>
    new ArmError(400, 'MissingApiVersionParameter', "The api-version query parameter (?api-version=) is required for all requests."),
  invalidRequestContent: (message: string) => new ArmError(400, 'InvalidRequestContent', message),
  invalidParameter: (message: string, target?: string) =>
    new ArmError(400, 'InvalidParameter', message, target ? [{ code: 'InvalidParameter', message, target }] : undefined),
  operationNotAllowed: (message: string) => new ArmError(409, 'OperationNotAllowed', message),
  conflict: (message: string) => new ArmError(409, 'Conflict', message),
};

/** The default code ARM answers with for an injected status. */
export function defaultCodeForStatus(status: number): { code: string; message: string } {
  switch (status) {
    case 400: return { code: 'BadRequest', message: 'The request is invalid. (injected fault)' };
    case 401: return { code: 'InvalidAuthenticationToken', message: 'The access token is invalid. (injected fault)' };
    case 403: return { code: 'AuthorizationFailed', message: 'The client does not have authorization to perform this action. (injected fault)' };
    case 404: return { code: 'NotFound', message: 'The requested resource was not found. (injected fault)' };
    case 409: return { code: 'Conflict', message: 'The request conflicts with the current state. (injected fault)' };
    case 429: return { code: 'TooManyRequests', message: 'The request is being throttled. Please retry after the interval in the Retry-After header. (injected fault)' };
    case 502: return { code: 'BadGateway', message: 'The gateway did not receive a response in time. (injected fault)' };
    case 503: return { code: 'ServiceUnavailable', message: 'The service is temporarily unavailable. (injected fault)' };
    case 504: return { code: 'GatewayTimeout', message: 'The gateway did not receive a response within the specified time period. (injected fault)' };
    default: return { code: 'InternalServerError', message: 'Encountered internal server error. (injected fault)' };
  }
}
