import { UsageError } from '../domain/errors';
import type { State } from '../domain/state';
import { STATE_SCHEMA_VERSION } from '../domain/stateVersion';

/**
 * The state's text checked before elm trusts it, wherever it is kept (a file, a blob): JSON, a
 * schema version this elm understands, the schema. Each refusal says elm will not overwrite it
 * and how to restore the last good copy.
 */
export async function parseStateDocument(raw: string, where: { what: string; kind: 'file' | 'blob'; restore: string }): Promise<State> {
  let doc: unknown;
  try {
    doc = JSON.parse(raw);
  } catch (e) {
    throw new UsageError(`${where.what} is corrupt (${(e as Error).message}); elm will not overwrite it. ${where.restore}`);
  }
  const version = (doc as { schemaVersion?: unknown } | null)?.schemaVersion;
  if (typeof version === 'number' && version > STATE_SCHEMA_VERSION) {
    throw new UsageError(
      `${where.what} has schemaVersion ${version}, newer than this elm understands (${STATE_SCHEMA_VERSION}); upgrade elm. The ${where.kind} was left untouched.`,
    );
  }
  const { stateSchema } = await import('../domain/state.js');
  const parsed = stateSchema.safeParse(doc);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const at = issue.path.join('.') || '(top level)';
    throw new UsageError(`${where.what} is invalid at ${at}: ${issue.message}; elm will not overwrite it. ${where.restore}`);
  }
  return parsed.data;
}
