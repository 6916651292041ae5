import { DEFAULT_METRICS_HOST, DEFAULT_PREFIX, DEFAULT_REDIS_URL, DEFAULT_RETENTION } from '../core/defaults.js';
import { DEFAULT_MAX_PAYLOAD_BYTES } from '../core/options.js';
import { parseAllowNetworks } from '../handlers/destination-guard.js';
import { duration, flag, list, oneOf, size, text, whole, type RawValue, type ValueParser } from './config-values.js';

export { DEFAULT_CONFIG_FILE, loadConfigFile } from './config-file.js';

/** Every setting of the CLI, resolved from flag, environment, config file and default. */
export interface CliConfig {
  redis: string;
  prefix: string;
  queue: string;
  /** Comma-separated payload/result keys whose values are hidden in output. */
  redact: string;
  /** Largest payload `enqueue` accepts, in bytes. */
  maxPayloadBytes: number;
  /** Succeeded and cancelled jobs kept per queue (-1 all, 0 none). */
  retentionCount: number;
  /** Succeeded and cancelled jobs older than this (ms) are removed; 0 for no age limit. */
  retentionAge: number;
  /** The worker's settings. */
  concurrency: number;
  queues: string[] | undefined;
  prefetch: number | undefined;
  maxJobs: number | undefined;
  drain: boolean;
  failOnDeadLetter: boolean;
  shutdownTimeout: number;
  handlers: string | undefined;
  allowExec: boolean;
  execAllow: string[] | undefined;
  execAllowEnv: string[] | undefined;
  webhookAllowNetworks: string | undefined;
  schedules: boolean;
  metricsPort: number | undefined;
  metricsHost: string;
  logFormat: 'pretty' | 'json' | undefined;
}

export type SettingName = keyof CliConfig;

/** One setting: its environment variable, how its value is read, and its default. */
export interface Setting<T> {
  env: string;
  parse: ValueParser<NonNullable<T>>;
  default: T;
  /** The default as help and the README show it. */
  shown: string;
}

/** Raw values by setting name, from flags or the config file. */
export type ConfigSource = Partial<Record<SettingName, RawValue | undefined>>;

/** A list of CIDRs, checked where it is read so an error names its source. */
const networks: ValueParser<string> = (raw, where) => {
  const value = text(raw, where);
  parseAllowNetworks(value, where);
  return value;
};

export const SETTINGS: { readonly [K in SettingName]: Setting<CliConfig[K]> } = {
  redis: { env: 'REDIS_URL', parse: text, default: DEFAULT_REDIS_URL, shown: DEFAULT_REDIS_URL },
  prefix: { env: 'JOBS_PREFIX', parse: text, default: DEFAULT_PREFIX, shown: DEFAULT_PREFIX },
  queue: { env: 'JOBS_QUEUE', parse: text, default: 'default', shown: 'default' },
  redact: { env: 'JOBS_REDACT', parse: text, default: '', shown: 'none' },
  maxPayloadBytes: { env: 'JOBS_MAX_PAYLOAD_BYTES', parse: size, default: DEFAULT_MAX_PAYLOAD_BYTES, shown: '1mb' },
  retentionCount: { env: 'JOBS_RETENTION_COUNT', parse: whole(-1), default: DEFAULT_RETENTION.finishedCount, shown: String(DEFAULT_RETENTION.finishedCount) },
  retentionAge: { env: 'JOBS_RETENTION_AGE', parse: duration, default: DEFAULT_RETENTION.finishedAgeMs, shown: '7d' },
  concurrency: { env: 'JOBS_CONCURRENCY', parse: whole(1), default: 1, shown: '1' },
  queues: { env: 'JOBS_QUEUES', parse: list, default: undefined, shown: 'the queue setting' },
  prefetch: { env: 'JOBS_PREFETCH', parse: whole(0), default: undefined, shown: 'concurrency, at least 8' },
  maxJobs: { env: 'JOBS_MAX_JOBS', parse: whole(1), default: undefined, shown: 'no limit' },
  drain: { env: 'JOBS_DRAIN', parse: flag, default: false, shown: 'false' },
  failOnDeadLetter: { env: 'JOBS_FAIL_ON_DEAD_LETTER', parse: flag, default: false, shown: 'false' },
  shutdownTimeout: { env: 'JOBS_SHUTDOWN_TIMEOUT', parse: duration, default: 30_000, shown: '30s' },
  handlers: { env: 'JOBS_HANDLERS', parse: text, default: undefined, shown: 'built-in handlers only' },
  allowExec: { env: 'JOBS_ALLOW_EXEC', parse: flag, default: false, shown: 'false' },
  execAllow: { env: 'JOBS_EXEC_ALLOW', parse: list, default: undefined, shown: 'any command' },
  execAllowEnv: { env: 'JOBS_EXEC_ALLOW_ENV', parse: list, default: undefined, shown: 'none' },
  webhookAllowNetworks: { env: 'JOBS_WEBHOOK_ALLOW_NETWORKS', parse: networks, default: undefined, shown: 'none' },
  schedules: { env: 'JOBS_SCHEDULES', parse: flag, default: true, shown: 'on' },
  metricsPort: { env: 'JOBS_METRICS_PORT', parse: whole(0, 65_535), default: undefined, shown: 'off' },
  metricsHost: { env: 'JOBS_METRICS_HOST', parse: text, default: DEFAULT_METRICS_HOST, shown: DEFAULT_METRICS_HOST },
  logFormat: { env: 'JOBS_LOG_FORMAT', parse: oneOf(['pretty', 'json'] as const), default: undefined, shown: 'pretty on a terminal, json otherwise' },
};

