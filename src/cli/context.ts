import type { Command } from 'commander';
import type { Queue, QueueOptions } from '../core/queue.js';
import { explicitRedisSource, loadConfigFile, resolveConfig, SETTING_NAMES, type CliConfig, type ConfigSource, type ExplicitSource } from './config.js';
import type { RawValue } from './config-values.js';
import { UsageError, type ExitCode } from './errors.js';
import { Output } from './output.js';
import { parseRedactList } from './redact.js';

/** The options every command sees, besides the settings. */
interface GlobalFlags {
  config?: string;
  json?: boolean;
  debug?: boolean;
  plain?: boolean;
  /** -q/--quiet, on the commands that print lists of ids. */
  quiet?: boolean;
}

/** The settings given as flags on the command line (commander's defaults are not flags). */
export function settingFlags(command: Command): ConfigSource {
  const given = command.optsWithGlobals<Record<string, RawValue | undefined>>();
  const flags: ConfigSource = {};
  for (const name of SETTING_NAMES) {
    if (given[name] !== undefined && command.getOptionValueSourceWithGlobals(name) === 'cli') flags[name] = given[name];
  }
  return flags;
}

/** What a command action works with: resolved config, output, and queues it opens. */
export class CliContext {
  readonly out: Output;
  readonly debug: boolean;
  private readonly opened: Queue[] = [];

  constructor(
    readonly config: CliConfig,
    flags: GlobalFlags,
    /** Which row set the Redis URL, when a flag, the environment or the config file did. */
    readonly redisSetBy: ExplicitSource | undefined = undefined,
    /** The Queue class, loaded by open() so that commands which never run start fast. */
    private readonly QueueClass: typeof Queue | undefined = undefined,
  ) {
    if (flags.quiet && flags.json) throw new UsageError('give --json or --quiet, not both');
    this.out = new Output(Boolean(flags.json), parseRedactList(config.redact), process.stdout, process.stderr, {
      plain: Boolean(flags.plain),
      quiet: Boolean(flags.quiet),
    });
    this.debug = Boolean(flags.debug);
  }

  /**
   * Resolves the settings (see resolveConfig). The Redis URL of a `jobs dev` running in the
   * working directory is looked up only when no flag, variable or config file sets one.
   */
  static async open(flags: GlobalFlags, settings: ConfigSource = {}, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Promise<CliContext> {
    const file = loadConfigFile(flags.config, cwd);
    const redisSetBy = explicitRedisSource(settings, env, file);
    const devUrl = redisSetBy === undefined ? await (await import('./dev/state-file.js')).runningDevUrl(cwd) : undefined;
    const config = resolveConfig(settings, env, file, devUrl === undefined ? {} : { redis: devUrl });
    const { Queue } = await import('../core/queue.js');
    return new CliContext(config, flags, redisSetBy, Queue);
  }

  /** Opens a queue (the configured one by default) with the configured limits; closed when the command ends. */
  queue(name = this.config.queue, options: Omit<QueueOptions, 'connection' | 'prefix'> = {}): Queue {
    if (!this.QueueClass) throw new Error('CliContext.queue() needs a context made by CliContext.open()');
    const queue = new this.QueueClass(name, {
      maxPayloadBytes: this.config.maxPayloadBytes,
      retention: { finishedCount: this.config.retentionCount, finishedAgeMs: this.config.retentionAge },
      ...options,
      connection: this.config.redis,
      prefix: this.config.prefix,
    });
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
    const { confirm } = await import('@inquirer/prompts');
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
 * Wraps a command action: builds the context from the global options and settings, runs the
 * body, and closes what it opened. Errors propagate to run(), which turns them into exit codes.
 */
export function action<Args extends unknown[]>(body: ActionBody<Args>): (...args: unknown[]) => Promise<void> {
  return async (...args: unknown[]) => {
    const command = args[args.length - 1] as Command;
    const ctx = await CliContext.open(command.optsWithGlobals<GlobalFlags>(), settingFlags(command));
    try {
      actionResult.exitCode = (await body(ctx, ...(args.slice(0, -1) as Args))) ?? 0;
    } finally {
      await ctx.close();
    }
  };
}
