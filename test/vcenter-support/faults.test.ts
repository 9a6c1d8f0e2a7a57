import { randomBytes } from 'node:crypto';
import type { VCenterFake } from '../support/vcenter';
import { ADMIN, ADMIN_PW, basic, login, request, standardFake } from './helpers';

const MiB = 1024 * 1024;
const Q = '?dcPath=DC1&dsName=ds1';

describe('vCenter fake: fault injection and request log', () => {
  let fake: VCenterFake;
  let session: string;
  beforeEach(async () => {
    fake = await standardFake();
    session = await login(fake);
  });
  afterEach(() => fake.stop());

  it('fails a matching request `times` times with the vAPI error document and given headers', async () => {
    fake.fail({ method: 'GET', path: '/api/vcenter/datacenter', status: 503, times: 2, headers: { 'retry-after': '1' } });
    for (let i = 0; i < 2; i++) {
      const r = await request(fake, '/api/vcenter/datacenter?names=DC1', { session });
      expect(r.status).toBe(503);
      expect(r.headers['retry-after']).toBe('1');
      expect(r.json()).toMatchObject({ error_type: 'SERVICE_UNAVAILABLE', messages: [expect.objectContaining({ default_message: expect.any(String) })] });
    }
    expect((await request(fake, '/api/vcenter/datacenter?names=DC1', { session })).status).toBe(200);
    const log = fake.requests.filter((r) => r.path === '/api/vcenter/datacenter');
    expect(log.map((r) => [r.status, r.fault])).toEqual([[503, 'fail'], [503, 'fail'], [200, undefined]]);
    expect(log[2]).toMatchObject({ method: 'GET', url: '/api/vcenter/datacenter?names=DC1', user: ADMIN });
  });

  it('matches a RegExp against path and query, only for the given method', async () => {
    fake.fail({ method: 'PUT', path: /^\/folder\/.*\.vmdk\?/, status: 500, body: 'disk full' });
    expect((await request(fake, `/folder/a.vmdk${Q}`, { session })).status).toBe(404); // GET untouched
    const r = await request(fake, `/folder/a.vmdk${Q}`, { method: 'PUT', session, body: randomBytes(2 * MiB) });
    expect(r.status).toBe(500);
    expect(r.body.toString()).toBe('disk full');
    expect((await request(fake, `/folder/a.vmdk${Q}`, { method: 'PUT', session, body: 'ok' })).status).toBe(201);
  });

  it('fails the login itself', async () => {
    fake.fail({ method: 'POST', path: '/api/session', status: 500 });
    const r = await request(fake, '/api/session', { method: 'POST', headers: basic(ADMIN, ADMIN_PW) });
    expect(r.status).toBe(500);
    expect(r.json()).toMatchObject({ error_type: 'INTERNAL_SERVER_ERROR' });
    expect((await request(fake, '/api/session', { method: 'POST', headers: basic(ADMIN, ADMIN_PW) })).status).toBe(201);
  });

  it('drops the connection at once', async () => {
    fake.drop({ path: '/api/vcenter/vm' });
    await expect(request(fake, '/api/vcenter/vm', { session })).rejects.toThrow(/socket hang up|ECONNRESET/);
    expect((await request(fake, '/api/vcenter/vm', { session })).status).toBe(200);
    const dropped = fake.requests.find((r) => r.path === '/api/vcenter/vm')!;
    expect(dropped.fault).toBe('drop');
    expect(dropped.status).toBeUndefined();
  });

  it('drops an upload part-way (a partial file stays), then a retry succeeds', async () => {
    const data = randomBytes(8 * MiB);
    fake.drop({ method: 'PUT', path: '/folder/big.vmdk', afterBytes: 2 * MiB });
    await expect(request(fake, `/folder/big.vmdk${Q}`, { method: 'PUT', session, body: data })).rejects.toThrow();
    await new Promise((r) => setTimeout(r, 50));
    const partial = fake.datastoreFiles().find((f) => f.path === 'big.vmdk');
    expect(partial?.size ?? 0).toBeLessThan(data.length);
    expect((await request(fake, `/folder/big.vmdk${Q}`, { method: 'PUT', session, body: data })).status).toBe(200);
    expect(fake.datastoreFiles().find((f) => f.path === 'big.vmdk')?.size).toBe(data.length);
  });

  it('cuts a download after N bytes; a Range request resumes it', async () => {
    const data = randomBytes(4 * MiB);
    await request(fake, `/folder/dl.vmdk${Q}`, { method: 'PUT', session, body: data });
    fake.drop({ method: 'GET', path: '/folder/dl.vmdk', afterBytes: MiB });
    await expect(request(fake, `/folder/dl.vmdk${Q}`, { session })).rejects.toThrow();
    const rest = await request(fake, `/folder/dl.vmdk${Q}`, { session, headers: { range: `bytes=${MiB}-` } });
    expect(rest.status).toBe(206);
    expect(Buffer.compare(rest.body, data.subarray(MiB))).toBe(0);
  });

  it('clearFaults() removes pending faults', async () => {
    fake.fail({ path: '/api/vcenter/host', status: 500, times: Infinity });
    expect((await request(fake, '/api/vcenter/host', { session })).status).toBe(500);
    fake.clearFaults();
    expect((await request(fake, '/api/vcenter/host', { session })).status).toBe(200);
  });

  it('records JSON bodies of API calls', async () => {
    const again = await login(fake);
    await request(fake, '/api/content/library/item?action=find', { method: 'POST', session: again, body: { name: 'x' } });
    expect(fake.requests.at(-1)).toMatchObject({ method: 'POST', path: '/api/content/library/item', body: { name: 'x' }, status: 200 });
  });
});
