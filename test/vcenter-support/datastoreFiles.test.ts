import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import { Readable } from 'node:stream';
import type { VCenterFake } from '../support/vcenter';
import { ADMIN, ADMIN_PW, basic, login, request, standardFake } from './helpers';

const MiB = 1024 * 1024;
const Q = '?dcPath=DC1&dsName=ds1';

/** 32 MiB of random bytes sent as a chunked body (no Content-Length), 1 MiB at a time. */
function chunked(data: Buffer): Readable {
  let offset = 0;
  return new Readable({
    read() {
      if (offset >= data.length) return void this.push(null);
      this.push(data.subarray(offset, offset + MiB));
      offset += MiB;
    },
  });
}

describe('vCenter fake: datastore file access (/folder)', () => {
  let fake: VCenterFake;
  let session: string;
  const data = randomBytes(32 * MiB);
  beforeAll(async () => {
    fake = await standardFake();
    session = await login(fake);
    fake.putDatastoreFile('DC1', 'ds1', 'elm/keep.txt', 'a folder that exists'); // uploads go into existing folders
  });
  afterAll(() => fake.stop());

  it('requires a session (header, cookie) or Basic credentials', async () => {
    const anon = await request(fake, `/folder/elm/a.bin${Q}`, { method: 'PUT', body: 'x' });
    expect(anon.status).toBe(401);
    expect(anon.headers['www-authenticate']).toMatch(/Basic/);
    expect((await request(fake, `/folder/elm/a.bin${Q}`, { method: 'PUT', body: 'x', session: 'bogus' })).status).toBe(401);
    expect((await request(fake, `/folder/elm/a.bin${Q}`, { method: 'PUT', body: 'abc', headers: { cookie: `vmware_soap_session="${session}"` } })).status).toBe(201);
    const viaBasic = await request(fake, `/folder/elm/a.bin${Q}`, { headers: basic(ADMIN, ADMIN_PW) });
    expect(viaBasic.status).toBe(200);
    expect(viaBasic.body.toString()).toBe('abc');
    expect((await request(fake, `/folder/elm/a.bin${Q}`, { headers: basic(ADMIN, 'nope') })).status).toBe(401);
  });

  it('refuses a PUT into a folder that does not exist (a PUT creates no folder); the root always exists', async () => {
    const missing = await request(fake, `/folder/PKG-01/pvs%20platform.vmdk${Q}`, { method: 'PUT', session, body: 'x' });
    expect(missing.status).toBe(404);
    expect(missing.body.toString()).toBe('folder [ds1] PKG-01 not found: create it first');
    expect(fake.datastoreFiles().some((f) => f.path.startsWith('PKG-01/'))).toBe(false);
    expect((await request(fake, `/folder/${Q}`, { method: 'HEAD', session })).status).toBe(200);
  });

  it('uploads 32 MiB chunked into an existing folder and streams the same bytes back', async () => {
    fake.putDatastoreFile('DC1', 'ds1', 'PKG-01/PKG-01.vmx', 'vmx');
    const put = await request(fake, `/folder/PKG-01/pvs%20platform.vmdk${Q}`, { method: 'PUT', session, body: chunked(data) });
    expect(put.status).toBe(201);
    const rec = fake.requests.filter((r) => r.method === 'PUT').pop()!;
    expect(rec.headers['transfer-encoding']).toBe('chunked');
    expect(rec.headers['content-length']).toBeUndefined();
    const entry = fake.datastoreFiles().find((f) => f.path === 'PKG-01/pvs platform.vmdk');
    expect(entry).toMatchObject({ datacenter: 'DC1', datastore: 'ds1', dsPath: '[ds1] PKG-01/pvs platform.vmdk', size: 32 * MiB });
    expect(createHash('sha256').update(fs.readFileSync(entry!.localPath)).digest('hex')).toBe(createHash('sha256').update(data).digest('hex'));

    const get = await request(fake, `/folder/PKG-01/pvs%20platform.vmdk${Q}`, { session });
    expect(get.status).toBe(200);
    expect(get.headers['content-length']).toBe(String(32 * MiB));
    expect(get.headers['accept-ranges']).toBe('bytes');
    expect(get.body.length).toBe(data.length);
    expect(Buffer.compare(get.body, data)).toBe(0);

    const again = await request(fake, `/folder/PKG-01/pvs%20platform.vmdk${Q}`, { method: 'PUT', session, body: data.subarray(0, MiB) });
    expect(again.status).toBe(200); // overwrite
    expect(fake.datastoreFiles().find((f) => f.path === 'PKG-01/pvs platform.vmdk')?.size).toBe(MiB);
  });

  it('serves byte ranges (206), suffix ranges, and 416 past the end', async () => {
    await request(fake, `/folder/r.bin${Q}`, { method: 'PUT', session, body: data.subarray(0, 1000) });
    const mid = await request(fake, `/folder/r.bin${Q}`, { session, headers: { range: 'bytes=100-199' } });
    expect(mid.status).toBe(206);
    expect(mid.headers['content-range']).toBe('bytes 100-199/1000');
    expect(Buffer.compare(mid.body, data.subarray(100, 200))).toBe(0);
    const open = await request(fake, `/folder/r.bin${Q}`, { session, headers: { range: 'bytes=990-' } });
    expect(Buffer.compare(open.body, data.subarray(990, 1000))).toBe(0);
    const tail = await request(fake, `/folder/r.bin${Q}`, { session, headers: { range: 'bytes=-10' } });
    expect(tail.headers['content-range']).toBe('bytes 990-999/1000');
    expect((await request(fake, `/folder/r.bin${Q}`, { session, headers: { range: 'bytes=1000-' } })).status).toBe(416);
    const head = await request(fake, `/folder/r.bin${Q}`, { method: 'HEAD', session });
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe('1000');
  });

  it('answers 404 for a missing file, datastore or datacenter (names are case-sensitive)', async () => {
    expect((await request(fake, `/folder/none.vmdk${Q}`, { session })).status).toBe(404);
    expect((await request(fake, '/folder/r.bin?dcPath=DC1&dsName=DS1', { session })).status).toBe(404);
    expect((await request(fake, '/folder/r.bin?dcPath=dc1&dsName=ds1', { session })).status).toBe(404);
    expect((await request(fake, '/folder/r.bin', { session })).status).toBe(400);
  });

  it('lists a folder and deletes files', async () => {
    const list = await request(fake, `/folder/PKG-01${Q}`, { session });
    expect(list.status).toBe(200);
    expect(list.headers['content-type']).toBe('text/html');
    expect(list.body.toString()).toContain('pvs platform.vmdk');
    expect((await request(fake, `/folder/r.bin${Q}`, { method: 'DELETE', session })).status).toBe(204);
    expect((await request(fake, `/folder/r.bin${Q}`, { session })).status).toBe(404);
    expect((await request(fake, `/folder/r.bin${Q}`, { method: 'DELETE', session })).status).toBe(404);
  });
});
