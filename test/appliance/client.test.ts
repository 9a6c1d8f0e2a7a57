/**
 * The SOAP client against the appliance fake, in process: envelopes escaped by the XML builder,
 * the session token on every call, a session that expired renewed once, faults and refusals as
 * elm's errors, and the trace with every secret masked.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildEnvelope, parseXml, child, textOf } from '../../src/appliance/envelope';
import { ApplianceError } from '../../src/appliance/errors';
import { queryOsLayers, queryPlatformLayers, queryVersion } from '../../src/appliance/operations';
import { ApplianceSession } from '../../src/appliance/session';
import { maskXml } from '../../src/appliance/trace';
import { ExitCode } from '../../src/domain/errors';
import { testCerts } from '../support/azure/certs';
import { ApplianceFake, API_PATH, startApplianceFake } from '../support/appliance/server';

const NASTY = `p&<>"'ss]]></Password><Password>x`;

describe('appliance SOAP client', () => {
  let fake: ApplianceFake;
  let dir: string;
  beforeAll(async () => {
    fake = await startApplianceFake({
      users: { administrator: NASTY },
      osLayers: [{ id: '11', name: 'Windows 11' }],
      platformLayers: [{ id: '21', name: 'Citrix VDA' }, { id: '22', name: 'Azure tools & <more>' }],
    });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'elm-appliance-unit-'));
  });
  afterAll(async () => {
    await fake.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const session = (extra: Partial<ConstructorParameters<typeof ApplianceSession>[0]> = {}) =>
    new ApplianceSession({
      name: 'corp',
      url: new URL(`https://${fake.host}${API_PATH}`),
      user: 'administrator',
      password: NASTY,
      passwordEnv: 'ELM_APPLIANCE_PASSWORD',
      ca: testCerts().caPem,
      timeoutMs: 20_000,
      ...extra,
    });

  it('escapes every value: the envelope parses back to the same password', () => {
    const xml = buildEnvelope({ operation: 'Login', wrapper: 'command', fields: { UserName: 'a', Password: NASTY } });
    const cmd = child(child(child(child(parseXml(xml), 'Envelope'), 'Body'), 'Login'), 'command');
    expect(textOf(cmd, 'Password')).toBe(NASTY);
    expect(xml).not.toContain(NASTY);
  });

  it('logs in with a password holding &<>"\' and sends the token and cookie on later calls', async () => {
    const s = session();
    expect(await queryPlatformLayers(s)).toEqual([
      { id: '21', name: 'Citrix VDA' },
      { id: '22', name: 'Azure tools & <more>' },
    ]);
    const last = fake.calls('QueryPlatformLayers').at(-1)!;
    expect(last.headers.unidesk_token).toBeTruthy();
    expect(String(last.headers.cookie)).toMatch(/^UMSESSIONID=/);
    expect(last.headers.soapaction).toBe('"http://www.unidesk.com/QueryPlatformLayers"');
  });

  it('a wrong password is the appliance refusing the login, naming the variable', async () => {
    const s = session({ password: 'wrong' });
    const e = await s.login().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ApplianceError);
    expect((e as Error).message).toMatch(/refused the login of administrator: .*InvalidCredentials.*\$ELM_APPLIANCE_PASSWORD/);
    expect((e as ApplianceError).exitCode).toBe(ExitCode.failed);
  });

  it('renews an expired session once, silently, and repeats the call', async () => {
    const s = session();
    await queryOsLayers(s);
    const logins = fake.calls('Login').length;
    fake.expireSessions();
    expect(await queryOsLayers(s)).toEqual([{ id: '11', name: 'Windows 11' }]);
    expect(fake.calls('Login').length).toBe(logins + 1);
    expect(fake.calls('QueryOsLayers').at(-2)!.refused).toBe('InvalidSession');
  });

  it('calls sent together log in once, and renew an expired session once', async () => {
    const s = session();
    const logins = fake.calls('Login').length;
    const lists = await Promise.all([queryOsLayers(s), queryPlatformLayers(s), queryOsLayers(s), queryVersion(s)]);
    expect(lists[0]).toEqual([{ id: '11', name: 'Windows 11' }]);
    expect(fake.calls('Login').length).toBe(logins + 1);
    fake.expireSessions();
    await Promise.all([queryOsLayers(s), queryPlatformLayers(s), queryOsLayers(s)]);
    expect(fake.calls('Login').length).toBe(logins + 2);
  });

  it('a session that cannot be renewed fails once instead of looping', async () => {
    const s = session();
    await queryOsLayers(s);
    const before = fake.requests.length;
    const original = fake.opts.sessionTtlMs;
    fake.opts.sessionTtlMs = -1; // every session is already expired when used
    try {
      const e = await queryOsLayers(s).catch((x: unknown) => x);
      expect((e as Error).message).toMatch(/InvalidSession/);
      expect(fake.requests.length - before).toBe(3); // the call, one login, the call again
    } finally {
      fake.opts.sessionTtlMs = original;
    }
  });

  it('reads the version', async () => {
    expect(await queryVersion(session())).toBe('2411.0.0.1');
  });

  it('a misspelt element is a SOAP fault from the fake, reported in one line', async () => {
    const s = session();
    const e = await s.call({ operation: 'QueryOsLayers', wrapper: 'query', fields: { ResourceFarmID: 0 } }).catch((x: unknown) => x);
    expect((e as Error).message).toMatch(/^The appliance rejected QueryOsLayers \(SOAP fault\): .*ResourceFarmID.* was not expected/);
    expect((e as Error).message).not.toContain('\n');
  });

  it('a wrong type is a SOAP fault', async () => {
    const e = await session().call({ operation: 'QueryOsLayers', wrapper: 'query', fields: { ResourceFarmId: 'zero' } }).catch((x: unknown) => x);
    expect((e as Error).message).toMatch(/SOAP fault.*'zero' is not a valid/);
  });

  it('an operation the fake does not serve is a SOAP fault', async () => {
    const e = await session().call({ operation: 'DeleteEverything', wrapper: 'command', fields: {} }).catch((x: unknown) => x);
    expect((e as Error).message).toMatch(/SOAP fault.*did not recognize the value of HTTP Header SOAPAction/);
  });

  it('the trace holds every exchange with passwords, tokens and cookies masked', async () => {
    const file = path.join(dir, 'trace.log');
    const s = session({ traceFile: file });
    await queryPlatformLayers(s);
    fake.expireSessions();
    await queryPlatformLayers(s);
    const trace = fs.readFileSync(file, 'utf8');
    expect(trace).toContain('Login POST');
    expect(trace).toContain('QueryPlatformLayers POST');
    expect(trace).toContain('<Password>***</Password>');
    expect(trace).toContain('<Token>***</Token>');
    expect(trace).toMatch(/UNIDESK_TOKEN: \*\*\*/);
    expect(trace).toMatch(/set-cookie: \*\*\*/);
    for (const r of fake.requests) {
      const token = r.headers.unidesk_token;
      if (typeof token === 'string') expect(trace).not.toContain(token);
      const cookie = r.headers.cookie;
      if (typeof cookie === 'string') expect(trace).not.toContain(cookie.split('=')[1]);
    }
    expect(trace).not.toContain('p&amp;&lt;');
    expect(trace).not.toContain(NASTY);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  });

  it('masks secrets however they are written (prefix, CDATA, entities)', () => {
    const masked = maskXml('<a:Login xmlns:a="u"><a:Password><![CDATA[s3cr&t]]></a:Password><x>keep</x><Token>t&amp;k</Token></a:Login>');
    expect(masked).not.toMatch(/s3cr|t&amp;k/);
    expect(masked).toContain('keep');
  });
});
