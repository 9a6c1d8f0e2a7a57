import type { Command, Option } from 'commander';
import { UsageError } from '../domain/errors';
import { argumentValues, flagValues, resolveValues } from './completionValues';
import { commandPath } from './help/commandPath';

/**
 * Shell completion. The scripts are small and ask elm itself (`elm __complete -- WORDS`) for the
 * candidates, so they never go stale when commands or flags change, and nothing is generated
 * unless `elm completion` runs.
 */
export const SHELLS = ['bash', 'zsh', 'fish', 'powershell'] as const;

export function completionScript(shell: string): string {
  switch (shell) {
    case 'bash':
      // Candidates come back escaped for the shell (a layer named "Citrix VDA" is one word), or
      // closed in the quote the operator opened. nosort: elm's order stands (task 2 before 10).
      return `# elm completion for bash: elm completion bash > ~/.local/share/bash-completion/completions/elm
_elm_complete() {
  local IFS=$'\\n' cur="\${COMP_WORDS[COMP_CWORD]}" c
  local -a found
  found=( $(elm __complete -- "\${COMP_WORDS[@]:0:COMP_CWORD+1}" 2>/dev/null) )
  COMPREPLY=()
  for c in "\${found[@]}"; do
    case "$cur" in
      \\'*) COMPREPLY+=( "'$c'" ) ;;
      \\"*) COMPREPLY+=( "\\"$c\\"" ) ;;
      *) COMPREPLY+=( "$(printf '%q' "$c")" ) ;;
    esac
  done
}
complete -o default -o nosort -F _elm_complete elm
`;
    case 'zsh':
      // Works both ways zsh loads it: autoloaded from $fpath (the file's body is the function,
      // run on the first TAB) or sourced after compinit (it registers the function). -V: an
      // unsorted group, so elm's order stands (task 2 before 10).
      return `#compdef elm
# elm completion for zsh: elm completion zsh > "\${fpath[1]}/_elm"  (or: source <(elm completion zsh))
_elm() {
  local -a candidates
  candidates=("\${(@f)$(elm __complete -- "\${(@)words[1,CURRENT]}" 2>/dev/null)}")
  if (( \${#candidates} )) && [[ -n "\${candidates[1]}" ]]; then
    compadd -V elm -a candidates
  else
    _files
  fi
}
if [[ "\${funcstack[1]}" == _elm ]]; then
  _elm "$@"
elif (( $+functions[compdef] )); then
  compdef _elm elm
fi
`;
    case 'fish':
      // File names when elm has nothing to offer (a --disk, a --report, a spec file). -k: elm's
      // order stands (task 2 before 10).
      return `# elm completion for fish: elm completion fish > ~/.config/fish/completions/elm.fish
function __elm_complete
  set -l found (elm __complete -- (commandline -opc) (commandline -ct) 2>/dev/null)
  if test (count $found) -gt 0
    printf '%s\\n' $found
  else
    __fish_complete_path (commandline -ct)
  end
end
complete -c elm -f -k -a '(__elm_complete)'
`;
    case 'powershell':
      return `# elm completion for PowerShell: elm completion powershell >> $PROFILE
Register-ArgumentCompleter -Native -CommandName elm -ScriptBlock {
  param($wordToComplete, $commandAst, $cursorPosition)
  $words = @($commandAst.CommandElements | Where-Object { $_.Extent.EndOffset -le $cursorPosition } | ForEach-Object { $_.ToString() })
  if ($wordToComplete -eq '') { $words += '""' }
  # A name with a space or a character PowerShell reads (Citrix VDA) is inserted quoted.
  elm __complete -- @words 2>$null | ForEach-Object {
    $text = if ($_ -match '[\\s''"\`$;,(){}|&<>]') { "'" + ($_ -replace "'", "''") + "'" } else { $_ }
    [System.Management.Automation.CompletionResult]::new($text, $_, 'ParameterValue', $_)
  }
}
`;
    default:
      throw new UsageError(`elm completion: no completion for "${shell}"; pick one of ${SHELLS.join(', ')}.`);
  }
}

/**
 * The candidates for the last word, given every word typed so far (the first is the program's
 * name): the flags of the command the words name when the word starts with "-", the value of the
 * flag before it (fixed choices, or names from the state), a subcommand, or the command's next
 * argument (a layer, an OS layer, a connector, a task). None: the shell completes file names.
 */
