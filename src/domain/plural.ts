/**
 * A count with its noun in plain English ("1 blocker", "4 blockers"), not "1 blocker(s)".
 * The plural is the noun plus "s" unless given (an "entry" has "entries").
 */
export function counted(n: number, noun: string, plural = `${noun}s`): string {
  return `${n} ${n === 1 ? noun : plural}`;
}
