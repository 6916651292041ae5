import type { Command } from 'commander';

/**
 * Help texts write their examples as `jobs <command> ...`. Started as another name (`jobsctl`,
 * which no shell owns), the examples say that name, so a copied example runs in `sh -c`.
 * Only `jobs` followed by one of the program's command names is renamed, at a line's start
 * after indentation or after a backtick, a pipe, `&&` or `;`: never the word "jobs" in prose.
 */
export function helpInTermsOf(program: Command, name: string): (text: string) => string {
  if (name === 'jobs') return (text) => text;
  const commands = program.commands.flatMap((command) => [command.name(), ...command.aliases()]);
  const escaped = commands.map((command) => command.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  const example = new RegExp(`(^[ \\t]*|[\`|&;] *)jobs(?= (?:${escaped.join('|')})\\b)`, 'gm');
  return (text) => text.replace(example, `$1${name}`);
}
