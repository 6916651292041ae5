import { readFileSync } from 'node:fs';
import { Command } from 'commander';

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

export function buildProgram(): Command {
  return new Command('jobs')
    .description('Redis-backed background jobs: enqueue, run workers, inspect queues')
    .version(packageVersion(), '-V, --version');
}

/** Runs the CLI and resolves with the process exit code. */
export async function run(argv: string[]): Promise<number> {
  const program = buildProgram();
  program.exitOverride();
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (error) {
    const code = (error as { exitCode?: number }).exitCode;
    return typeof code === 'number' ? (code === 0 ? 0 : 2) : 1;
  }
}