export const SETTING_NAMES = Object.keys(SETTINGS) as SettingName[];

/** `maxPayloadBytes` -> `--max-payload-bytes`. */
export function flagName(name: SettingName): string {
  return `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/** The defaults of every setting. */
export const DEFAULT_CONFIG: Readonly<CliConfig> = Object.fromEntries(SETTING_NAMES.map((name) => [name, SETTINGS[name].default])) as unknown as CliConfig;

/** Environment variables for each setting. */
export const CONFIG_ENV: Readonly<Record<SettingName, string>> = Object.fromEntries(SETTING_NAMES.map((name) => [name, SETTINGS[name].env])) as Record<SettingName, string>;

type Env = Readonly<Record<string, string | undefined>>;

/** Where an explicitly set value came from (the rows above a running `jobs dev` and the default). */
export type ExplicitSource = 'flag' | 'environment' | 'config file';

function explicitValue(name: SettingName, flags: ConfigSource, env: Env, file: ConfigSource): [RawValue, string, ExplicitSource] | undefined {
  const fromEnv = env[SETTINGS[name].env];
  if (flags[name] !== undefined) return [flags[name], flagName(name), 'flag'];
  if (fromEnv !== undefined && fromEnv !== '') return [fromEnv, SETTINGS[name].env, 'environment'];
  if (file[name] !== undefined) return [file[name], `config file setting "${name}"`, 'config file'];
  return undefined;
}

/** Which row set the Redis URL, when one of flag, environment or config file did. Pure. */
export function explicitRedisSource(flags: ConfigSource, env: Env, file: ConfigSource): ExplicitSource | undefined {
  return explicitValue('redis', flags, env, file)?.[2];
}

/** What a running `jobs dev` in the working directory provides (its Redis URL). */
export type DevSource = { redis?: string };

function resolveOne<K extends SettingName>(name: K, flags: ConfigSource, env: Env, file: ConfigSource, dev: DevSource): CliConfig[K] {
  const setting = SETTINGS[name] as Setting<CliConfig[K]>;
  const raw = explicitValue(name, flags, env, file) ?? (name === 'redis' && dev.redis !== undefined ? [dev.redis, '.jobs/dev.json'] : undefined);
  return raw === undefined ? setting.default : setting.parse(raw[0], raw[1]);
}

/**
 * Precedence for every setting: flag, then environment, then config file, then (for the Redis
 * URL) the `.jobs/dev.json` of a `jobs dev` running in the working directory, then default.
 * Pure: a value that does not parse throws UsageError naming where it came from.
 */
export function resolveConfig(flags: ConfigSource, env: Env, file: ConfigSource, dev: DevSource = {}): CliConfig {
  const config = {} as Record<SettingName, unknown>;
  for (const name of SETTING_NAMES) config[name] = resolveOne(name, flags, env, file, dev);
  return config as unknown as CliConfig;
}
