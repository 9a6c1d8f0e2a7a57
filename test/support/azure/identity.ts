/**
 * The Microsoft Entra endpoints @azure/identity (MSAL) uses with `authorityHost` pointed at the
 * fake and `disableInstanceDiscovery: true` (without it MSAL asks login.microsoftonline.com for
 * instance discovery, which no test can answer):
 *   GET  /{tenant}/v2.0/.well-known/openid-configuration   (MSAL's authority metadata)
 *   POST /{tenant}/oauth2/v2.0/token                        (client credentials)
 * and, for other clients, the v1 token endpoint, the v1 metadata, an empty JWKS and the
 * instance discovery document. Errors have the real AADSTS shape and codes.
 */
import { randomUUID } from 'node:crypto';
import type { FakeCloud } from './cloud';
import { FakeRequest, FakeResponse, Router } from './http';
import { makeAccessToken } from './tokens';

/**
 * Resources a token can be asked for (scope `<resource>/.default`). Besides the public-cloud ones,
 * the fake's own URL is ARM's audience: classic ARM clients (arm-resources) ask for
 * `<endpoint>/.default`, as they do in sovereign clouds; arm-compute asks for management.azure.com.
 */
const knownResources = (cloud: FakeCloud) => [
  'https://management.azure.com/',
  'https://management.core.windows.net/',
  'https://storage.azure.com/',
  `${cloud.baseUrl}/`,
];

export function identityRouter(cloud: FakeCloud): Router {
  const router = new Router();
  router.add('GET', '/{tenant}/v2.0/.well-known/openid-configuration', (req) => openidConfiguration(cloud, req.params.tenant, 'v2.0'));
  router.add('GET', '/{tenant}/.well-known/openid-configuration', (req) => openidConfiguration(cloud, req.params.tenant, 'v1'));
  router.add('GET', '/{tenant}/discovery/v2.0/keys', () => ({ status: 200, body: { keys: [] } }));
  router.add('GET', '/common/discovery/instance', (req) => instanceDiscovery(cloud, req));
  router.add('POST', '/{tenant}/oauth2/v2.0/token', (req) => token(cloud, req, 'v2.0'));
  router.add('POST', '/{tenant}/oauth2/token', (req) => token(cloud, req, 'v1'));
  return router;
}

/** True for paths the identity router owns (the server sends the rest to ARM). */
export function isIdentityPath(path: string): boolean {
  return /^\/[^/]+\/(oauth2\/|v2\.0\/\.well-known\/|\.well-known\/|discovery\/)/i.test(path) || /^\/common\/discovery\/instance/i.test(path);
}

function knownTenant(cloud: FakeCloud, tenant: string): boolean {
  return tenant.toLowerCase() === cloud.tenantId.toLowerCase();
}

function openidConfiguration(cloud: FakeCloud, tenant: string, version: 'v1' | 'v2.0'): FakeResponse {
  if (!knownTenant(cloud, tenant)) return tenantNotFound(cloud, tenant);
  const base = `${cloud.baseUrl}/${tenant}`;
  const v2 = version === 'v2.0';
  return {
    status: 200,
    body: {
      token_endpoint: v2 ? `${base}/oauth2/v2.0/token` : `${base}/oauth2/token`,
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      jwks_uri: `${base}/discovery/v2.0/keys`,
      response_modes_supported: ['query', 'fragment', 'form_post'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      issuer: v2 ? `${base}/v2.0` : `https://sts.windows.net/${cloud.tenantId}/`,
      request_uri_parameter_supported: false,
      userinfo_endpoint: `${base}/openid/userinfo`,
      authorization_endpoint: v2 ? `${base}/oauth2/v2.0/authorize` : `${base}/oauth2/authorize`,
      device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
      http_logout_supported: true,
      frontchannel_logout_supported: true,
      end_session_endpoint: v2 ? `${base}/oauth2/v2.0/logout` : `${base}/oauth2/logout`,
      claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'auth_time', 'acr', 'nonce', 'tid', 'ver', 'oid'],
      kerberos_endpoint: `${base}/kerberos`,
      tenant_region_scope: 'EU',
      cloud_instance_name: 'microsoftonline.com',
      cloud_graph_host_name: 'graph.windows.net',
      msgraph_host: 'graph.microsoft.com',
      rbac_url: 'https://pas.windows.net',
    },
  };
}

