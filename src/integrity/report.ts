/**
 * The integrity report printed by ShutdownForFinalize.ps1 (schema 1, the README's Verify and finalize), validated with
 * zod. Reports come from stdout, from a file written by -ReportPath, or from a file the operator
 * saved on Windows (possibly UTF-16LE, the Windows PowerShell 5 Out-File default).
 */
import { z } from 'zod';
import { UsageError } from '../domain/errors';

export const INTEGRITY_REPORT_SCHEMA = 1;

export const integrityDetailsSchema = z
  .object({
    ipv6Enabled: z.boolean().nullable().optional(),
    pvsTargetDeviceVersion: z.string().nullable().optional(),
    kmsRearmed: z.boolean().nullable().optional(),
    runOnce: z.array(z.string()).optional(),
    pendingFileRenames: z.number().int().nonnegative().optional(),
  })
  .passthrough();

export const integrityReportSchema = z.object({
  schema: z.literal(INTEGRITY_REPORT_SCHEMA),
  machine: z.string(),
  at: z.string().datetime({ offset: true }),
  blockers: z.array(z.string()),
  shutdownRequested: z.boolean().default(false),
  details: integrityDetailsSchema.default({}),
});

export type IntegrityReport = z.infer<typeof integrityReportSchema>;
export type IntegrityDetails = z.infer<typeof integrityDetailsSchema>;

/**
 * Report bytes to text: UTF-8 (with or without BOM), UTF-16LE (with BOM, or without one when the
 * text starts with an ASCII character followed by a zero byte) and UTF-16BE with BOM.
 */
export function decodeReportBytes(buf: Buffer): string {
  if (buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) return buf.subarray(3).toString('utf8');
  if (buf.length >= 2 && buf[0] === 0xff && buf[1] === 0xfe) return buf.subarray(2).toString('utf16le');
  if (buf.length >= 2 && buf[0] === 0xfe && buf[1] === 0xff) {
    const body = Buffer.from(buf.subarray(2, 2 + ((buf.length - 2) & ~1)));
    return body.swap16().toString('utf16le');
  }
  if (buf.length >= 2 && buf[0] !== 0 && buf[1] === 0) return buf.toString('utf16le');
  return buf.toString('utf8').replace(/^\uFEFF/, '');
}

function invalid(source: string, reason: string): UsageError {
  const oneLine = reason.replace(/\s+/g, ' ').trim().replace(/\.$/, '');
  return new UsageError(
    `The integrity report ${source} is not valid: ${oneLine}. Re-run ShutdownForFinalize.ps1 on the packaging machine ` +
      '(elm verify --print-probe prints it) and pass the JSON it prints.',
  );
}

/**
 * The JSON text of a report. The report is normally the whole text; when something printed lines
 * before it (a profile, a remote-execution banner), the JSON starting on the first line that
 * begins with "{" is used instead.
 */
function jsonOf(text: string): unknown {
  const trimmed = text.replace(/^\uFEFF/, '').trim();
  try {
    return JSON.parse(trimmed);
  } catch (e) {
    const at = trimmed.search(/^\{/m);
    if (at > 0) {
      try {
        return JSON.parse(trimmed.slice(at));
      } catch {
        // fall through to the original error
      }
    }
    throw e;
  }
}

function describeIssue(issue: z.ZodIssue): string {
  const where = issue.path.length > 0 ? issue.path.join('.') : 'the document';
  if (issue.path.length === 1 && issue.path[0] === 'schema' && issue.code === z.ZodIssueCode.invalid_literal) {
    return `schema ${JSON.stringify(issue.received)} is not supported (this elm reads schema ${INTEGRITY_REPORT_SCHEMA})`;
  }
  if (issue.code === z.ZodIssueCode.invalid_type && issue.received === 'undefined') return `${where} is missing`;
  if (issue.code === z.ZodIssueCode.invalid_string && issue.validation === 'datetime') {
    return `${where} is not an ISO-8601 date-time`;
  }
  return `${where}: ${issue.message}`;
}

export function parseIntegrityReport(text: string, source: string): IntegrityReport {
  if (text.replace(/^\uFEFF/, '').trim() === '') throw invalid(source, 'it is empty');
  let doc: unknown;
  try {
    doc = jsonOf(text);
  } catch (e) {
    throw invalid(source, `it is not JSON (${(e as Error).message})`);
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    throw invalid(source, 'it is not a JSON object');
  }
  const parsed = integrityReportSchema.safeParse(doc);
  if (!parsed.success) throw invalid(source, describeIssue(parsed.error.issues[0]));
  return parsed.data;
}
