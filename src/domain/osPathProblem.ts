/**
 * What an operating-system error on a path means to an operator, as a phrase that follows the
 * path ("… does not exist"). Only errors a different path or permission would fix are named;
 * anything else (EIO, ENOSPC) is not the operator's input and stays a failure.
 */
const PROBLEMS: Record<string, string> = {
  ENOENT: 'does not exist',
  ENOTDIR: 'goes through a file as if it were a folder',
  EISDIR: 'is a folder, not a file',
  ELOOP: 'is a loop of symbolic links',
  ENAMETOOLONG: 'is too long a path for this system',
  EACCES: 'is not accessible: permission denied',
  EPERM: 'is not accessible: operation not permitted',
  EROFS: 'is on a read-only file system',
};

export function osPathProblem(e: unknown): string | undefined {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  return code ? PROBLEMS[code] : undefined;
}

/** The path an fs error names (shortened when it is itself the problem). */
export function osErrorPath(e: unknown): string | undefined {
  const p = (e as NodeJS.ErrnoException | null)?.path;
  if (typeof p !== 'string') return undefined;
  return p.length > 120 ? `${p.slice(0, 60)}…${p.slice(-40)}` : p;
}

/** `new URL()` on an operator's value: Node's TypeError with code ERR_INVALID_URL and the input. */
export function invalidUrlInput(e: unknown): string | undefined {
  const err = e as { code?: string; input?: unknown } | null;
  return err?.code === 'ERR_INVALID_URL' ? String(err.input ?? '') : undefined;
}
