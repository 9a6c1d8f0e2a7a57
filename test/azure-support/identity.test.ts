/** The fake's Microsoft Entra endpoint, as @azure/identity uses it. */
import { AuthenticationRequiredError, ClientSecretCredential } from '@azure/identity';
import { ArmFake, fakeCredential, startArmFake, trustTestCa } from '../support/azure';

let fake: ArmFake;
beforeAll(async () => {
  fake = await startArmFake();
  fake.addClient('app-1', 's3cret');
});
afterAll(() => fake.stop());

const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));

it('ClientSecretCredential with authorityHost + disableInstanceDiscovery gets ARM and storage tokens', async () => {
  const credential = new ClientSecretCredential(fake.tenantId, 'app-1', 's3cret', {
    authorityHost: fake.url,
    disableInstanceDiscovery: true,
    ...trustTestCa(fake.caPem),
  });
  const arm = await credential.getToken('https://management.azure.com/.default');
  expect(arm.expiresOnTimestamp).toBeGreaterThan(Date.now() + 3000_000);
  const claims = claimsOf(arm.token);
  expect(claims).toMatchObject({
    aud: 'https://management.azure.com/',
    iss: `https://sts.windows.net/${fake.tenantId}/`,
    tid: fake.tenantId,
    appid: 'app-1',
    idtyp: 'app',
  });
  expect(claims.exp).toBeGreaterThan(Date.now() / 1000);

  const storage = await credential.getToken('https://storage.azure.com/.default');
  expect(claimsOf(storage.token).aud).toBe('https://storage.azure.com/');

  // What MSAL asked for: the authority metadata, then the token endpoint (no instance discovery).
  expect(fake.requests.filter((r) => r.kind === 'identity').map((r) => `${r.method} ${r.path}`)).toEqual([
    `GET /${fake.tenantId}/v2.0/.well-known/openid-configuration`,
    `POST /${fake.tenantId}/oauth2/v2.0/token`,
    `POST /${fake.tenantId}/oauth2/v2.0/token`,
  ]);
});

it('a wrong secret fails with AADSTS7000215 invalid_client', async () => {
  const credential = fakeCredential(fake, { clientId: 'app-2', secret: 'right' });
  await credential.getToken('https://management.azure.com/.default'); // registered
  const wrong = new ClientSecretCredential(fake.tenantId, 'app-2', 'wrong', {
    authorityHost: fake.url,
    disableInstanceDiscovery: true,
    ...trustTestCa(fake.caPem),
  });
  const err = await wrong.getToken('https://management.azure.com/.default').catch((e) => e);
  // identity 4.13 + msal-node 5 surface an Entra ServerError as AuthenticationRequiredError
  // whose message carries the AADSTS text (the same happens against the real endpoint).
  expect(err).toBeInstanceOf(AuthenticationRequiredError);
  expect(err.message).toMatch(/invalid_client.*AADSTS7000215: Invalid client secret provided/s);
  const last = fake.requests[fake.requests.length - 1];
  expect(last).toMatchObject({ kind: 'identity', method: 'POST', status: 401 });
});

it('an unknown application fails with AADSTS700016 and an unknown tenant with AADSTS90002', async () => {
  const unknownApp = new ClientSecretCredential(fake.tenantId, 'nobody', 'x', {
    authorityHost: fake.url,
    disableInstanceDiscovery: true,
    ...trustTestCa(fake.caPem),
  });
  await expect(unknownApp.getToken('https://management.azure.com/.default')).rejects.toThrow(/AADSTS700016/);

  const res = await fetchJson(`/not-the-tenant/oauth2/v2.0/token`, 'client_id=app-1&client_secret=s3cret&grant_type=client_credentials&scope=https%3A%2F%2Fmanagement.azure.com%2F.default');
  expect(res.status).toBe(400);
  expect(res.body).toMatchObject({ error: 'invalid_request', error_codes: [90002] });
  expect(res.body.error_description).toMatch(/^AADSTS90002: Tenant 'not-the-tenant' not found\..*Trace ID: .*Correlation ID: .*Timestamp: /);
});

it('client credentials need a /.default scope of a known resource', async () => {
  const post = (scope: string) =>
    fetchJson(`/${fake.tenantId}/oauth2/v2.0/token`, `client_id=app-1&client_secret=s3cret&grant_type=client_credentials&scope=${encodeURIComponent(scope)}`);
  expect((await post('https://management.azure.com/user_impersonation')).body).toMatchObject({ error: 'invalid_scope', error_codes: [1002012] });
  expect((await post('https://vault.azure.net/.default')).body).toMatchObject({ error: 'invalid_resource', error_codes: [500011] });
  const ok = await post('https://management.azure.com/.default');
  expect(ok.body).toMatchObject({ token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599 });
});

it('answers instance discovery and v1 metadata for clients that ask', async () => {
  const disco = await fetchJson(`/common/discovery/instance?api-version=1.1&authorization_endpoint=${encodeURIComponent(`${fake.url}/${fake.tenantId}/oauth2/v2.0/authorize`)}`);
  expect(disco.body.tenant_discovery_endpoint).toBe(`${fake.url}/${fake.tenantId}/v2.0/.well-known/openid-configuration`);
  const v1 = await fetchJson(`/${fake.tenantId}/.well-known/openid-configuration`);
  expect(v1.body.token_endpoint).toBe(`${fake.url}/${fake.tenantId}/oauth2/token`);
});

/** A raw HTTPS request to the fake (fetch cannot take a CA in Node 20). */
async function fetchJson(path: string, form?: string): Promise<{ status: number; body: Record<string, unknown> & { error_description?: string; tenant_discovery_endpoint?: string; token_endpoint?: string } }> {
  const https = await import('node:https');
  return new Promise((resolve, reject) => {
    const req = https.request(
      `${fake.url}${path}`,
      {
        method: form ? 'POST' : 'GET',
        ca: fake.caPem,
        headers: form ? { 'content-type': 'application/x-www-form-urlencoded' } : {},
      },
      (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text || '{}') }));
      },
    );
    req.on('error', reject);
    req.end(form);
  });
}
