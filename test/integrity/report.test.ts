import { readFileSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../../src/domain/errors';
import { decodeReportBytes, parseIntegrityReport } from '../../src/integrity/report';

const REPORTS = path.join(__dirname, '..', '..', 'fixtures', 'reports');
const fixture = (name: string) => readFileSync(path.join(REPORTS, name));
const parseFixture = (name: string) => parseIntegrityReport(decodeReportBytes(fixture(name)), name);

function parseError(text: string, source = 'report.json'): UsageError {
  try {
    parseIntegrityReport(text, source);
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return e as UsageError;
  }
  throw new Error('expected parseIntegrityReport to throw');
}

describe('parseIntegrityReport', () => {
  it('reads a clean report', () => {
    const r = parseFixture('clean.json');
    expect(r).toMatchObject({ schema: 1, machine: 'PKG-01', at: '2026-11-21T10:00:00Z', blockers: [], shutdownRequested: true });
    expect(r.details.ipv6Enabled).toBe(true);
    expect(r.details.pvsTargetDeviceVersion).toBeNull();
    expect(r.details).toHaveProperty('ngenQueue');
  });

  it('reads a report with the four seed blockers and keeps unknown detail keys', () => {
    const r = parseFixture('blockers-all.json');
    expect(r.blockers).toEqual(['bootDriverReboot', 'postInstallReboot', 'msiInProgress', 'ngenInProgress']);
    expect(r.details.pendingFileRenames).toBe(3);
    expect((r.details as Record<string, unknown>).rebootReasons).toBeDefined();
  });

  it('reads the design example and date-times with offsets and fractions', () => {
    expect(parseFixture('ngen.json').details.pvsTargetDeviceVersion).toBe('2203.0.0');
    expect(parseFixture('kms-pending.json').at).toBe('2026-11-21T11:30:00.123+01:00');
  });

  it('defaults shutdownRequested and details when absent', () => {
    const r = parseIntegrityReport('{"schema":1,"machine":"M","at":"2026-01-01T00:00:00Z","blockers":[]}', 'x');
    expect(r.shutdownRequested).toBe(false);
    expect(r.details).toEqual({});
  });

  it('refuses malformed JSON with one line naming the source', () => {
    const e = parseError(decodeReportBytes(fixture('malformed.json')), 'malformed.json');
    expect(e.message).toMatch(/^The integrity report malformed\.json is not valid: it is not JSON \(.+\)\. Re-run ShutdownForFinalize\.ps1/);
    expect(e.message).not.toContain('\n');
    expect(e.exitCode).toBe(2);
  });

  it('refuses another schema', () => {
    const e = parseError(decodeReportBytes(fixture('wrong-schema.json')), 'wrong-schema.json');
    expect(e.message).toContain('The integrity report wrong-schema.json is not valid: schema 2 is not supported (this elm reads schema 1).');
  });

  it.each([
    ['', 'it is empty'],
    ['[]', 'it is not a JSON object'],
    ['{"schema":1,"at":"2026-01-01T00:00:00Z","blockers":[]}', 'machine is missing'],
    ['{"schema":1,"machine":"M","at":"yesterday","blockers":[]}', 'at is not an ISO-8601 date-time'],
    ['{"schema":1,"machine":"M","at":"2026-01-01T00:00:00Z","blockers":[3]}', 'blockers.0: Expected string, received number'],
    ['{"schema":1,"machine":"M","at":"2026-01-01T00:00:00Z","blockers":[],"details":{"ipv6Enabled":"yes"}}', 'details.ipv6Enabled'],
  ])('names what is wrong in %s', (text, reason) => {
    const e = parseError(text, 'R');
    expect(e.message).toContain(`The integrity report R is not valid: ${reason}`);
    expect(e.message).not.toContain('\n');
  });

  it('skips lines printed before the JSON', () => {
    const text = `Banner line\r\nAnother\r\n${fixture('ngen.json').toString('utf8')}`;
    expect(parseIntegrityReport(text, 'stdout').blockers).toEqual(['ngenInProgress']);
  });
});

describe('decodeReportBytes', () => {
  const text = fixture('ngen.json').toString('utf8');

  it('reads UTF-16LE with BOM (Windows PowerShell 5 Out-File)', () => {
    const buf = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`${text.trim()}\r\n`, 'utf16le')]);
    const r = parseIntegrityReport(decodeReportBytes(buf), 'utf16.json');
    expect(r.machine).toBe('PKG-03');
    expect(r.blockers).toEqual(['ngenInProgress']);
  });

  it('reads UTF-16LE without BOM, UTF-16BE with BOM, UTF-8 with and without BOM', () => {
    expect(decodeReportBytes(Buffer.from(text, 'utf16le'))).toBe(text);
    const be = Buffer.from(text, 'utf16le').swap16();
    expect(decodeReportBytes(Buffer.concat([Buffer.from([0xfe, 0xff]), be]))).toBe(text);
    expect(decodeReportBytes(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]))).toBe(text);
    expect(decodeReportBytes(Buffer.from(text))).toBe(text);
    expect(decodeReportBytes(Buffer.alloc(0))).toBe('');
  });

  it('keeps non-ASCII machine names (escaped or not)', () => {
    const raw = '{"schema":1,"machine":"PKG-\\u00e9","at":"2026-01-01T00:00:00Z","blockers":[]}';
    expect(parseIntegrityReport(decodeReportBytes(Buffer.from(raw)), 'x').machine).toBe('PKG-é');
  });
});
