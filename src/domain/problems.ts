import { UsageError } from './errors';

/**
 * Every bad value of a command, named at once: the rules are all run and one UsageError (exit 2,
 * one line) names each refused flag, so a script's author fixes them in one go, not one per run.
 */
export class Problems {
  private readonly found: string[] = [];

  /** Runs a rule on a flag's value; a refusal is kept, not thrown. */
  check(rule: (v: string) => true | string, value: string, flag: string): void {
    const ok = rule(value);
    if (ok !== true) this.found.push(`${flag}: ${ok}`);
  }

  /** A refusal said in its own words (naming its flag), without the closing period. */
  add(text: string): void {
    this.found.push(text);
  }

  /** Throws the one error naming them all (a single problem reads as it always did). */
  throwIfAny(): void {
    if (this.found.length === 1) throw new UsageError(`${this.found[0]}.`);
    if (this.found.length > 1) throw new UsageError(`${this.found.length} values are refused: ${this.found.join('; ')}.`);
  }
}
