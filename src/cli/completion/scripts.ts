import type { Shell } from './engine.js';

/**
 * The shell side of completion: a few lines that hand the words typed so far to
 * `<program> __complete <shell> -- <words>` and offer what it prints. `jobs` is a builtin of
 * bash, zsh and fish, so the scripts run the program found on PATH, never the builtin.
 */
const BASH = `# jobs completion for bash. Load it with:  source <(env jobs completion bash)
# or save it:  env jobs completion bash > ~/.local/share/bash-completion/completions/jobs
# (\`env\` runs the program: a bare \`jobs\` is the shell's builtin)
_jobs_completion() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" program
  # \`jobs\` is also a bash builtin: run the program on PATH, not the builtin
  program="$(type -P "\${COMP_WORDS[0]}" 2>/dev/null)" || return 0
  [[ -n "$program" ]] || return 0
  local IFS=$'\\n'
  local -a lines
  lines=($("$program" __complete bash -- "\${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null))
  if [[ "\${lines[0]}" == ":files" ]]; then
    COMPREPLY=($(compgen -f -- "$cur"))
  else
    COMPREPLY=("\${lines[@]}")
  fi
}
complete -F _jobs_completion jobs jobsctl
`;

const ZSH = `#compdef jobs jobsctl
# jobs completion for zsh. Load it with:  source <(env jobs completion zsh)
# or save it as _jobs in a directory of your $fpath.
_jobs() {
  # \`jobs\` is also a zsh builtin: run the program on PATH, not the builtin
  local program=\${commands[\${words[1]}]}
  [[ -n $program ]] || return 1
  local -a lines
  lines=("\${(@f)$("$program" __complete zsh -- "\${(@)words[2,CURRENT]}" 2>/dev/null)}")
  if [[ "\${lines[1]}" == ":files" ]]; then
    _files
    return
  fi
  lines=(\${lines:#})
  (( \${#lines} )) || return 1
  _describe -t values 'jobs' lines
}
if [[ "\${zsh_eval_context[-1]}" == loadautofunc ]]; then
  # autoloaded from $fpath as _jobs: this file is the function's first call
  _jobs "$@"
elif (( $+functions[compdef] )); then
  compdef _jobs jobs jobsctl
fi
`;

const FISH = `# jobs completion for fish. Load it with:  env jobs completion fish | source
# or save it:  env jobs completion fish > ~/.config/fish/completions/jobs.fish
function __jobs_complete
    set -l tokens (commandline -opc)
    # \`jobs\` is also a fish builtin: run the program on PATH, not the builtin
    set -l program (command -s $tokens[1]); or return
    set -l lines ($program __complete fish -- $tokens[2..-1] (commandline -ct) 2>/dev/null)
    if test "$lines[1]" = ":files"
        __fish_complete_path (commandline -ct)
    else
        printf '%s\\n' $lines
    end
end
complete -c jobs -f -a '(__jobs_complete)'
complete -c jobsctl -f -a '(__jobs_complete)'
`;

export function completionScript(shell: Shell): string {
  return shell === 'bash' ? BASH : shell === 'zsh' ? ZSH : FISH;
}
