import { confirm } from '@inquirer/prompts';
import type { Command } from 'commander';
import { Queue, type QueueOptions } from '../core/queue.js';
import { explicitRedisSource, loadConfigFile, resolveConfig, type CliConfig, type ExplicitSource } from './config.js';
import { runningDevUrl } from './dev/state-file.js';
import { UsageError, type ExitCode } from './errors.js';
import { Output } from './output.js';
import { parseRedactList } from './redact.js';

/** The global options every command sees. */
interface GlobalFlags {
  redis?: string;
  prefix?: string;
  queue?: string;
  redact?: string;
  config?: string;
  json?: boolean;
  debug?: boolean;
}

/** What a command action works with: resolved config, output, and queues it opens. */
export class CliContext {
  readonly out: Output;
  readonly debug: boolean;
  private readonly opened: Queue[] = [];

  constructor(
    readonly config: CliConfig,
    json: boolean,
    debug: boolean,
    /** Which row set the Redis URL, when a flag, the environment or the config file did. */
    readonly redisSetBy: ExplicitSource | undefined = undefined,
  ) {
    this.out = new Output(json, parseRedactList(config.redact));
    this.debug = debug;
  }

  /**
   * Resolves the configuration (see resolveConfig). The Redis URL of a `jobs dev` running in
   * the working directory is looked up only when no flag, variable or config file sets one.
   */
  static async open(flags: GlobalFlags, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Promise<CliContext> {
    const file = loadConfigFile(flags.config, cwd);
    const given = { redis: flags.redis, prefix: flags.prefix, queue: flags.queue, redact: flags.redact };
    const redisSetBy = explicitRedisSource(given, env, file);
    const devUrl = redisSetBy === undefined ? await runningDevUrl(cwd) : undefined;
    const config = resolveConfig(given, env, file, devUrl === undefined ? {} : { redis: devUrl });
    return new CliContext(config, Boolean(flags.json), Boolean(flags.debug), redisSetBy);
  }

  /** Opens a queue (the configured one by default); closed when the command ends. */
  queue(name = this.config.queue, options: Omit<QueueOptions, 'connection' | 'prefix'> = {}): Queue {
    const queue = new Queue(name, { ...options, connection: this.config.redis, prefix: this.config.prefix });
    this.opened.push(queue);
    return queue;
  }

  /**
   * Asks before a destructive step. `--yes` skips the question; without it a non-interactive
   * run is refused (exit 2) and nothing is touched.
   */
  async confirm(question: string, yes: boolean | undefined): Promise<void> {
    if (yes) return;
    if (!process.stdin.isTTY || !process.stdout.isTTY) {
      throw new UsageError(`${question} Refused: not a terminal; pass --yes to confirm`);
    }
    if (!(await confirm({ message: question, default: false }))) throw new UsageError('cancelled at the prompt; nothing was changed');
  }

  async close(): Promise<void> {
    await Promise.all(this.opened.map((queue) => queue.close()));
  }
}

type ActionBody<Args extends unknown[]> = (ctx: CliContext, ...args: Args) => Promise<ExitCode | void>;

/** Exit code of the last action; read by run(). */
export const actionResult = { exitCode: 0 as ExitCode };

/**
 * Wraps a command action: builds the context from the global options, runs the body, and
 * closes what it opened. Errors propagate to run(), which turns them into exit codes.
 */
export function action<Args extends unknown[]>(body: ActionBody<Args>): (...args: unknown[]) => Promise<void> {
  return async (...args: unknown[]) => {
    const command = args[args.length - 1] as Command;
    const ctx = await CliContext.open(command.optsWithGlobals<GlobalFlags>());
    try {
      actionResult.exitCode = (await body(ctx, ...(args.slice(0, -1) as Args))) ?? 0;
    } finally {
      await ctx.close();
    }
  };
}
