/**
 * One YAML document an operator wrote (a spec, a build spec), parsed with the failsafe schema so
 * every scalar keeps its text. Bad input is refused through `fail` (the caller words the line):
 * a syntax error or warning, a second document (`---`), which a single parse would silently drop,
 * and an alias bomb (aliases expanding past a bound), which is the file's fault, not elm's.
 */
import type { Document, LineCounter } from 'yaml';

/** The caller's refusal: `line` is 1-based, or undefined when the problem has no one line. */
export type YamlFail = (line: number | undefined, message: string) => never;

export interface YamlInput {
  doc: Document;
  lines: LineCounter;
  /** The document as plain values; an alias bomb is refused through `fail`. */
  toJS(): unknown;
}

/** More alias expansions than this is not a spec anyone writes by hand (the library's own default bound). */
const MAX_ALIAS_COUNT = 100;

export async function parseYamlInput(text: string, fail: YamlFail): Promise<YamlInput> {
  const YAML = await import('yaml');
  const lines = new YAML.LineCounter();
  const parsed = YAML.parseAllDocuments(text, { schema: 'failsafe', prettyErrors: false, logLevel: 'silent', uniqueKeys: true, lineCounter: lines });
  const docs = Array.isArray(parsed) ? parsed : [];
  if (docs.length > 1) {
    const second = docs[1].range?.[0] ?? 0;
    fail(lines.linePos(second).line, `a second YAML document starts here (---), which elm would ignore; keep one document per file`);
  }
  const doc = docs[0] ?? new YAML.Document(null);
  const problem = doc.errors[0] ?? doc.warnings[0];
  if (problem) fail(lines.linePos(problem.pos[0]).line, problem.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, ''));
  return {
    doc,
    lines,
    toJS() {
      try {
        return doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
      } catch (e) {
        if (e instanceof ReferenceError && /alias/i.test(e.message))
          fail(undefined, `its aliases (*name) expand past ${MAX_ALIAS_COUNT} copies (a YAML alias bomb); write the values out or use fewer aliases`);
        throw e;
      }
    },
  };
}
