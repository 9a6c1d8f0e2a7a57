/**
 * Waits for work that takes no AbortSignal (the integrity probe through the Run Command action,
 * which cannot be stopped) only until the step's signal fires: a cancelled build then goes on to
 * its clean-up at once, and the work left behind ends with the machine the clean-up deletes.
 */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    work.catch(() => undefined);
    return Promise.reject(new Error('interrupted'));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      work.catch(() => undefined); // its late end is nobody's
      reject(new Error('interrupted'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}
