import type { Command, Option } from 'commander';

/**
 * commander stops at the first missing required option (`connector add azure` named only
 * --name); an operator fixing a command line wants them all at once. commander calls
 * missingMandatoryOptionValue for the first one it finds: this replacement names every one.
 */
export function reportAllMissingOptions(cmd: Command): void {
  // A method of commander's Command (lib/command.js) that its type declarations leave out.
  const hooked = cmd as Command & { missingMandatoryOptionValue(option: Option): never };
  const original = hooked.missingMandatoryOptionValue.bind(cmd);
  hooked.missingMandatoryOptionValue = (first: Option) => {
    const missing: Option[] = [];
    for (let c: Command | null = cmd; c; c = c.parent) {
      for (const o of c.options) if (o.mandatory && c.getOptionValue(o.attributeName()) === undefined) missing.push(o);
    }
    if (missing.length <= 1) return original(first);
    const names = missing.map((o) => o.long ?? o.flags);
    cmd.error(`required options not specified: ${names.join(', ')}`, { code: 'commander.missingMandatoryOptionValue', exitCode: 2 });
  };
}
