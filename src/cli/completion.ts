import type { Command, Option } from 'commander';
import { UsageError } from '../domain/errors';

/**
 * Shell completion. The scripts are small and ask elm itself (`elm __complete -- WORDS`) for the
 * candidates, so they never go stale when commands or flags change, and nothing is generated
 * unless `elm completion` runs.
 */
export const SHELLS = ['bash', 'zsh', 'fish', 'powershell'] as const;

export function completionScript(shell: string): string {
  switch (shell) {
    case 'bash':
      return `# elm completion for bash: elm completion bash > ~/.local/share/bash-completion/completions/elm
_elm_complete() {
  local IFS=$'\\n'
  COMPREPLY=( $(elm __complete -- "\${COMP_WORDS[@]:0:COMP_CWORD+1}" 2>/dev/null) )
}
complete -o default -F _elm_complete elm
`;
    case 'zsh':
      return `#compdef elm
# elm completion for zsh: elm completion zsh > "\${fpath[1]}/_elm"
_elm() {
  local -a candidates
  candidates=("\${(@f)$(elm __complete -- "\${(@)words[1,CURRENT]}" 2>/dev/null)}")
  if (( \${#candidates} )) && [[ -n "\${candidates[1]}" ]]; then
    compadd -a candidates
  else
    _files
  fi
}
if (( $+functions[compdef] )); then compdef _elm elm; fi
`;
    case 'fish':
      return `# elm completion for fish: elm completion fish > ~/.config/fish/completions/elm.fish
complete -c elm -f -a '(elm __complete -- (commandline -opc) (commandline -ct) 2>/dev/null)'
`;
    case 'powershell':
      return `# elm completion for PowerShell: elm completion powershell >> $PROFILE
Register-ArgumentCompleter -Native -CommandName elm -ScriptBlock {
  param($wordToComplete, $commandAst, $cursorPosition)
  $words = @($commandAst.CommandElements | Where-Object { $_.Extent.EndOffset -le $cursorPosition } | ForEach-Object { $_.ToString() })
  if ($wordToComplete -eq '') { $words += '""' }
  elm __complete -- @words 2>$null | ForEach-Object {
    [System.Management.Automation.CompletionResult]::new($_, $_, 'ParameterValue', $_)
  }
}
`;
    default:
      throw new UsageError(`elm completion: no completion for "${shell}"; pick one of ${SHELLS.join(', ')}.`);
  }
}

/**
 * The candidates for the last word, given every word typed so far (the first is the program's
 * name): subcommands, or the flags of the command the words name when the word starts with "-".
 */
export function completeWords(program: Command, words: string[]): string[] {
  const typed = words.slice(1);
  const current = (typed.pop() ?? '').replace(/^""$/, '');
  let cmd = program;
  for (let i = 0; i < typed.length; i++) {
    const w = typed[i];
    if (w.startsWith('-')) {
      const opt = findOption(cmd, program, w);
      if (opt && (opt.required || opt.optional) && !w.includes('=')) i++; // skip the flag's value
      continue;
    }
    const sub = cmd.commands.find((c) => c.name() === w || c.aliases().includes(w));
    if (sub) cmd = sub;
  }
  const names = current.startsWith('-')
    ? [...new Set([...cmd.options, ...program.options].map((o) => o.long).filter((l): l is string => Boolean(l)))]
    : cmd.commands.filter((c) => !isHidden(c)).map((c) => c.name());
  return names.filter((n) => n.startsWith(current)).sort();
}

function findOption(cmd: Command, program: Command, flag: string): Option | undefined {
  const name = flag.split('=')[0];
  return [...cmd.options, ...program.options].find((o) => o.long === name || o.short === name);
}

function isHidden(c: Command): boolean {
  return (c as unknown as { _hidden?: boolean })._hidden === true || c.name() === 'help';
}
