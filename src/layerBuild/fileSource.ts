/**
 * A build's `file: {source}`: a local file next to the spec, or an https:// URL with a host. A
 * URL must not carry a query or user:password: the source is recorded in the state (which may be
 * a shared blob) and written into the build script, so a SAS or password there would leak. A local
 * file is copied when its step runs (an installer may be gigabytes), so the build records what it
 * was when the build started and refuses to copy one that changed since: never a mix of the
 * scripts read at the start and files edited later.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../domain/errors';
import { checkInputFile } from '../runtime/inputFile';

export interface FileSource {
  /** Absolute local path or https:// URL (never with a query or credentials). */
  source: string;
  /** A local file as it was when the build started: size, modification and change time (ns). */
  fingerprint?: string;
}

/** The URL of a source, or the refusal naming what is wrong with it and the fix. */
function checkedUrl(raw: string, at: string, abs: string): string {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new UsageError(`Build spec ${abs}: ${at}.file.source "${raw}" is not a URL with a host; give https://HOST/PATH or a local file next to the spec.`);
  }
  if (u.hostname === '') throw new UsageError(`Build spec ${abs}: ${at}.file.source "${raw}" has no host; give https://HOST/PATH or a local file next to the spec.`);
  if (u.search || u.username || u.password)
    throw new UsageError(
      `Build spec ${abs}: ${at}.file.source must not carry a query or user:password (a SAS token or password would be stored in the state and the build script); give the plain URL, or download it in a script step that reads the token from a secret (secrets: NAME: ENV_VAR).`,
    );
  return u.href;
}

/** Reads a spec's `file.source` as written: refused at once when it is not a usable source. */
export async function fileSourceFromSpec(raw: string, specPath: string, at: string): Promise<FileSource> {
  if (/^http:/i.test(raw)) throw new UsageError(`Build spec ${specPath}: ${at}.file.source must be a local file or an https:// URL (plain http is readable on the way).`);
  if (/^https:/i.test(raw)) return { source: checkedUrl(raw, at, specPath) };
  const file = path.resolve(path.dirname(specPath), raw);
  // Checked, not read: an installer may be gigabytes (copied when the step runs).
  await checkInputFile(file, `Build spec ${at}.file.source`, 'give a local file next to the spec or an https:// URL');
  return { source: file, fingerprint: await fingerprintOf(file) };
}

async function fingerprintOf(file: string): Promise<string> {
  const st = await fs.stat(file, { bigint: true });
  return `${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
}

/** Throws when a local source is not the file the build started with (checked before and after a copy). */
export async function checkSourceUnchanged(step: FileSource): Promise<void> {
  if (step.fingerprint === undefined) return;
  const now = await fingerprintOf(step.source).catch(() => 'missing');
  if (now !== step.fingerprint)
    throw new Error(`${step.source} ${now === 'missing' ? 'is gone' : 'changed'} since the build started; the build copies only the files it started with. Remove this version and run elm layer build again`);
}
