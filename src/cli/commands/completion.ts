import { Argument, type Command } from 'commander';
import { complete, formatCompletion, SHELLS, type Shell } from '../completion/engine.js';
import { completionScript } from '../completion/scripts.js';
import { examples } from '../help.js';

/** `jobs completion <shell>` and the hidden `jobs __complete` the scripts call. */
export function registerCompletionCommands(program: Command): void {
  program
    .command('completion')
    .description('print a shell completion script (commands, options, queue and schedule names)')
    .addArgument(new Argument('<shell>', 'bash, zsh or fish').choices(SHELLS))
    .addHelpText(
      'after',
      `${examples('source <(env jobs completion bash)        # in ~/.bashrc', 'source <(env jobs completion zsh)         # in ~/.zshrc, after compinit', 'env jobs completion fish | source         # in ~/.config/fish/config.fish')}\n\n\`env\` runs the program: in bash, zsh and fish a bare \`jobs\` is the shell's builtin.\nQueue and schedule names are read from Redis as you type; when Redis is down they are left out.`,
    )
    .action((shell: Shell) => {
      process.stdout.write(completionScript(shell));
    });

  // Called by the scripts: `jobs __complete <shell> -- <words after the program name>`.
  program
    .command('__complete', { hidden: true })
    .argument('<shell>')
    .argument('[words...]')
    .helpOption(false)
    .action(async (shell: string, words: string[]) => {
      const target: Shell = (SHELLS as readonly string[]).includes(shell) ? (shell as Shell) : 'bash';
      try {
        const { redisNames } = await import('../completion/names.js');
        const completion = await complete(program, words.length === 0 ? [''] : words, redisNames());
        process.stdout.write(formatCompletion(completion, target));
      } catch {
        // completion never prints errors into the user's prompt
      }
    });
}
