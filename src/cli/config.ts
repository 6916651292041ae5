import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { DEFAULT_PREFIX, DEFAULT_REDIS_URL } from '../core/handle.js';
import { UsageError } from './errors.js';

/** Settings every command shares. */
export interface CliConfig {
  redis: string;
  prefix: string;
  queue: string;
  /** Comma-separated payload/result keys whose values are hidden in output. */
  redact: string;
}

export type ConfigSource = Partial<Record<keyof CliConfig, string | undefined>>;

export const DEFAULT_CONFIG: Readonly<CliConfig> = { redis: DEFAULT_REDIS_URL, prefix: DEFAULT_PREFIX, queue: 'default', redact: '' };

/** Environment variables for each setting. */
export const CONFIG_ENV: Readonly<Record<keyof CliConfig, string>> = {
  redis: 'REDIS_URL',
  prefix: 'JOBS_PREFIX',
  queue: 'JOBS_QUEUE',
  redact: 'JOBS_REDACT',
};

/** Where an explicitly set value came from (the rows above a running `jobs dev` and the default). */
export type ExplicitSource = 'flag' | 'environment' | 'config file';

function explicitValue(
  key: keyof CliConfig,
  flags: ConfigSource,
  env: Readonly<Record<string, string | undefined>>,
  file: ConfigSource,
): { value: string; source: ExplicitSource } | undefined {
  const fromEnv = env[CONFIG_ENV[key]];
  if (flags[key] !== undefined) return { value: flags[key], source: 'flag' };
  if (fromEnv !== undefined && fromEnv !== '') return { value: fromEnv, source: 'environment' };
  if (file[key] !== undefined) return { value: file[key], source: 'config file' };
  return undefined;
}

/** Which row set the Redis URL, when one of flag, environment or config file did. Pure. */
export function explicitRedisSource(
  flags: ConfigSource,
  env: Readonly<Record<string, string | undefined>>,
  file: ConfigSource,
): ExplicitSource | undefined {
  return explicitValue('redis', flags, env, file)?.source;
}

/** What a running `jobs dev` in the working directory provides (its Redis URL). */
export type DevSource = Pick<ConfigSource, 'redis'>;

/**
 * Precedence: flag, then environment, then config file, then (for the Redis URL) the
 * `.jobs/dev.json` of a `jobs dev` running in the working directory, then default. Pure.
 */
export function resolveConfig(
  flags: ConfigSource,
  env: Readonly<Record<string, string | undefined>>,
  file: ConfigSource,
  dev: DevSource = {},
): CliConfig {
  const pick = (key: keyof CliConfig): string =>
    explicitValue(key, flags, env, file)?.value ?? (key === 'redis' ? dev.redis : undefined) ?? DEFAULT_CONFIG[key];
  return { redis: pick('redis'), prefix: pick('prefix'), queue: pick('queue'), redact: pick('redact') };
}

export const DEFAULT_CONFIG_FILE = 'jobs.config.json';

/**
 * Reads the config file: `explicit` must exist; otherwise `jobs.config.json` in the working
 * directory is used when present.
 */
export function loadConfigFile(explicit: string | undefined, cwd = process.cwd()): ConfigSource {
  const path = resolve(cwd, explicit ?? DEFAULT_CONFIG_FILE);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    if (explicit) throw new UsageError(`config file ${explicit} cannot be read; check the path given to --config`);
    return {};
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`config file ${path} is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new UsageError(`config file ${path} must hold a JSON object like {"redis": "redis://..."}`);
  }
  const source: ConfigSource = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (!(key in DEFAULT_CONFIG)) throw new UsageError(`config file ${path}: unknown setting "${key}" (known: redis, prefix, queue, redact)`);
    if (typeof value !== 'string') throw new UsageError(`config file ${path}: "${key}" must be a string`);
    source[key as keyof CliConfig] = value;
  }
  return source;
}
