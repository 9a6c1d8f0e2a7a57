import type { Command } from 'commander';

/** `elm completion SHELL` prints the script; `elm __complete -- WORDS` (hidden) answers it. */
export function registerCompletion(program: Command): void {
  program
    .command('completion <shell>')
    .description('shell completion script: bash, zsh, fish or powershell')
    .action(async function (this: Command, shell: string) {
      const { completionScript } = await import('../completion.js');
      const script = completionScript(shell);
      // --json promises one JSON document on stdout: the script goes inside it.
      if (this.optsWithGlobals().json) process.stdout.write(`${JSON.stringify({ shell, script }, null, process.stdout.isTTY ? 2 : undefined)}\n`);
      else process.stdout.write(script);
    });
  program
    .command('__complete', { hidden: true })
    .argument('[words...]')
    .allowUnknownOption()
    .helpOption(false)
    .action(async (words: string[]) => {
      const { completeWords } = await import('../completion.js');
      const out = await completeWords(program, words ?? []);
      if (out.length) process.stdout.write(`${out.join('\n')}\n`);
    });
}
