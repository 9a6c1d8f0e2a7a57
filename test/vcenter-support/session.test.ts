import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { VCenterFake } from '../support/vcenter';
import { ADMIN, ADMIN_PW, basic, login, request, standardFake } from './helpers';

describe('vCenter fake: sessions', () => {
  let fake: VCenterFake;
  beforeAll(async () => {
    fake = await standardFake();
  });
  afterAll(() => fake.stop());

  it('creates a session with Basic auth: 201 and the id as a JSON string', async () => {
    const r = await request(fake, '/api/session', { method: 'POST', headers: basic(ADMIN, ADMIN_PW) });
    expect(r.status).toBe(201);
    expect(r.headers['content-type']).toBe('application/json');
    const id = r.json<string>();
    expect(typeof id).toBe('string');
    expect(id.length).toBeGreaterThan(16);
    const info = await request(fake, '/api/session', { session: id });
    expect(info.status).toBe(200);
    expect(info.json()).toMatchObject({ user: ADMIN });
  });

  it('accepts the SSO user name in any case, the password only exactly', async () => {
    expect((await request(fake, '/api/session', { method: 'POST', headers: basic(ADMIN.toUpperCase(), ADMIN_PW) })).status).toBe(201);
    const bad = await request(fake, '/api/session', { method: 'POST', headers: basic(ADMIN, ADMIN_PW.toLowerCase()) });
    expect(bad.status).toBe(401);
  });

  it('refuses bad credentials with 401 UNAUTHENTICATED', async () => {
    const r = await request(fake, '/api/session', { method: 'POST', headers: basic(ADMIN, 'wrong') });
    expect(r.status).toBe(401);
    expect(r.json()).toMatchObject({ error_type: 'UNAUTHENTICATED', messages: [expect.objectContaining({ default_message: expect.any(String) })] });
    const none = await request(fake, '/api/session', { method: 'POST' });
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toMatch(/Basic/);
  });

  it('refuses API calls without a session, or with an unknown one', async () => {
    for (const session of [undefined, 'not-a-session']) {
      const r = await request(fake, '/api/vcenter/datacenter', { session });
      expect(r.status).toBe(401);
      expect(r.json()).toMatchObject({ error_type: 'UNAUTHENTICATED' });
    }
  });

  it('ends a session with DELETE; the id is refused afterwards', async () => {
    const id = await login(fake);
    expect((await request(fake, '/api/vcenter/datacenter', { session: id })).status).toBe(200);
    const del = await request(fake, '/api/session', { method: 'DELETE', session: id });
    expect(del.status).toBe(204);
    expect((await request(fake, '/api/vcenter/datacenter', { session: id })).status).toBe(401);
  });

  it('expireSessions() forces a new login', async () => {
    const id = await login(fake);
    fake.expireSessions();
    expect((await request(fake, '/api/vcenter/datacenter', { session: id })).status).toBe(401);
    const again = await login(fake);
    expect((await request(fake, '/api/vcenter/datacenter', { session: again })).status).toBe(200);
  });

  it('is trusted by a spawned Node process through NODE_EXTRA_CA_CERTS (global fetch)', async () => {
    const script = `fetch(process.argv[1] + '/api/session', { method: 'POST', headers: { authorization: process.argv[2] } })
      .then(async (r) => console.log(r.status, typeof (await r.json())))`;
    const { stdout } = await promisify(execFile)(process.execPath, ['-e', script, fake.url, basic(ADMIN, ADMIN_PW).authorization], {
      env: { ...process.env, NODE_OPTIONS: '', NODE_EXTRA_CA_CERTS: fake.caCertPath },
    });
    expect(stdout.trim()).toBe('201 string');
  });

  it('answers unknown operations with OPERATION_NOT_FOUND', async () => {
    const id = await login(fake);
    const r = await request(fake, '/api/vcenter/nothing-here', { session: id });
    expect(r.status).toBe(404);
    expect(r.json()).toMatchObject({ error_type: 'OPERATION_NOT_FOUND' });
  });
});
