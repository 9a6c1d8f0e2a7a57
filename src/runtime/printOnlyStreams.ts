/**
 * Standard output and error for the read-only commands scripts call most (the fast path's
 * `task list` and `layer list`). Node makes process.stdout and process.stderr on first use, and
 * making them loads its stream, net and tty modules: several milliseconds, a good part of what
 * such a call costs beyond starting Node. Where the output goes to a pipe, a file or /dev/null,
 * these write with fs.writeSync instead, as Node's own stream does for a file; a terminal (any
 * other character device) and Windows get Node's streams, with their colours and width.
 */
import { fstatSync, statSync, writeSync } from 'node:fs';
import type { Streams } from './io';

export function printOnlyStreams(): Streams {
  if (process.platform === 'win32') return process;
  let stdout: NodeJS.WriteStream | undefined;
  let stderr: NodeJS.WriteStream | undefined;
  return {
    get stdout() {
      return (stdout ??= plainWriter(1) ?? quietOnEpipe(process.stdout));
    },
    get stderr() {
      return (stderr ??= plainWriter(2) ?? quietOnEpipe(process.stderr));
    },
    get stdin() {
      return process.stdin;
    },
  };
}

/** `elm task list | head` closes the pipe early: the reader's choice, not an error. */
function quietOnEpipe(stream: NodeJS.WriteStream): NodeJS.WriteStream {
  return stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  });
}

/** True when fd plainly takes bytes: not a terminal, so nothing to colour or measure. */
function isPlain(fd: number): boolean {
  try {
    const st = fstatSync(fd);
    return !st.isCharacterDevice() || st.rdev === statSync('/dev/null').rdev;
  } catch {
    return false; // closed or odd: Node's stream decides what to do
  }
}

function plainWriter(fd: 1 | 2): NodeJS.WriteStream | null {
  if (!isPlain(fd)) return null;
  let fallback: NodeJS.WriteStream | null = null;
  const writer = {
    isTTY: false,
    columns: undefined,
    write(chunk: string | Uint8Array): boolean {
      if (fallback) return fallback.write(chunk);
      const data = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      let done = 0;
      while (done < data.length) {
        try {
          done += writeSync(fd, data, done, data.length - done);
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code;
          if (code === 'EPIPE') process.exit(process.exitCode ?? 0);
          // A pipe its creator made non-blocking: Node's stream knows how to wait for it.
          if (code !== 'EAGAIN') throw e;
          fallback = quietOnEpipe(fd === 1 ? process.stdout : process.stderr);
          return fallback.write(data.subarray(done));
        }
      }
      return true;
    },
  };
  return writer as unknown as NodeJS.WriteStream;
}
