/**
 * ARM's bearer-token check. The token must be one the fake's identity endpoint issued (the
 * fake's stand-in for a signature check), for the management audience, unexpired, from the
 * subscription's tenant. Failures are 401 with ARM's codes and a WWW-Authenticate challenge.
 */
import type { FakeCloud } from '../cloud';
import { ArmError } from '../errors';
import type { FakeRequest } from '../http';
import { issuerFor } from '../tokens';

/** Public-cloud ARM audiences, and the fake's own URL (see identity.ts). */
const managementAudiences = (cloud: FakeCloud) => [
  'https://management.core.windows.net/',
  'https://management.core.windows.net',
  'https://management.azure.com/',
  'https://management.azure.com',
  `${cloud.baseUrl}/`,
  cloud.baseUrl,
];

export function authenticate(cloud: FakeCloud, req: FakeRequest): void {
  const header = String(req.headers.authorization ?? '');
  if (!header) {
    throw unauthorized('AuthenticationFailed', "Authentication failed. The 'Authorization' header is missing.", "The authentication failed because of missing 'Authorization' header.");
  }
  const m = /^Bearer\s+(\S+)$/i.exec(header);
  if (!m) {
    throw unauthorized('AuthenticationFailed', "Authentication failed. The 'Authorization' header is provided in an invalid format.", 'The authentication scheme is not Bearer.');
  }
  const claims = cloud.issuedTokens.get(m[1]);
  if (!claims) throw unauthorized('InvalidAuthenticationToken', 'The access token is invalid.', 'The access token is invalid.');
  const audiences = managementAudiences(cloud);
  if (!audiences.includes(claims.aud)) {
    throw unauthorized(
      'InvalidAuthenticationTokenAudience',
      `The access token has been obtained for wrong audience or resource '${claims.aud}'. It should exactly match with one of the allowed audiences '${audiences.join("','")}'.`,
      'The access token has been obtained for wrong audience or resource.',
    );
  }
  const now = Math.floor(Date.now() / 1000);
  if (claims.exp <= now) {
    throw unauthorized(
      'ExpiredAuthenticationToken',
      `The access token expiry UTC time '${new Date(claims.exp * 1000).toUTCString()}' is earlier than current UTC time '${new Date().toUTCString()}'.`,
      'The access token is expired.',
    );
  }
  if (claims.iss !== issuerFor(cloud.tenantId)) {
    throw unauthorized(
      'InvalidAuthenticationTokenTenant',
      `The access token is from the wrong issuer '${claims.iss}'. It must match the tenant '${issuerFor(cloud.tenantId)}' associated with this subscription. Please use the authority (URL) '${cloud.baseUrl}/${cloud.tenantId}' to get the token.`,
      'The access token is from the wrong issuer.',
    );
  }
}

function unauthorized(code: string, message: string, description: string): ArmError {
  return new ArmError(401, code, message, undefined, {
    'WWW-Authenticate': `Bearer authorization_uri="https://login.windows.net/", error="invalid_token", error_description="${description}"`,
  });
}
