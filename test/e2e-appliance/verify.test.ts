/**
 * `verify --appliance NAME LAYER` through the real binary: the appliance's view of the version
 * (Editing or Finalizable, with what its packaging-disk task says) is exit 3 until Finalizable and
 * 0 then; `--report FILE` adds elm's own check of the probe's report (its blockers keep it at 3);
 * a Deployable version and the machine flags are exit 2; nothing is written locally.
 */
import path from 'node:path';
import { elm, oneLine, stateBytes, tempHome, type CliResult } from '../support/cli';
import { REPORTS } from '../support/e2e';
import { ApplianceFake, startApplianceFake } from '../support/appliance/server';

jest.setTimeout(120_000);

function expectCode(r: CliResult, code: number): void {
  if (r.code !== code) throw new Error(`expected exit ${code}, got ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
}

const INTEGRITY = 'Layer integrity: a reboot is pending on the packaging machine; restart it, then shut it down again.';

describe('verify --appliance', () => {
  let fake: ApplianceFake;
  let t: { dir: string; home: string; cleanup(): Promise<void> };
  let run: (args: string[]) => Promise<CliResult>;

  beforeAll(async () => {
    fake = await startApplianceFake({
      fileShares: [{ id: '1', name: 'Layers', path: '\\\\files01\\elm' }],
      connectors: [{ id: 'c1-guid', name: 'Azure West', type: 'Azure' }],
      osLayers: [{ id: '11', name: 'Windows 11', revisions: [{ id: '111', version: '1.0', state: 'Deployable' }] }],
      platformLayers: [{ id: '21', name: 'Done', revisions: [{ id: '211', version: '1.0', state: 'Deployable' }] }],
      createTicketSteps: [{ state: 'ActionRequired', status: INTEGRITY, atMs: 0 }],
    });
    t = await tempHome('elm-appliance-verify-');
    run = (args) => elm(args, { home: t.home, env: { NODE_EXTRA_CA_CERTS: fake.caCertPath, ELM_APPLIANCE_PASSWORD: 'Unidesk1', ELM_APPLIANCE: 'corp' } });
    expectCode(await run(['appliance', 'add', '--name', 'corp', '--server', fake.host, '--user', 'administrator']), 0);
    expectCode(await run(['layer', 'create', '--name', 'Azure tools', '--version', '1.0', '--os-layer', 'Windows 11', '--connector', 'Azure West', '--wait']), 0);
  });
  afterAll(async () => {
    await fake?.stop();
    await t?.cleanup();
  });

  it('Editing: exit 3 with the appliance\'s words; nothing written locally', async () => {
    const before = await stateBytes(t.home);
    const r = await run(['verify', 'Azure tools', '--json']);
    expectCode(r, 3);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ version: { name: '1.0', state: 'Editing' }, ready: false, appliance: { state: 'Editing', finalizable: false, message: INTEGRITY }, report: null });
    const text = await run(['verify', 'Azure tools']);
    expect(text.stdout).toContain(`the appliance: "Azure tools" 1.0 is Editing: ${INTEGRITY}`);
    expect(await stateBytes(t.home)).toEqual(before);
  });

  it('Finalizable: exit 0; --report with blockers: exit 3 with elm\'s blockers; a clean report: exit 0', async () => {
    fake.opts.platformLayers!.find((l) => l.name === 'Azure tools')!.revisions![0].state = 'Finalizable';
    const ok = await run(['verify', 'Azure tools', '--json']);
    expectCode(ok, 0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ ready: true, appliance: { state: 'Finalizable', finalizable: true } });
    const blocked = await run(['verify', 'Azure tools', '--report', path.join(REPORTS, 'blockers-all.json'), '--json']);
    expectCode(blocked, 3);
    const doc = JSON.parse(blocked.stdout);
    expect(doc.ready).toBe(false);
    expect(doc.report.ready).toBe(false);
    expect(doc.report.blockers.length).toBeGreaterThan(0);
    const clean = await run(['verify', 'Azure tools', '--report', path.join(REPORTS, 'clean.json')]);
    expectCode(clean, 0);
    expect(clean.stdout).toMatch(/✓ elm's check of .*clean\.json/);
    expect(clean.stderr + clean.stdout).toContain('elm finalize \'Azure tools\' --wait --appliance corp');
  });

  it('a Deployable version, --local, or a report that is not one: exit 2, one line', async () => {
    for (const args of [['verify', 'Done'], ['verify', 'Azure tools', '--local'], ['verify', 'Azure tools', '--report', path.join(t.dir, 'missing.json')]]) {
      const r = await run(args);
      expectCode(r, 2);
      expect(oneLine(r.stderr)).toBe(true);
    }
  });
});
