import { staleReportReason } from '../../src/integrity/freshness';
import type { IntegrityReport } from '../../src/integrity/report';

const made = new Date('2026-11-29T12:00:00Z');
const report = (over: Partial<IntegrityReport> = {}, details: Record<string, unknown> = {}): IntegrityReport => ({
  schema: 1,
  machine: 'PKG-01',
  at: '2026-11-29T13:00:00Z',
  blockers: [],
  shutdownRequested: true,
  details,
  ...over,
});

describe('staleReportReason', () => {
  it('accepts a report taken after the disk was made by a machine booted after it', () => {
    expect(staleReportReason(report({}, { lastBootTime: '2026-11-29T12:30:00Z' }), { diskMadeAt: made })).toBeNull();
  });

  it('accepts an older probe report without lastBootTime when taken after the disk was made', () => {
    expect(staleReportReason(report(), { diskMadeAt: made })).toBeNull();
  });

  it('refuses a report taken before the disk was made, naming both times, the machine and the deployed one', () => {
    expect(staleReportReason(report({ at: '2026-11-29T11:59:59Z' }), { diskMadeAt: made, computerName: 'PKG-01' })).toBe(
      'it was taken on PKG-01 at 2026-11-29T11:59:59Z, before the packaging disk was made at 2026-11-29T12:00:00Z; the machine deployed for this version is PKG-01',
    );
  });

  it('accepts a report taken in the second the disk was made (the probe writes whole seconds)', () => {
    const madeMidSecond = new Date('2026-11-29T12:00:00.700Z');
    expect(staleReportReason(report({ at: '2026-11-29T12:00:00Z' }), { diskMadeAt: madeMidSecond })).toBeNull();
    expect(staleReportReason(report({ at: '2026-11-29T11:59:59Z' }), { diskMadeAt: madeMidSecond })).toMatch(/^it was taken on PKG-01 at 2026-11-29T11:59:59Z, before/);
  });

  it('refuses a report of a machine that last booted before the disk was made', () => {
    expect(staleReportReason(report({}, { lastBootTime: '2026-11-29T11:00:00Z' }), { diskMadeAt: made })).toMatch(
      /^PKG-01 last booted at 2026-11-29T11:00:00Z, before the packaging disk was made at 2026-11-29T12:00:00Z, so it did not run from that disk/,
    );
  });

  it('refuses a report of another computer than the deployed one (names compared without case)', () => {
    expect(staleReportReason(report({ machine: 'pkg-01' }), { diskMadeAt: made, computerName: 'PKG-01' })).toBeNull();
    expect(staleReportReason(report({ machine: 'OTHER-07' }), { diskMadeAt: made, computerName: 'PKG-01' })).toBe(
      'it comes from OTHER-07 (taken at 2026-11-29T13:00:00Z), but the machine deployed for this version is PKG-01 (its disk was made at 2026-11-29T12:00:00Z)',
    );
  });
});
