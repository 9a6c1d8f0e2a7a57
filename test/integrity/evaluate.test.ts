import { readFileSync } from 'node:fs';
import path from 'node:path';
import { BLOCKER_IDS, BLOCKERS, blockerMessage, describeBlocker, isKnownBlocker } from '../../src/integrity/blockers';
import { evaluateReport, sameVersion } from '../../src/integrity/evaluate';
import { parseIntegrityReport, type IntegrityReport } from '../../src/integrity/report';

const load = (name: string): IntegrityReport =>
  parseIntegrityReport(readFileSync(path.join(__dirname, '..', '..', 'fixtures', 'reports', name), 'utf8'), name);

describe('blockers', () => {
  it('has the exact seed messages', () => {
    expect(blockerMessage('bootDriverReboot')).toBe(
      'A reboot is pending to update drivers on the boot disk - please check and reboot the Packaging Machine.',
    );
    expect(blockerMessage('postInstallReboot')).toBe('A post-installation reboot is pending - please check and reboot the Packaging Machine.');
    expect(blockerMessage('msiInProgress')).toBe('An MSI install operation is in progress - please check the Packaging Machine.');
    expect(blockerMessage('ngenInProgress')).toBe('A Microsoft NGen operation is in progress in the background.');
  });

  it('gives every blocker a one-line message and remedy', () => {
    for (const id of BLOCKER_IDS) {
      const b = describeBlocker(id);
      expect(b.id).toBe(id);
      expect(b.message).toBe(BLOCKERS[id].message);
      for (const s of [b.message, b.remedy]) {
        expect(s.length).toBeGreaterThan(10);
        expect(s).not.toContain('\n');
      }
    }
    expect(describeBlocker('ngenInProgress').remedy).toContain('elm verify --expedite-ngen');
    expect(describeBlocker('ngenInProgress').remedy).toContain('ngen update /force');
    expect(describeBlocker('ngenInProgress').remedy).toContain('do not reboot to stop NGen');
  });

  it('names unknown ids', () => {
    expect(isKnownBlocker('toString')).toBe(false);
    expect(isKnownBlocker('smsCfgIni')).toBe(true);
    const b = describeBlocker('fooPending');
    expect(b.id).toBe('fooPending');
    expect(b.message).toContain('fooPending');
    expect(blockerMessage('__proto__')).toContain('__proto__');
  });
});

