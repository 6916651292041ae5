import { PermanentError } from '../core/errors.js';

/**
 * Environment variables an exec job may not set unless the worker allows them by name: they
 * change which program runs, what code it loads, or run commands of their own.
 */
const REFUSED_PREFIXES: readonly [string, string][] = [
  ['LD_', 'it steers the dynamic loader'], // LD_PRELOAD, LD_LIBRARY_PATH, LD_AUDIT...
  ['DYLD_', 'it steers the dynamic loader'], // macOS
  ['BASH_FUNC_', 'bash defines functions from it'], // exported shell functions
  ['GIT_CONFIG_', 'git takes any option from it, commands to run included'], // GIT_CONFIG_COUNT, _KEY_n, _VALUE_n
];

const REFUSED_NAMES: ReadonlyMap<string, string> = new Map(
  Object.entries({
    'it changes where programs are looked up': ['PATH', 'CDPATH'],
    'shells run code from it or split words with it': ['BASH_ENV', 'ENV', 'IFS', 'SHELLOPTS', 'BASHOPTS', 'PS4', 'PROMPT_COMMAND', 'GLOBIGNORE', 'ZDOTDIR'],
    'the C library loads modules from it': ['GCONV_PATH', 'LOCPATH'],
    'Node.js loads code or options from it': ['NODE_OPTIONS', 'NODE_PATH', 'NODE_REPL_EXTERNAL_MODULE'],
    'Python loads code from it': ['PYTHONPATH', 'PYTHONHOME', 'PYTHONSTARTUP', 'PYTHONUSERBASE', 'PYTHONINSPECT', 'PYTHONWARNINGS', 'PYTHONBREAKPOINT'],
    'Perl loads code or options from it': ['PERL5LIB', 'PERLLIB', 'PERL5OPT', 'PERL5DB', 'PERL_MB_OPT', 'PERL_MM_OPT'],
    'Ruby loads code or options from it': ['RUBYOPT', 'RUBYLIB', 'GEM_HOME', 'GEM_PATH', 'BUNDLE_GEMFILE'],
    'Java loads code or options from it': ['JAVA_TOOL_OPTIONS', '_JAVA_OPTIONS', 'JDK_JAVA_OPTIONS', 'CLASSPATH'],
    'PHP loads its settings from it': ['PHPRC', 'PHP_INI_SCAN_DIR'],
    'git runs commands or finds its repository through it': [
      'GIT_SSH', 'GIT_SSH_COMMAND', 'GIT_EXEC_PATH', 'GIT_ASKPASS', 'GIT_PROXY_COMMAND',
      'GIT_EXTERNAL_DIFF', 'GIT_PAGER', 'GIT_EDITOR', 'GIT_TEMPLATE_DIR', 'GIT_DIR', 'GIT_WORK_TREE',
    ],
    'programs run the command it names': ['EDITOR', 'VISUAL', 'PAGER', 'LESSOPEN', 'LESSCLOSE', 'SSH_ASKPASS', 'SUDO_ASKPASS', 'BROWSER'],
  }).flatMap(([why, names]) => names.map((name): [string, string] => [name, why])),
);

/** Why the variable is refused by default, or undefined for an ordinary variable. */
export function refusedEnvReason(name: string): string | undefined {
  // Windows looks names up case-insensitively; elsewhere the upper-case form is the one honoured.
  const upper = name.toUpperCase();
  const exact = REFUSED_NAMES.get(upper);
  if (exact !== undefined) return exact;
  return REFUSED_PREFIXES.find(([prefix]) => upper.startsWith(prefix))?.[1];
}

/**
 * Throws PermanentError for the first variable of a job's `env` that is refused and not in
 * `allowed` (names matched exactly), before anything is started.
 */
export function checkJobEnv(env: Record<string, string> | undefined, allowed: ReadonlySet<string>): void {
  for (const name of Object.keys(env ?? {})) {
    const reason = refusedEnvReason(name);
    if (reason === undefined || allowed.has(name)) continue;
    throw new PermanentError(
      `exec: "env" may not set ${name} (${reason}); ` +
        `a worker can allow it by name with --exec-allow-env ${name} (library: execAllowEnv)`,
    );
  }
}
