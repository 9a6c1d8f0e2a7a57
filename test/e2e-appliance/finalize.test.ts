/**
 * `finalize --appliance NAME LAYER` through the real binary against the strict fake: a version
 * that is not Finalizable is the appliance's RevisionNotFinalizable refusal (exit 3, one line);
 * a Finalizable one is sent as FinalizeLayerRevision with the disk QueryLayerInstallDisk names,
 * and --wait follows the ticket to Deployable (0), a failed ticket (1), --timeout (4) and Ctrl-C
 * (130, the appliance's task left running, the message saying how to follow it).
 */
import { spawn } from 'node:child_process';
import { BIN, elm, oneLine, stateBytes, tempHome, type CliResult } from '../support/cli';
import { startApplianceFake, type ApplianceFakeOptions } from '../support/appliance/server';

jest.setTimeout(120_000);

function expectCode(r: CliResult, code: number): void {
  if (r.code !== code) throw new Error(`expected exit ${code}, got ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
}

const DISK = { uncPath: '\\\\files01\\elm\\Unidesk\\Packaging Disks', name: 'Azure-tools.vhd' };

function base(): ApplianceFakeOptions {
  return {
    fileShares: [{ id: '1', name: 'Layers', path: '\\\\files01\\elm' }],
    connectors: [{ id: 'c1-guid', name: 'Azure West', type: 'Azure' }],
    osLayers: [{ id: '11', name: 'Windows 11', revisions: [{ id: '111', version: '1.0', state: 'Deployable' }] }],
    platformLayers: [
      { id: '21', name: 'Azure tools', revisions: [{ id: '211', version: '1.0', state: 'Deployable' }, { id: '212', version: '2.0', state: 'Finalizable', disk: DISK }] },
      { id: '22', name: 'Still editing', revisions: [{ id: '221', version: '1.0', state: 'Editing' }] },
    ],
  };
}

async function setup(opts: ApplianceFakeOptions = {}) {
  const fake = await startApplianceFake({ ...base(), ...opts });
  const t = await tempHome('elm-appliance-finalize-');
  const env = { NODE_EXTRA_CA_CERTS: fake.caCertPath, ELM_APPLIANCE_PASSWORD: 'Unidesk1', ELM_APPLIANCE: 'corp' };
  const run = (args: string[]) => elm(args, { home: t.home, env });
  expectCode(await run(['appliance', 'add', '--name', 'corp', '--server', fake.host, '--user', 'administrator']), 0);
  const done = async () => {
    await fake.stop();
    await t.cleanup();
  };
  return { fake, t, run, env, done };
}

describe('finalize --appliance', () => {
  let s: Awaited<ReturnType<typeof setup>>;
  beforeAll(async () => (s = await setup()));
  afterAll(async () => s?.done());

  it('a version that is not Finalizable: the appliance refuses, exit 3, one line', async () => {
    const r = await s.run(['finalize', 'Still editing', '--wait']);
    expectCode(r, 3);
    expect(oneLine(r.stderr)).toBe(true);
    expect(r.stderr).toMatch(/The appliance refused FinalizeLayerRevision: .*Editing.* \(RevisionNotFinalizable\); shut the packaging machine down/);
    expect(s.fake.calls('FinalizeLayerRevision').at(-1)?.refused).toBe('RevisionNotFinalizable');
  });

  it('--wait: FinalizeLayerRevision with the disk the appliance names, then Deployable, exit 0; nothing local', async () => {
    const before = await stateBytes(s.t.home);
    const r = await s.run(['finalize', 'Azure tools', '--wait', '--comment', 'VDA 2411 & tools', '--json']);
    expectCode(r, 0);
    const doc = JSON.parse(r.stdout);
    expect(doc.version).toEqual({ name: '2.0', state: 'Deployable' });
    expect(doc.task).toMatchObject({ kind: 'Finalize', state: 'Complete' });
    const [sent] = s.fake.calls('FinalizeLayerRevision').filter((c) => !c.refused);
    expect(sent.headers.soapaction).toBe('"http://www.unidesk.com/FinalizeLayerRevision"');
    expect(sent.fields).toMatchObject({
      SelectedFileShare: '1',
      LayerRevisionId: '212',
      InstallDiskUncPath: DISK.uncPath,
      InstallDiskFilename: DISK.name,
      'Reason.Description': 'VDA 2411 & tools',
    });
    expect(s.fake.calls('QueryLayerInstallDisk').at(-1)?.fields).toEqual({ LayerId: '21' });
    expect(await stateBytes(s.t.home)).toEqual(before);
    // The appliance's view agrees.
    const shown = JSON.parse((await s.run(['layer', 'show', 'Azure tools', '--json'])).stdout);
    expect(shown.versions.map((v: { state: string }) => v.state)).toEqual(['Deployable', 'Deployable']);
  });

  it('a Deployable version is not finalized again: exit 3; an unknown layer or --settle: exit 2', async () => {
    const again = await s.run(['finalize', 'Azure tools', '--version', '2.0']);
    expectCode(again, 3);
    expect(oneLine(again.stderr)).toBe(true);
    const unknown = await s.run(['finalize', 'Nope', '--wait']);
    expectCode(unknown, 2);
    expect(unknown.stderr).toMatch(/The appliance "corp" has no platform layer named "Nope" \(Azure tools, Still editing\)/);
    const settle = await s.run(['finalize', 'Azure tools', '--settle', '5s']);
    expectCode(settle, 2);
    expect(oneLine(settle.stderr)).toBe(true);
  });
});

describe('finalize --appliance: the ticket\'s end', () => {
  it('a ticket that fails: exit 1 with the appliance\'s words, the version Finalizable again', async () => {
    const s = await setup({ finalizeTicketSteps: [{ state: 'Running', atMs: 0 }, { state: 'Failed', status: 'The packaging disk is still attached to a machine', atMs: 300 }] });
    try {
      const r = await s.run(['finalize', 'Azure tools', '--wait']);
      expectCode(r, 1);
      expect(oneLine(r.stderr)).toBe(true);
      expect(r.stderr).toMatch(/The appliance's finalize task \d+ failed: The packaging disk is still attached to a machine; version 2\.0 is Finalizable/);
    } finally {
      await s.done();
    }
  });

  it('--timeout: exit 4, the task left running on the appliance, how to follow it', async () => {
    const s = await setup({ finalizeTicketSteps: [{ state: 'Running', status: 'Finalizing', atMs: 0 }, { state: 'Complete', atMs: 3_600_000 }] });
    try {
      const r = await s.run(['finalize', 'Azure tools', '--wait', '--timeout', '2s']);
      expectCode(r, 4);
      expect(oneLine(r.stderr)).toBe(true);
      expect(r.stderr).toMatch(/still running on the appliance after 2s \(task (\d+)\); it goes on there: elm task wait \1 --appliance corp/);
      expect(s.fake.calls('CancelWorkTickets')).toHaveLength(0);
    } finally {
      await s.done();
    }
  });

  it('Ctrl-C while waiting: exit 130, the appliance\'s task goes on, the message says how to follow it', async () => {
    const s = await setup({ finalizeTicketSteps: [{ state: 'Running', status: 'Finalizing', atMs: 0 }, { state: 'Complete', atMs: 3_600_000 }] });
    try {
      const env: NodeJS.ProcessEnv = { ...process.env, ...s.env, ELM_HOME: s.t.home };
      delete env.NODE_OPTIONS;
      const child = spawn(process.execPath, [BIN, 'finalize', 'Azure tools', '--wait'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
      // Interrupt once the ticket is being polled (a condition, not a sleep).
      const started = Date.now();
      while (!s.fake.requests.some((q, i) => q.operation === 'QueryWorkTicketsAsPendingOp' && s.fake.requests.slice(0, i).some((p) => p.operation === 'FinalizeLayerRevision'))) {
        if (Date.now() - started > 30_000) throw new Error(`finalize never polled its ticket: ${stderr}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      child.kill('SIGINT');
      expect(await exited).toBe(130);
      const said = stderr.match(/Stopped waiting; the appliance goes on finalizing "Azure tools" 2\.0 \(task (\d+)\): elm task wait (\d+) --appliance corp/);
      expect(said?.[1]).toBeDefined();
      expect(said?.[2]).toBe(said?.[1]);
      expect(oneLine(stderr)).toBe(true);
      expect(s.fake.calls('CancelWorkTickets')).toHaveLength(0);
      const task = await s.run(['task', 'show', said![1], '--json']);
      expect(JSON.parse(task.stdout)).toMatchObject({ kind: 'Finalize', state: 'Running' });
    } finally {
      await s.done();
    }
  });
});