function instanceDiscovery(cloud: FakeCloud, req: FakeRequest): FakeResponse {
  const host = new URL(cloud.baseUrl).host;
  const authz = req.query.get('authorization_endpoint') ?? '';
  const tenant = /\/\/[^/]+\/([^/]+)\//.exec(authz)?.[1] ?? 'common';
  return {
    status: 200,
    body: {
      tenant_discovery_endpoint: `${cloud.baseUrl}/${tenant}/v2.0/.well-known/openid-configuration`,
      'api-version': '1.1',
      metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
    },
  };
}

function token(cloud: FakeCloud, req: FakeRequest, version: 'v1' | 'v2.0'): FakeResponse {
  const tenant = req.params.tenant;
  if (!knownTenant(cloud, tenant)) return tenantNotFound(cloud, tenant);
  const form = new URLSearchParams(req.body.toString('utf8'));
  const basic = /^Basic (.+)$/i.exec(String(req.headers.authorization ?? ''));
  const [basicId, basicSecret] = basic ? Buffer.from(basic[1], 'base64').toString('utf8').split(':') : [];
  const clientId = form.get('client_id') ?? basicId ?? '';
  const secret = form.get('client_secret') ?? basicSecret;
  const grant = form.get('grant_type');

  if (grant !== 'client_credentials') {
    return aadError(cloud, 400, 'unsupported_grant_type', 70003, `The app requested an unsupported grant type '${grant ?? ''}'.`);
  }
  const client = cloud.clients.get(clientId);
  if (!client) {
    return aadError(
      cloud,
      400,
      'unauthorized_client',
      700016,
      `Application with identifier '${clientId}' was not found in the directory '${tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
    );
  }
  if (secret === undefined) {
    if (form.get('client_assertion')) {
      return aadError(cloud, 401, 'invalid_client', 700027, 'Client assertion failed signature validation. (The fake supports client secrets only.)');
    }
    return aadError(cloud, 401, 'invalid_client', 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
  }
  if (secret !== client.secret) {
    return aadError(
      cloud,
      401,
      'invalid_client',
      7000215,
      `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`,
    );
  }

  let resource: string;
  if (version === 'v1') {
    resource = form.get('resource') ?? '';
  } else {
    const scopes = (form.get('scope') ?? '').split(' ').filter((s) => s && !['openid', 'profile', 'offline_access'].includes(s));
    const scope = scopes[0] ?? '';
    if (!scope.endsWith('/.default')) {
      return aadError(
        cloud,
        400,
        'invalid_scope',
        1002012,
        `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
      );
    }
    resource = scope.slice(0, -'.default'.length);
  }
  const normalized = resource.endsWith('/') ? resource : `${resource}/`;
  if (!knownResources(cloud).includes(normalized.toLowerCase())) {
    return aadError(
      cloud,
      400,
      'invalid_resource',
      500011,
      `The resource principal named ${resource} was not found in the tenant named ${tenant}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.`,
    );
  }

  const { token: accessToken, claims } = makeAccessToken({
    tenantId: cloud.tenantId,
    clientId,
    audience: normalized,
    lifetimeSeconds: cloud.tokenLifetimeSeconds,
  });
  cloud.issuedTokens.set(accessToken, claims);
  const body: Record<string, unknown> = {
    token_type: 'Bearer',
    expires_in: cloud.tokenLifetimeSeconds,
    ext_expires_in: cloud.tokenLifetimeSeconds,
    access_token: accessToken,
  };
  if (version === 'v1') {
    Object.assign(body, { expires_on: String(claims.exp), not_before: String(claims.nbf), resource });
  }
  return { status: 200, body };
}

function tenantNotFound(cloud: FakeCloud, tenant: string): FakeResponse {
  return aadError(
    cloud,
    400,
    'invalid_request',
    90002,
    `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`,
  );
}

function aadError(cloud: FakeCloud, status: number, error: string, code: number, message: string): FakeResponse {
  const traceId = randomUUID();
  const correlationId = randomUUID();
  const now = new Date();
  const timestamp = now.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
  return {
    status,
    body: {
      error,
      error_description: `AADSTS${code}: ${message} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
      error_codes: [code],
      timestamp,
      trace_id: traceId,
      correlation_id: correlationId,
      error_uri: `${cloud.baseUrl}/error?code=${code}`,
    },
  };
}