describe('evaluateReport', () => {
  it('is ready on a clean report', () => {
    expect(evaluateReport(load('clean.json'), {})).toEqual({ ready: true, blockers: [] });
    expect(evaluateReport(load('clean.json'), { pvs: null })).toEqual({ ready: true, blockers: [] });
  });

  it('lists the report blockers with messages and remedies, deduplicated, in order', () => {
    const r = load('blockers-all.json');
    const e = evaluateReport({ ...r, blockers: [...r.blockers, 'ngenInProgress', ' msiInProgress ', 'customThing'] }, {});
    expect(e.ready).toBe(false);
    expect(e.blockers.map((b) => b.id)).toEqual(['bootDriverReboot', 'postInstallReboot', 'msiInProgress', 'ngenInProgress', 'customThing']);
    expect(e.blockers[3]).toEqual(describeBlocker('ngenInProgress'));
    expect(e.blockers[4].message).toContain('customThing');
  });

  it('flags a PVS Target Device mismatch naming both versions', () => {
    const e = evaluateReport(load('pvs-mismatch.json'), { pvs: { serverVersions: ['2203.0.0'], licenseMode: 'mak' } });
    expect(e.ready).toBe(false);
    expect(e.blockers).toHaveLength(1);
    expect(e.blockers[0].id).toBe('pvsTargetDeviceMismatch');
    expect(e.blockers[0].message).toContain('7.15.0.11');
    expect(e.blockers[0].message).toContain('2203.0.0');
    expect(e.blockers[0].remedy).toBe(BLOCKERS.pvsTargetDeviceMismatch.remedy);
  });

  it('lists every differing server version', () => {
    const e = evaluateReport(load('pvs-mismatch.json'), { pvs: { serverVersions: ['7.15.11', '7.15.0.11', '1912.0.0'], licenseMode: 'none' } });
    expect(e.blockers[0].message).toContain('the PVS servers are versions 7.15.11, 1912.0.0');
  });

  it('matches versions with trailing zeros', () => {
    expect(sameVersion('2203.0.0', '2203')).toBe(true);
    expect(sameVersion('7.15.0.11', '7.15.11')).toBe(false);
    const e = evaluateReport(load('ngen.json'), { pvs: { serverVersions: ['2203'], licenseMode: 'kms' } });
    expect(e.blockers.map((b) => b.id)).toEqual(['ngenInProgress']);
  });

  it('flags a missing PVS Target Device', () => {
    const e = evaluateReport(load('clean.json'), { pvs: { serverVersions: ['2203.0.0'], licenseMode: 'none' } });
    expect(e.blockers.map((b) => b.id)).toEqual(['pvsTargetDeviceMissing']);
    const r = load('clean.json');
    const noKey = { ...r, details: {} };
    expect(evaluateReport(noKey, { pvs: { serverVersions: [], licenseMode: 'mak' } }).blockers.map((b) => b.id)).toEqual(['pvsTargetDeviceMissing']);
  });

  it('flags a pending KMS rearm only with KMS licensing', () => {
    const r = load('kms-pending.json');
    expect(evaluateReport(r, { pvs: { serverVersions: ['2203.0.0'], licenseMode: 'kms' } }).blockers.map((b) => b.id)).toEqual(['kmsRearmPending']);
    expect(evaluateReport(r, { pvs: { serverVersions: ['2203.0.0'], licenseMode: 'mak' } }).ready).toBe(true);
    expect(evaluateReport(r, {}).ready).toBe(true);
  });

  it('recomputes PVS blockers instead of trusting the report when PVS is configured', () => {
    const r = { ...load('kms-pending.json'), blockers: ['pvsTargetDeviceMismatch', 'kmsRearmPending'] };
    expect(evaluateReport(r, { pvs: { serverVersions: ['2203.0.0'], licenseMode: 'mak' } }).ready).toBe(true);
    expect(evaluateReport(r, {}).blockers.map((b) => b.id)).toEqual(['pvsTargetDeviceMismatch', 'kmsRearmPending']);
  });

  it('flags IPv6 disabled on the Platform Layer only when asked to', () => {
    const r = load('ngen.json');
    expect(evaluateReport(r, { expectIpv6Enabled: true }).blockers.map((b) => b.id)).toEqual(['ngenInProgress', 'ipv6DisabledOnPlatformLayer']);
    expect(evaluateReport(r, {}).blockers.map((b) => b.id)).toEqual(['ngenInProgress']);
    expect(evaluateReport(load('clean.json'), { expectIpv6Enabled: true }).ready).toBe(true);
  });
});

describe('evaluateReport: NGen first, IPv6 for PVS, KMS rearms left', () => {
  const base = { schema: 1 as const, machine: 'PKG', at: '2026-11-21T10:00:00Z', shutdownRequested: false };
  it('a restart blocker beside NGen: its remedy lets NGen finish first', () => {
    const e = evaluateReport({ ...base, blockers: ['bootDriverReboot', 'ngenNeeded'], details: {} });
    expect(e.blockers[0].remedy).toMatch(/^First let NGen finish \(elm verify --expedite-ngen, or wait\); only then: restart/);
    expect(e.blockers[1].remedy).toMatch(/do not reboot to stop NGen/);
  });
  it('ipv6Enabled true blocks only a layer published to PVS', () => {
    const r = { ...base, blockers: [], details: { ipv6Enabled: true } };
    expect(evaluateReport(r, { publishesToPvs: true }).blockers.map((b) => b.id)).toEqual(['ipv6EnabledForPvs']);
    expect(evaluateReport(r, {}).ready).toBe(true);
  });
  it('no KMS rearm left: said in the message', () => {
    const r = { ...base, blockers: [], details: { kmsRearmed: false, kmsRemainingRearmCount: 0, pvsTargetDeviceVersion: '2203' } };
    const e = evaluateReport(r, { pvs: { serverVersions: ['2203'], licenseMode: 'kms' } });
    expect(e.blockers.map((b) => [b.id, /no rearm left/.test(b.message)])).toEqual([['kmsRearmPending', true]]);
  });
});
