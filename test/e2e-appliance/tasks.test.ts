/**
 * `task show|wait|cancel ID --appliance NAME` through the real binary: the task is the appliance's
 * work ticket, read with the same JSON fields as a local task ({id, kind, state, description});
 * wait ends at ActionRequired or a terminal state, --timeout is exit 4, cancel is CancelWorkTickets.
 */
import { elm, oneLine, stateBytes, tempHome, type CliResult } from '../support/cli';
import { ApplianceFake, startApplianceFake } from '../support/appliance/server';

jest.setTimeout(120_000);

const LINK = 'Packaging disk ready: https://portal.azure.com/#create/Microsoft.Template/uri/https%3A%2F%2Felmdisks.blob.core.windows.net%2Felm%2Fazplat.json';
const HOUR = 3_600_000;

function expectCode(r: CliResult, code: number): void {
  if (r.code !== code) throw new Error(`expected exit ${code}, got ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
}

describe('--appliance: tasks are work tickets', () => {
  let fake: ApplianceFake;
  let t: { dir: string; home: string; cleanup(): Promise<void> };
  let run: (args: string[], env?: NodeJS.ProcessEnv) => Promise<CliResult>;

  beforeAll(async () => {
    fake = await startApplianceFake({
      workTickets: [
        { id: '301', title: 'CreatePlatformLayerWorkTicketDescription', args: ['Azure tools'], steps: [{ state: 'Running', status: 'Creating the packaging disk', atMs: 0 }, { state: 'ActionRequired', status: LINK, atMs: 1500 }] },
        { id: '302', title: 'CreatePlatformLayerWorkTicketDescription', args: ['Slow'], steps: [{ state: 'Running', status: 'Copying', atMs: 0 }, { state: 'ActionRequired', atMs: HOUR }] },
        { id: '303', title: 'FinalizeLayerRevisionWorkTicketDescription', steps: [{ state: 'Failed', status: 'The layer disk could not be found on the file share', atMs: 0 }] },
      ],
    });
    t = await tempHome('elm-appliance-tasks-');
    run = (args, env = {}) => elm(args, { home: t.home, env: { NODE_EXTRA_CA_CERTS: fake.caCertPath, ELM_APPLIANCE_PASSWORD: 'Unidesk1', ELM_APPLIANCE: 'corp', ...env } });
    expectCode(await run(['appliance', 'add', '--name', 'corp', '--server', fake.host, '--user', 'administrator']), 0);
  });
  afterAll(async () => {
    await fake?.stop();
    await t?.cleanup();
  });

  it('task show: the ticket as a task', async () => {
    const r = await run(['task', 'show', '302', '--json']);
    expectCode(r, 0);
    expect(JSON.parse(r.stdout)).toEqual({ id: '302', kind: 'CreatePackagingDisk', state: 'Running', description: 'Copying' });
  });

  it('task wait: until the ticket needs the operator, the description being what the appliance wrote', async () => {
    const r = await run(['task', 'wait', '301', '--json']);
    expectCode(r, 0);
    expect(JSON.parse(r.stdout)).toEqual({ id: '301', kind: 'CreatePackagingDisk', state: 'ActionRequired', description: LINK });
    const shown = await run(['task', 'show', '301']);
    expect(shown.stdout).toContain('Task 301 CreatePackagingDisk: ActionRequired');
    expect(shown.stdout).toContain('https://portal.azure.com/#create/');
  });

  it('task wait --timeout: exit 4, one line, the ticket left running', async () => {
    const r = await run(['task', 'wait', '302', '--timeout', '2s']);
    expectCode(r, 4);
    expect(oneLine(r.stderr)).toBe(true);
    expect(r.stderr).toMatch(/Task 302 is still Running on the appliance after 2 s/);
    expect(fake.calls('CancelWorkTickets')).toHaveLength(0);
  });

  it('a failed ticket: task wait exits 1 with the appliance\'s words', async () => {
    const r = await run(['task', 'wait', '303', '--json']);
    expectCode(r, 1);
    expect(JSON.parse(r.stdout)).toMatchObject({ id: '303', state: 'Failed', description: 'The layer disk could not be found on the file share' });
  });

  it('task cancel: CancelWorkTickets with the ticket id, then Canceled', async () => {
    const r = await run(['task', 'cancel', '302', '--json']);
    expectCode(r, 0);
    const sent = fake.calls('CancelWorkTickets');
    expect(sent).toHaveLength(1);
    expect(sent[0].body).toContain('<WorkTicketIds><long>302</long></WorkTicketIds>');
    expect(['Canceling', 'Canceled']).toContain(JSON.parse(r.stdout).state);
    const after = await run(['task', 'wait', '302', '--json']);
    expectCode(after, 1);
    expect(JSON.parse(after.stdout).state).toBe('Canceled');
  });

  it('an id the appliance does not have: exit 2, one line, nothing recorded locally', async () => {
    const before = await stateBytes(t.home);
    for (const id of ['999', 'abc']) {
      const r = await run(['task', 'show', id]);
      expectCode(r, 2);
      expect(oneLine(r.stderr)).toBe(true);
    }
    expect(await stateBytes(t.home)).toEqual(before);
  });
});
