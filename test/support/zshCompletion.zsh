#!/bin/zsh -f
# Asks a real interactive zsh (in a zsh/zpty pseudo-terminal, with compinit) what TAB offers.
# Usage: zsh -f zshCompletion.zsh SCRIPT fpath|source LINE...
#   SCRIPT is `elm completion zsh` saved in a file named _elm: "fpath" autoloads it from its
#   folder (as the README installs it), "source" sources it after compinit.
# Prints, per LINE, "<LINE>", each candidate zsh's completion system was given, then "</LINE>".
# A key bound to a widget runs complete-word; compadd is wrapped to print what it adds; nothing
# is inserted or listed.
zmodload zsh/zpty || exit 3
local script=$1 mode=$2
shift 2
zpty z zsh -f -i
zpty -w z "PS1='> '; PROMPT_EOL_MARK=''"
if [[ $mode == fpath ]]; then
  zpty -w z "fpath=(${script:h} \$fpath); autoload -U compinit; compinit -u -D"
else
  zpty -w z "autoload -U compinit; compinit -u -D; source ${(q)script}"
fi
# The markers are split in the commands, so the terminal's echo of a command never looks like output.
zpty -w z 'compadd () { if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then builtin compadd "$@"; return $?; fi; local -a __hits; builtin compadd -A __hits "$@"; local h; for h in $__hits; do print -r -- "<HI""T>$h"; done; builtin compadd "$@"; }'
zpty -w z '__t_nolist () { compstate[list]=""; compstate[insert]=""; }'
zpty -w z '__t_complete () { comppostfuncs=(__t_nolist); zle complete-word; print -r -- "<DO""NE>"; }; zle -N __t_complete; bindkey "^T" __t_complete'
local line all out i hit
for line in "$@"; do
  # The line and the completion key (Ctrl-U, clearing the line, only once it answered: zle
  # skips completing while more input is queued).
  zpty -w -n z "$line"$'\x14'
  all=''
  for i in {1..150}; do
    while zpty -r -t z out; do all+=$out; done
    [[ $all == *'<DONE>'* ]] && break
    sleep 0.1
  done
  print -r -- "<LINE>"
  for hit in ${(f)${all//$'\r'/$'\n'}}; do
    [[ $hit == *'<HIT>'* ]] && print -r -- ${hit#*<HIT>}
  done
  print -r -- "</LINE>"
  [[ $all == *'<DONE>'* ]] || { print -u2 "zsh gave no answer for: $line"; exit 4; }
  zpty -w -n z $'\x15'
done
zpty -d z
