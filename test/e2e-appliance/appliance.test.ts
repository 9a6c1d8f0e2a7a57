/**
 * `elm appliance add|list|show|test|remove` through the real binary against the appliance fake:
 * the password only in its variable, the certificate verified (CA file or NODE_EXTRA_CA_CERTS),
 * and each failure an operator meets (bad password, untrusted certificate, an appliance that stops
 * answering, a session that expires mid-command) one line with its exit code.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { elm, oneLine, stateBytes, tempHome, type CliResult } from '../support/cli';
import { ApplianceFake, startApplianceFake } from '../support/appliance/server';

jest.setTimeout(120_000);

const PASSWORD = `Un&<>"'d1`;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Doc = any;

function expectCode(r: CliResult, code: number): void {
  if (r.code !== code) throw new Error(`expected exit ${code}, got ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
}

describe('elm appliance', () => {
  let fake: ApplianceFake;
  let t: { dir: string; home: string; cleanup(): Promise<void> };
  let run: (args: string[], env?: NodeJS.ProcessEnv) => Promise<CliResult>;

  beforeAll(async () => {
    fake = await startApplianceFake({
      users: { administrator: PASSWORD },
      fileShares: [{ id: '1', name: 'Default', path: '\\\\files\\al' }],
      connectors: [{ id: 'c1', name: 'Azure West', type: 'Azure' }],
      osLayers: [{ id: '11', name: 'Windows 11' }],
    });
    t = await tempHome('elm-appliance-e2e-');
    run = (args, env = {}) => elm(args, { home: t.home, env: { NODE_EXTRA_CA_CERTS: fake.caCertPath, ELM_APPLIANCE_PASSWORD: PASSWORD, ...env } });
  });
  afterAll(async () => {
    await fake?.stop();
    await t?.cleanup();
  });

  it('adds an appliance: where and as whom, never the password', async () => {
    const r = await run(['appliance', 'add', '--name', 'corp', '--server', fake.host, '--user', 'administrator', '--json']);
    expectCode(r, 0);
    const doc: Doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ name: 'corp', url: `https://${fake.host}/Unidesk.Web/API.asmx`, user: 'administrator', passwordEnv: 'ELM_APPLIANCE_PASSWORD', caFile: null });
    const state = (await stateBytes(t.home))!.toString();
    expect(state).not.toContain('Un&');
    expect(JSON.parse(state).appliances).toHaveLength(1);
    const list = await run(['appliance', 'list', '--json']);
    expect(JSON.parse(list.stdout).map((a: Doc) => a.name)).toEqual(['corp']);
    const show = await run(['appliance', 'show', 'corp']);
    expectCode(show, 0);
    expect(show.stdout).toContain(`https://${fake.host}/Unidesk.Web/API.asmx`);
  });

  it.each([
    ['plain http', ['--server', 'http://elm01.corp.local'], /https only/],
    ['a duplicate name', ['--server', 'elm02'], /already exists/],
    ['a CA file that is not PEM', ['--server', 'elm02', '--ca-file', 'package.json'], /holds no PEM certificate/],
    ['a password variable that is not a name', ['--server', 'elm02', '--password-env', 'a password'], /NAME of an environment variable/],
  ])('refuses %s: exit 2, one line, state untouched', async (_what, extra, said) => {
    const before = await stateBytes(t.home);
    const name = _what === 'a duplicate name' ? 'corp' : 'other';
    const r = await run(['appliance', 'add', '--name', name, '--user', 'u', ...extra]);
    expectCode(r, 2);
    expect(oneLine(r.stderr)).toBe(true);
    expect(r.stderr).toMatch(said);
    expect(await stateBytes(t.home)).toEqual(before);
  });

  it('test: logs in with a password holding &<>"\' and lists what the flow needs', async () => {
    const r = await run(['appliance', 'test', 'corp']);
    expectCode(r, 0);
    expect(r.stdout).toMatch(/^✓ login: administrator at 127\.0\.0\.1:\d+$/m);
    expect(r.stdout).toMatch(/^✓ version: 2411\.0\.0\.1$/m);
    expect(r.stdout).toMatch(/^✓ file shares: 1 \(Default\)$/m);
    expect(r.stdout).toMatch(/^✓ platform connector configurations: 1 \(Azure West\)$/m);
    expect(r.stdout).toMatch(/^✓ OS layers: 1 \(Windows 11\)$/m);
    expect(r.stderr).toContain('is ready for the layer flow');
  });

  it('test --json: one document, no password, token or cookie', async () => {
    const trace = path.join(t.dir, 'trace.log');
    const r = await run(['appliance', 'test', 'corp', '--json'], { ELM_APPLIANCE_TRACE: trace });
    expectCode(r, 0);
    const doc: Doc = JSON.parse(r.stdout);
    expect(doc.ok).toBe(true);
    expect(doc.checks.map((c: Doc) => c.name)).toEqual(['login', 'version', 'file shares', 'platform connector configurations', 'OS layers']);
    const text = await fs.readFile(trace, 'utf8');
    expect(text).toContain('QueryOsLayers POST');
    const tokens = fake.requests.map((q) => q.headers.unidesk_token).filter((x): x is string => typeof x === 'string');
    const cookies = fake.requests.map((q) => q.headers.cookie).filter((x): x is string => typeof x === 'string');
    expect(tokens.length).toBeGreaterThan(0);
    for (const secret of [...tokens, ...cookies.map((c) => c.split('=')[1]), 'Un&amp;', PASSWORD]) {
      expect(text).not.toContain(secret);
      expect(r.stdout + r.stderr).not.toContain(secret);
    }
  });

  it('test trusts the appliance through --ca-file, without NODE_EXTRA_CA_CERTS', async () => {
    expectCode(await run(['appliance', 'add', '--name', 'pinned', '--server', `https://${fake.host}/`, '--user', 'administrator', '--ca-file', fake.caCertPath]), 0);
    const r = await run(['appliance', 'test', 'pinned'], { NODE_EXTRA_CA_CERTS: '' });
    expectCode(r, 0);
    expect(r.stdout).toContain('✓ OS layers');
  });

  it('an untrusted certificate: exit 1, one line saying how to trust it', async () => {
    const r = await run(['appliance', 'test', 'corp'], { NODE_EXTRA_CA_CERTS: '' });
    expectCode(r, 1);
    expect(oneLine(r.stderr)).toBe(true);
    expect(r.stderr).toMatch(/certificate of the appliance "corp" .* is not trusted .*--ca-file .*NODE_EXTRA_CA_CERTS/);
  });

  it('a bad password: exit 1, one line naming the variable, the password nowhere', async () => {
    const r = await run(['appliance', 'test', 'corp'], { ELM_APPLIANCE_PASSWORD: 'wrong&<pw>' });
    expectCode(r, 1);
    expect(oneLine(r.stderr)).toBe(true);
    expect(r.stderr).toMatch(/refused the login of administrator: .*\(InvalidCredentials\).*\$ELM_APPLIANCE_PASSWORD/);
    expect(r.stdout + r.stderr).not.toContain('wrong&<pw>');
  });

  it('no password set: exit 2 naming the variable, nothing sent', async () => {
    const before = fake.requests.length;
    const r = await run(['appliance', 'test', 'corp'], { ELM_APPLIANCE_PASSWORD: '' });
    expectCode(r, 2);
    expect(r.stderr).toContain('export ELM_APPLIANCE_PASSWORD');
    expect(fake.requests.length).toBe(before);
  });

  it('a session that expires mid-command is renewed once, silently', async () => {
    fake.opts.sessionCalls = 2;
    try {
      const logins = fake.calls('Login').length;
      const r = await run(['appliance', 'test', 'corp']);
      expectCode(r, 0);
      expect(r.stderr).not.toMatch(/session|error/i);
      expect(fake.calls('Login').length - logins).toBe(2);
    } finally {
      fake.opts.sessionCalls = undefined;
    }
  });

  it('an appliance that stops answering: bounded, one line, exit 1', async () => {
    fake.stalled = true;
    try {
      const r = await run(['appliance', 'test', 'corp'], { ELM_APPLIANCE_TIMEOUT: '2s' });
      expectCode(r, 1);
      expect(oneLine(r.stderr)).toBe(true);
      expect(r.stderr).toMatch(/The appliance "corp" \(127\.0\.0\.1:\d+\) did not answer within 2 s/);
    } finally {
      fake.stalled = false;
    }
  });

  it('an appliance without what the flow needs: ✗ naming the fix, exit 1', async () => {
    const empty = await startApplianceFake({ users: { administrator: PASSWORD } });
    try {
      expectCode(await run(['appliance', 'add', '--name', 'bare', '--server', empty.host, '--user', 'administrator']), 0);
      const r = await run(['appliance', 'test', 'bare']);
      expectCode(r, 1);
      expect(r.stdout).toMatch(/^✗ file shares: none; add one in the management console/m);
      expect(r.stdout).toMatch(/^✗ OS layers: none/m);
    } finally {
      await empty.stop();
    }
  });

  it('remove forgets the appliance only', async () => {
    const r = await run(['appliance', 'remove', 'pinned', '--yes']);
    expectCode(r, 0);
    const names = JSON.parse((await run(['appliance', 'list', '--json'])).stdout).map((a: Doc) => a.name);
    expect(names).not.toContain('pinned');
    const missing = await run(['appliance', 'test', 'pinned']);
    expectCode(missing, 2);
    expect(missing.stderr).toMatch(/No appliance named "pinned"/);
  });
});
