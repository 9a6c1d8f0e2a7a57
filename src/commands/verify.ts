import { counted } from '../domain/plural';
import { createHash } from 'node:crypto';
import { withVersionHints } from '../domain/nextStepHints';
import type { Context } from '../runtime/context';
import { readInputFile } from '../runtime/inputFile';
import { ExitCode, NotReadyError, UsageError } from '../domain/errors';
import type { Connector, MachineRef } from '../connectors/connector';
import type { IntegrityResult } from '../domain/state';
import type { IntegrityReport } from '../integrity/report';
import { integrityContext } from '../integrity/versionContext';
import { findConnector, resolveLayer, resolveVersion } from './shared/lookup';
import { staleReportError } from '../integrity/versionFreshness';
import { readyDisk } from './shared/versionDisk';
import { shellQuote } from '../domain/shellQuote';

interface VerifyFlags {
  version?: string;
  local?: boolean;
  report?: string;
  expediteNgen?: boolean;
  shutdown?: boolean;
  printProbe?: boolean;
}

/**
 * Layer integrity: finds the probe's report (a file, this Windows machine, the platform, or the
 * share beside the disk), checks it, records the result on the version, and exits 3 while
 * anything blocks finalize.
 */
export async function run(ctx: Context, flags: VerifyFlags, [ref]: string[]): Promise<void> {
  if (flags.printProbe) {
    const { readProbeScript } = await import('../integrity/probeScript.js');
    const script = await readProbeScript();
    // --json: the script inside the one document, so `| jq -r .script` writes the file.
    if (ctx.io.json) ctx.out.json({ name: 'ShutdownForFinalize.ps1', script });
    else ctx.out.data(script);
    return;
  }
  if (flags.report && flags.local) throw new UsageError('--report and --local are two sources of the report; pass one.');
  if (ctx.appliance) return (await import('./appliance/verify.js')).verifyOnAppliance(ctx, ctx.appliance, flags, ref);
  const store = await ctx.store();
  const state = await store.read();
  const layer = resolveLayer(state, ref);
  const version = resolveVersion(layer, flags.version);
  if (version.state !== 'Editing' && version.state !== 'Finalizable')
    throw new UsageError(`"${layer.name}" ${version.name} is ${version.state}; verify checks a version being edited.`);
  const { decodeReportBytes, parseIntegrityReport } = await import('../integrity/report.js');
  let report: IntegrityReport;
  // Set when the probe ran on the machine through the platform (and so can run again to shut it down).
  let machine: MachineRef | null = null;
  let connector: Connector | null = null;
  let source: string;
  let raw: string;
  if (flags.report) {
    const { abs, bytes } = await readInputFile(flags.report, '--report', 'give the report written by ShutdownForFinalize.ps1 -ReportPath');
    source = abs;
    raw = decodeReportBytes(bytes);
    report = parseIntegrityReport(raw, source);
  } else if (flags.local) {
    const { runLocalProbe } = await import('../integrity/localProbe.js');
    source = 'local probe';
    raw = await runLocalProbe({ expediteNgen: Boolean(flags.expediteNgen), shutdown: Boolean(flags.shutdown), showProgress: ctx.io.stderrIsTTY });
    report = parseIntegrityReport(raw, source);
  } else {
    const disk = readyDisk(state, layer, version);
    const config = findConnector(state, version.connector);
    connector = await ctx.connector(config);
    machine = (version.machine as MachineRef | null) ?? (connector.probeIntegrity ? ((await connector.discoverMachine?.(disk)) ?? null) : null);
    if (connector.probeIntegrity && machine) {
      source = `${config.type} machine ${machine.name}`;
      raw = await connector.probeIntegrity(machine, { expediteNgen: Boolean(flags.expediteNgen), shutdown: false });
      report = parseIntegrityReport(raw, source);
    } else if (config.type === 'fileshare') {
      if (flags.expediteNgen || flags.shutdown)
        throw new UsageError('On a file share elm cannot reach the machine: run ShutdownForFinalize.ps1 -ExpediteNGen (or -Shutdown) on it, or elm verify --local there.');
      const { readShareReport, shareReportPath } = await import('../connectors/fileshare/shareReport.js');
      const found = await readShareReport(disk.location);
      if (!found)
        throw new NotReadyError(
          withVersionHints(
            `No integrity report yet at ${shareReportPath(disk.location)}: run ShutdownForFinalize.ps1 on the packaging machine (elm machine deploy-link ${shellQuote(layer.name)} shows the command), or pass --report FILE.`,
            layer,
            version.name,
          ),
        );
      source = found.path;
      report = found.report;
      raw = JSON.stringify(report);
    } else {
      throw new NotReadyError(`No packaging machine is recorded for "${layer.name}" ${version.name}; deploy it (elm machine deploy) or pass --report FILE.`);
    }
  }
  // A report of another machine, or from before this disk existed, says nothing about this layer.
  const stale = await staleReportError(state, layer, version, report, source);
  if (stale) throw stale;
  const { evaluateReport } = await import('../integrity/evaluate.js');
  const evaluation = evaluateReport(report, integrityContext(state, version));
  let shutdownRequested = report.shutdownRequested;
  if (evaluation.ready && flags.shutdown && machine && connector?.probeIntegrity) {
    // The probe runs again with -Shutdown and shuts down only if still clean: record what it says.
    const again = await connector.probeIntegrity(machine, { expediteNgen: false, shutdown: true });
    shutdownRequested = again.trim() === '' ? true : parseIntegrityReport(again, source).shutdownRequested;
  }
  const result: IntegrityResult = {
    at: ctx.now().toISOString(),
    source,
    ready: evaluation.ready,
    blockers: evaluation.blockers.map((b) => ({ id: b.id, message: b.message })),
    shutdownRequested,
    machine: report.machine,
    reportSha256: createHash('sha256').update(raw).digest('hex'),
  };
  await store.mutate((s) => {
    const v = s.layers.find((l) => l.id === layer.id)?.versions.find((x) => x.name === version.name);
    if (!v) return;
    v.integrity = result;
    if (v.state === 'Editing' && result.ready && shutdownRequested) v.state = 'Finalizable';
    else if (v.state === 'Finalizable' && !result.ready) v.state = 'Editing';
  });
  if (!evaluation.ready) process.exitCode = ExitCode.notReady;
  if (ctx.io.json) {
    ctx.out.json({
      ready: evaluation.ready,
      blockers: evaluation.blockers.map((b) => ({ id: b.id, message: b.message, remedy: b.remedy })),
      machine: report.machine,
      at: report.at,
      source,
      shutdownRequested,
    });
    return;
  }
  if (evaluation.ready) {
    ctx.out.success(`"${layer.name}" ${version.name} passed the layer integrity check (${report.machine}, ${report.at}).`);
    ctx.out.info(
      shutdownRequested
        ? withVersionHints(`The machine was shut down: finalize with elm finalize ${shellQuote(layer.name)} --wait`, layer, version.name)
        : 'Shut the packaging machine down (ShutdownForFinalize.ps1 -Shutdown) before finalizing.',
    );
    return;
  }
  ctx.out.error(`"${layer.name}" ${version.name} cannot be finalized yet: ${counted(evaluation.blockers.length, 'blocker')}.`);
  for (const b of evaluation.blockers) {
    ctx.out.data(`- ${b.message}`);
    ctx.out.info(`  what to do: ${b.remedy}`);
  }
}
