/**
 * What a Windows managed Run Command's script receives as its parameters. The handler
 * (RunCommandHandlerWindows) runs the script as `script.ps1 -Name value …` through a command line
 * on which ^ & % < > | and " do not survive (Azure/azure-powershell#29880, Azure/azure-cli#20096;
 * a SAS URL with & hung a step for 90 minutes: MicrosoftDocs/azure-docs#80366), and PowerShell
 * reads a value that starts with '-' as the next parameter's name, leaving the parameter before it
 * without a value. Parameters and protectedParameters go the same way.
 */

/** The characters the command line drops from a value. */
export const STRIPPED_BY_COMMAND_LINE = /[\^&%<>|"]/g;

/** name → value as the script's param() binds them (a parameter left without a value gets ''). */
export function scriptArguments(pairs: Array<{ name: string; value: string }>): Record<string, string> {
  const tokens = pairs.flatMap((p) => [`-${p.name}`, p.value.replace(STRIPPED_BY_COMMAND_LINE, '')]);
  const bound: Record<string, string> = {};
  for (let i = 0; i < tokens.length; i++) {
    if (!tokens[i].startsWith('-')) continue; // a value no parameter took
    const next = tokens[i + 1];
    const hasValue = next !== undefined && !next.startsWith('-');
    bound[tokens[i].slice(1)] = hasValue ? next : '';
    if (hasValue) i++;
  }
  return bound;
}
