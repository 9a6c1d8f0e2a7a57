/**
 * Only a fresh report may let a version be finalized (the README, "The layer integrity probe"): one taken by the machine that
 * runs from this version's packaging disk, after that disk was made. A report taken before the disk
 * existed, by a machine that last booted before it existed, or (where elm knows the machine's
 * computer name) by another machine describes some other Windows, so verify and finalize refuse it.
 */
import type { IntegrityReport } from './report';

export interface FreshnessExpectation {
  /** When the packaging disk was made (its create task ended). */
  diskMadeAt: Date;
  /** The computer name of the machine deployed for this version, where a connector recorded it. */
  computerName?: string | null;
  /** Now, by this machine's clock: a report stamped later than now (beyond FUTURE_SKEW_MS) is refused. */
  now?: Date;
}

/** Clocks of a guest and of elm's machine differ a little; a report further ahead says nothing true. */
export const FUTURE_SKEW_MS = 10 * 60_000;

const iso = (d: Date) => d.toISOString().replace(/\.000Z$/, 'Z');

/** Why the report is stale, naming both times and machines; null when it is fresh. */
export function staleReportReason(report: IntegrityReport, want: FreshnessExpectation): string | null {
  const made = iso(want.diskMadeAt);
  // The probe writes its times in whole seconds: a report taken in the second the disk was made
  // (a quick demo, a machine that reports at once) is after it, not before.
  const madeSecond = Math.floor(want.diskMadeAt.getTime() / 1000) * 1000;
  const taken = Date.parse(report.at);
  if (want.now && taken > want.now.getTime() + FUTURE_SKEW_MS) {
    return `it was taken on ${report.machine} at ${report.at}, later than now (${iso(new Date(Math.floor(want.now.getTime() / 1000) * 1000))}): the machine's clock is wrong or the report was edited${expected(want)}`;
  }
  if (taken < madeSecond) {
    return `it was taken on ${report.machine} at ${report.at}, before the packaging disk was made at ${made}${expected(want)}`;
  }
  const boot = typeof report.details.lastBootTime === 'string' ? Date.parse(report.details.lastBootTime) : NaN;
  if (!Number.isNaN(boot) && boot < madeSecond) {
    return `${report.machine} last booted at ${String(report.details.lastBootTime)}, before the packaging disk was made at ${made}, so it did not run from that disk (report taken at ${report.at})${expected(want)}`;
  }
  const name = want.computerName?.trim();
  if (name && name.toLowerCase() !== report.machine.trim().toLowerCase()) {
    return `it comes from ${report.machine} (taken at ${report.at}), but the machine deployed for this version is ${name} (its disk was made at ${made})`;
  }
  return null;
}

function expected(want: FreshnessExpectation): string {
  return want.computerName ? `; the machine deployed for this version is ${want.computerName}` : '';
}