export async function completeWords(program: Command, given: string[]): Promise<string[]> {
  const { words, kept } = joinWordBreaks(given);
  const names = await candidates(program, words);
  return names.filter((n) => n.length > kept).map((n) => n.slice(kept));
}

/**
 * bash splits words at the characters of COMP_WORDBREAKS, so `--os-layer win11@2` arrives as
 * "--os-layer", "win11", "@", "2" and `--connector=s` as "--connector", "=", "s". The pieces are
 * joined back; `kept` is how much of the last word bash keeps (it replaces only what follows the
 * last break), which is cut from each candidate. An @ is the exception: bash lists it in
 * readline's rl_special_prefixes ("$@", bashline.c), so readline replaces the @ too and the
 * candidate keeps it ("@2"). Other shells send whole words: kept is 0.
 */
function joinWordBreaks(given: string[]): { words: string[]; kept: number } {
  const words: string[] = [];
  let kept = 0;
  let glue = false;
  for (const piece of given) {
    const last = words.length - 1;
    if (/^[=@:]$/.test(piece) && words.length > 1) {
      kept = piece === '@' ? words[last].length : words[last].length + 1;
      words[last] += piece;
      glue = true;
    } else if (glue) {
      words[last] += piece; // kept stays where the break put it
      glue = false;
    } else {
      words.push(piece);
      kept = 0;
    }
  }
  return { words, kept };
}

async function candidates(program: Command, words: string[]): Promise<string[]> {
  const typed = words.slice(1);
  // `elm help layer cr`: the words after help name a command, as after elm itself.
  const help = typed[0] === 'help' && typed.length > 1;
  if (help) typed.shift();
  // A word the operator opened a quote in ('Citrix V) is matched without its quote.
  const current = (typed.pop() ?? '').replace(/^""$/, '').replace(/^['"]/, '');
  let cmd = program;
  let home: string | undefined;
  let remote = Boolean(process.env.ELM_STATE);
  let positionals = 0;
  let valueOf: Option | undefined;
  for (let i = 0; i < typed.length; i++) {
    const w = typed[i];
    if (w.startsWith('-')) {
      const opt = findOption(cmd, program, w);
      if (w.startsWith('--home=')) home = unquote(w.slice('--home='.length));
      if (w === '--state' || w.startsWith('--state=')) remote = remote || cmd === program;
      if (opt && (opt.required || opt.optional) && !w.includes('=')) {
        let v = i + 1;
        if (typed[v] === '=') v++; // bash splits --flag=value at the = (COMP_WORDBREAKS)
        if (v === typed.length) valueOf = opt;
        else if (opt.long === '--home') home = unquote(typed[v]);
        i = v; // skip the flag's value
      }
      continue;
    }
    const sub = positionals === 0 ? cmd.commands.find((c) => c.name() === w || c.aliases().includes(w)) : undefined;
    if (sub) cmd = sub;
    else positionals++;
  }
  const path = commandPath(cmd);
  const inline = current.match(/^(--[^=]+)=(.*)$/);
  let names: string[];
  if (inline) {
    // --os-layer=wi: the flag's values, each given back with the flag in front.
    const source = flagValues(path, inline[1]);
    names = source ? (await resolveValues(source, inline[2], home, remote)).map((v) => `${inline[1]}=${v}`) : [];
  } else if (current.startsWith('-') && !valueOf) {
    names = [...new Set([...cmd.options, ...program.options].map((o) => o.long).filter((l): l is string => Boolean(l)))];
  } else if (valueOf) {
    const source = valueOf.long ? flagValues(path, valueOf.long) : undefined;
    names = source ? await resolveValues(source, current, home, remote) : [];
  } else if (cmd.commands.length && positionals === 0) {
    names = cmd.commands.filter((c) => !isHidden(c)).map((c) => c.name());
    if (help && cmd === program) names.push('environment');
  } else {
    const argument = cmd.registeredArguments[positionals];
    const source = argument ? argumentValues(path, argument.name()) : undefined;
    names = source ? await resolveValues(source, current, home, remote) : [];
  }
  return [...new Set(names)].filter((n) => n.startsWith(current)).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
}

function unquote(word: string): string {
  return word.replace(/^(['"])(.*)\1$/, '$2');
}

function findOption(cmd: Command, program: Command, flag: string): Option | undefined {
  const name = flag.split('=')[0];
  return [...cmd.options, ...program.options].find((o) => o.long === name || o.short === name);
}

function isHidden(c: Command): boolean {
  return (c as unknown as { _hidden?: boolean })._hidden === true || c.name() === 'help';
}
