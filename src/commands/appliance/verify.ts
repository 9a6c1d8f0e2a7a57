/**
 * `verify --appliance NAME LAYER`: the appliance's view of the version (Editing or Finalizable,
 * and what its packaging-disk task says, where the appliance writes an integrity problem it found
 * when the machine shut down), and with `--report FILE` elm's own check of the probe's report as
 * the local verify makes it. Exit 0 when ready to finalize, 3 while anything blocks. Nothing is
 * recorded: the version is the appliance's.
 */
import type { Context } from '../../runtime/context';
import { readInputFile } from '../../runtime/inputFile';
import { ExitCode, UsageError } from '../../domain/errors';
import { shellQuote } from '../../domain/shellQuote';
import { versionTask } from './versionTask';

interface Flags {
  version?: string;
  local?: boolean;
  report?: string;
  expediteNgen?: boolean;
  shutdown?: boolean;
}

export async function verifyOnAppliance(ctx: Context, appliance: string, flags: Flags, ref: string | undefined): Promise<void> {
  const onMachine = [flags.local && '--local', flags.shutdown && '--shutdown', flags.expediteNgen && '--expedite-ngen'].filter(Boolean);
  if (onMachine.length)
    throw new UsageError(`${onMachine.join(', ')}: elm does not reach the packaging machine through the appliance; run ShutdownForFinalize.ps1 on it (elm verify --print-probe) and pass its report with --report FILE.`);
  // The report is read (and a bad one refused, exit 2) before the appliance is asked anything.
  const report = flags.report ? await checkReport(flags.report) : null;
  const { layer, revision, task } = await versionTask(ctx, appliance, ref, flags.version);
  const name = `"${layer.name}" ${revision.name}`;
  if (revision.state !== 'Editing' && revision.state !== 'Finalizable') throw new UsageError(`${name} is ${revision.state} on the appliance; verify checks a version being edited.`);
  const finalizable = revision.state === 'Finalizable';
  const view = { state: revision.state, finalizable, message: task?.description || null, task: task ? { id: task.id, state: task.state } : null };
  const ready = finalizable && (report ? report.ready : true);
  if (!ready) process.exitCode = ExitCode.notReady;
  if (ctx.io.json) return ctx.out.json({ layer: { id: layer.id, name: layer.name }, version: { name: revision.name, state: revision.state }, ready, appliance: view, report });
  const mark = (ok: boolean) => (ok ? ctx.out.style.green('✓') : ctx.out.style.red('✗'));
  ctx.out.data(`${mark(finalizable)} the appliance: ${name} is ${revision.state}${view.message ? `: ${view.message}` : ''}`);
  if (report) {
    ctx.out.data(`${mark(report.ready)} elm's check of ${report.source} (${report.machine}, ${report.at}): ${report.ready ? 'no blockers' : `${report.blockers.length} blocker(s)`}`);
    for (const b of report.blockers) {
      ctx.out.data(`- ${b.message}`);
      ctx.out.info(`  what to do: ${b.remedy}`);
    }
  }
  if (ready) ctx.out.info(`Finalize with elm finalize ${shellQuote(layer.name)} --wait --appliance ${shellQuote(appliance)}`);
  else if (!finalizable) ctx.out.info('The appliance makes the version Finalizable once the packaging machine is shut down clean (ShutdownForFinalize.ps1 -Shutdown).');
}

/** The probe's report checked with elm's own rules (no local version to hold it against). */
async function checkReport(file: string) {
  const [{ decodeReportBytes, parseIntegrityReport }, { evaluateReport }] = await Promise.all([import('../../integrity/report.js'), import('../../integrity/evaluate.js')]);
  const { abs, bytes } = await readInputFile(file, '--report', 'give the report written by ShutdownForFinalize.ps1 -ReportPath');
  const report = parseIntegrityReport(decodeReportBytes(bytes), abs);
  const e = evaluateReport(report);
  return {
    ready: e.ready,
    blockers: e.blockers.map((b) => ({ id: b.id, message: b.message, remedy: b.remedy })),
    machine: report.machine,
    at: report.at,
    source: abs,
    shutdownRequested: report.shutdownRequested,
  };
}
