/**
 * From an integrity report to the blockers that stop finalize (the README's Verify and finalize): the probe's own
 * blockers, plus the PVS ones that elm recomputes from the report's details and the PVS connector
 * configuration. Plain code (no zod): the report has been validated by report.ts.
 */
import { describeBlocker, NGEN_BLOCKER_IDS, NGEN_ON_MACHINE_REMEDY, PVS_BLOCKER_IDS, RESTART_BLOCKER_IDS, type BlockerInfo } from './blockers';
import type { IntegrityReport } from './report';

export interface PvsContext {
  /** Versions of the PVS servers the image will be published to. */
  serverVersions: string[];
  licenseMode: 'kms' | 'mak' | 'none';
}

export interface EvaluateContext {
  /** Set when the layer is published to PVS; null/absent otherwise (no PVS blockers then). */
  pvs?: PvsContext | null;
  /**
   * True when IPv6 must stay enabled on this Platform Layer (PVS wants IPv6 disabled on the OS
   * Layer, never on the Platform Layer): `ipv6Enabled === false` in the report is then a blocker.
   */
  expectIpv6Enabled?: boolean;
  /**
   * False where elm cannot run the probe on the machine (a file share): the NGen advice then tells
   * the operator to run the script with -ExpediteNGen there instead of elm verify --expedite-ngen.
   */
  canExpediteNgen?: boolean;
  /**
   * True for a layer published to PVS: PVS needs IPv6 disabled on the OS layer, and the packaging
   * machine runs that OS layer, so a report with `ipv6Enabled: true` blocks whatever the OS layer
   * declares.
   */
  publishesToPvs?: boolean;
}

export interface Evaluation {
  ready: boolean;
  blockers: BlockerInfo[];
}

/** Numeric version segments without trailing zeros: "2203.0.0" equals "2203", "7.15.0.11" differs from "7.15.11". */
function versionKey(v: string): string {
  const parts = v
    .trim()
    .replace(/^v/i, '')
    .split(/[.\s]+/)
    .filter((p) => p !== '')
    .map((p) => (/^\d+$/.test(p) ? String(Number(p)) : p.toLowerCase()));
  while (parts.length > 1 && parts[parts.length - 1] === '0') parts.pop();
  return parts.join('.');
}

export function sameVersion(a: string, b: string): boolean {
  return versionKey(a) === versionKey(b);
}

function pvsBlockers(report: IntegrityReport, pvs: PvsContext): BlockerInfo[] {
  const out: BlockerInfo[] = [];
  const details = report.details ?? {};
  const target = typeof details.pvsTargetDeviceVersion === 'string' ? details.pvsTargetDeviceVersion.trim() : '';
  const servers = [...new Set(pvs.serverVersions.map((v) => v.trim()).filter((v) => v !== ''))];
  if (target === '') {
    const base = describeBlocker('pvsTargetDeviceMissing');
    const want = servers.length === 1 ? `version ${servers[0]}, the version of the PVS server` : servers.length > 1 ? `the version of the PVS servers (${servers.join(', ')})` : '';
    out.push(want ? { ...base, message: `${base.message.replace(/\.$/, '')} - install ${want}.` } : base);
  } else {
    const differing = servers.filter((s) => !sameVersion(s, target));
    if (differing.length > 0) {
      const base = describeBlocker('pvsTargetDeviceMismatch');
      const serverText = differing.length === 1 ? `the PVS server is version ${differing[0]}` : `the PVS servers are versions ${differing.join(', ')}`;
      out.push({
        ...base,
        message: `The PVS Target Device software on the Packaging Machine is version ${target} but ${serverText} - they must match.`,
      });
    }
  }
  if (pvs.licenseMode === 'kms' && details.kmsRearmed !== true) out.push(kmsBlocker(details.kmsRemainingRearmCount));
  return out;
}

/** With no rearm left (SoftwareLicensingService.RemainingWindowsReArmCount 0) slmgr /rearm fails: say so. */
function kmsBlocker(remaining: unknown): BlockerInfo {
  const base = describeBlocker('kmsRearmPending');
  if (remaining !== 0) return base;
  return {
    ...base,
    message: `${base.message.replace(/\.$/, '')}; Windows has no rearm left (RemainingWindowsReArmCount 0).`,
    remedy: 'slmgr /rearm fails with no rearm left: build this layer on an OS Layer version with rearms left (a fresh Windows, or SkipRearm set before its last rearm), then rearm and run the probe again.',
  };
}

/** With NGen at work a restart waits for it (an interrupted NGen operation can break .NET assemblies). */
function ngenFirst(blockers: BlockerInfo[], canExpediteNgen: boolean): BlockerInfo[] {
  if (!blockers.some((b) => (NGEN_BLOCKER_IDS as readonly string[]).includes(b.id))) return blockers;
  const how = canExpediteNgen ? 'elm verify --expedite-ngen' : 'ShutdownForFinalize.ps1 -ExpediteNGen on the machine';
  return blockers.map((b) =>
    (RESTART_BLOCKER_IDS as readonly string[]).includes(b.id)
      ? { ...b, remedy: `First let NGen finish (${how}, or wait); only then: ${b.remedy.charAt(0).toLowerCase()}${b.remedy.slice(1)}` }
      : b,
  );
}

export function evaluateReport(report: IntegrityReport, ctx: EvaluateContext = {}): Evaluation {
  const pvs = ctx.pvs ?? null;
  const seen = new Set<string>();
  const blockers: BlockerInfo[] = [];
  const add = (b: BlockerInfo) => {
    if (seen.has(b.id)) return;
    seen.add(b.id);
    const onMachine = ctx.canExpediteNgen === false && (NGEN_BLOCKER_IDS as readonly string[]).includes(b.id);
    blockers.push(onMachine ? { ...b, remedy: NGEN_ON_MACHINE_REMEDY } : b);
  };
  for (const raw of report.blockers) {
    const id = raw.trim();
    if (id === '') continue;
    // With a PVS configuration the PVS blockers are recomputed below, never taken from the report.
    if (pvs && (PVS_BLOCKER_IDS as readonly string[]).includes(id)) continue;
    add(describeBlocker(id));
  }
  if (pvs) for (const b of pvsBlockers(report, pvs)) add(b);
  if (ctx.expectIpv6Enabled === true && report.details?.ipv6Enabled === false) add(describeBlocker('ipv6DisabledOnPlatformLayer'));
  if (ctx.publishesToPvs === true && report.details?.ipv6Enabled === true) add(describeBlocker('ipv6EnabledForPvs'));
  return { ready: blockers.length === 0, blockers: ngenFirst(blockers, ctx.canExpediteNgen !== false) };
}
