/**
 * elm verify --report through the real binary: today's Citrix integrity messages word for word
 * (App Layering 4, "Debug layer integrity messages") with a remedy beside each, NGen let finish
 * before any restart, and a report stamped in the future refused like a stale one.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { baseSetup, createLayer, expectCode, readState, scratch, type Scratch } from '../support/e2e';

let s: Scratch;
beforeAll(async () => {
  s = await scratch();
  await baseSetup(s);
  await createLayer(s, 'app');
});
afterAll(() => s.cleanup());

let n = 0;
async function reportFile(blockers: string[], details: Record<string, unknown> = {}, at = new Date()): Promise<string> {
  const file = path.join(s.dir, `report-${++n}.json`);
  await fs.writeFile(file, JSON.stringify({ schema: 1, machine: 'PKG-01', at: at.toISOString(), blockers, shutdownRequested: false, details }));
  return file;
}

describe("today's Citrix integrity list", () => {
  test('RunOnce, SMSCFG.INI, the WEM agent key and a Windows upgrade: the messages on stdout, exit 3', async () => {
    const file = await reportFile(['runOncePending', 'smsCfgIni', 'wemAgentRsaKey', 'windowsUpgradePending', 'ngenNeeded']);
    const r = await s.run(['verify', 'app', '--report', file]);
    expectCode(r, 3);
    expect(r.stdout.trim().split('\n')).toEqual([
      '- A RunOnce script is outstanding - please check and reboot the packaging machine.',
      '- Software Center Client is configured to run, but the SMSCFG.INI is still present.',
      '- The Citrix WEM agent RSA key file is present - delete it before finalizing the layer.',
      '- A Windows upgrade is pending - please complete it and reboot the packaging machine.',
      '- A Microsoft ngen operation is needed.',
    ]);
  });

  test('--json: every one of them has its own remedy', async () => {
    const file = await reportFile(['runOncePending', 'smsCfgIni', 'wemAgentRsaKey', 'windowsUpgradePending']);
    const r = await s.run(['verify', 'app', '--report', file, '--json']);
    expectCode(r, 3);
    const blockers = JSON.parse(r.stdout).blockers as { id: string; remedy: string }[];
    expect(blockers.map((b) => b.id)).toEqual(['runOncePending', 'smsCfgIni', 'wemAgentRsaKey', 'windowsUpgradePending']);
    expect(blockers.find((b) => b.id === 'wemAgentRsaKey')!.remedy).toContain('fb8cc9e38d3e60ab60c17cdfd6dd6d99_');
    expect(blockers.find((b) => b.id === 'windowsUpgradePending')!.remedy).toMatch(/Restart the Packaging Machine/);
    expect(new Set(blockers.map((b) => b.remedy)).size).toBe(4);
  });
});

describe('NGen before reboot', () => {
  test('NGen and a pending reboot: the reboot advice says to let NGen finish first, beside its message', async () => {
    const file = await reportFile(['postInstallReboot', 'ngenInProgress']);
    const doc = JSON.parse((await s.run(['verify', 'app', '--report', file, '--json'])).stdout);
    const reboot = doc.blockers.find((b: { id: string }) => b.id === 'postInstallReboot');
    // A file share: elm cannot expedite, so the script's own switch is named.
    expect(reboot.remedy).toMatch(/^First let NGen finish \(ShutdownForFinalize\.ps1 -ExpediteNGen on the machine, or wait\); only then: restart the Packaging Machine/);

    const r = await s.run(['verify', 'app', '--report', file]);
    expectCode(r, 3);
    const advice = r.stderr.split('\n').filter((l) => l.startsWith('  what to do: '));
    expect(advice).toHaveLength(2);
    expect(advice[0]).toMatch(/^ {2}what to do: First let NGen finish/);
    expect(advice[1]).toMatch(/-ExpediteNGen .*do not reboot to stop NGen/);
  });

  test('a reboot alone: no word about NGen', async () => {
    const doc = JSON.parse((await s.run(['verify', 'app', '--report', await reportFile(['postInstallReboot']), '--json'])).stdout);
    expect(doc.blockers[0].remedy).not.toMatch(/NGen/);
  });
});

describe('reports that say nothing true', () => {
  test('a report stamped a day ahead is refused like a stale one (exit 3), the version untouched', async () => {
    const before = (await readState(s.home)).layers[0].versions[0].integrity;
    const r = await s.run(['verify', 'app', '--report', await reportFile([], {}, new Date(Date.now() + 24 * 3600_000))]);
    expectCode(r, 3);
    expect(r.stderr).toMatch(/is stale: it was taken on PKG-01 at .*, later than now/);
    expect((await readState(s.home)).layers[0].versions[0].integrity).toEqual(before);
  });

  test('a report a minute ahead (clock skew) is taken', async () => {
    const r = await s.run(['verify', 'app', '--report', await reportFile([], {}, new Date(Date.now() + 60_000)), '--json']);
    expectCode(r, 0);
  });
});
