import { globalAbort } from './action';

/**
 * What every run of elm does with its process: a closed stdout pipe ends it quietly, and Ctrl-C
 * aborts the command (a second one, or 3 s without anyone listening, exits 130). Returns whether
 * Ctrl-C was pressed.
 */
export function watchProcess(opts: { ownStdout?: boolean } = {}): () => boolean {
  // `elm ... | head` closes the pipe early: that is the reader's choice, not an error. (A command
  // printing through printOnlyStreams handles it there, without making process.stdout.)
  if (!opts.ownStdout)
    process.stdout.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    });
  let interrupted = false;
  process.on('SIGINT', () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    globalAbort().abort();
    // Long steps clean up on abort; if nothing is listening, leave promptly with 130.
    setTimeout(() => process.exit(130), 3000).unref();
  });
  return () => interrupted;
}
