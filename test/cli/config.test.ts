import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_ENV, DEFAULT_CONFIG, flagName, loadConfigFile, resolveConfig, SETTING_NAMES } from '../../src/cli/config.js';
import { UsageError } from '../../src/cli/errors.js';

const pick = (config: object, keys: string[]): Record<string, unknown> =>
  Object.fromEntries(Object.entries(config).filter(([key]) => keys.includes(key)));
const GLOBAL = ['redis', 'prefix', 'queue', 'redact'];

describe('resolveConfig precedence: flag > env > file > default', () => {
  const file = { redis: 'redis://file:1', prefix: 'file-prefix', queue: 'file-queue', redact: 'fileSecret' };
  const env = { REDIS_URL: 'redis://env:2', JOBS_PREFIX: 'env-prefix', JOBS_QUEUE: 'env-queue', JOBS_REDACT: 'envSecret' };

  it('uses defaults when nothing is set', () => {
    expect(resolveConfig({}, {}, {})).toEqual(DEFAULT_CONFIG);
    expect(pick(DEFAULT_CONFIG, GLOBAL)).toEqual({ redis: 'redis://127.0.0.1:6379', prefix: 'jobs', queue: 'default', redact: '' });
    expect(DEFAULT_CONFIG).toMatchObject({ concurrency: 1, shutdownTimeout: 30_000, maxPayloadBytes: 1_048_576, retentionCount: 1000, retentionAge: 7 * 86_400_000, schedules: true, drain: false });
  });

  it('takes the file over defaults', () => {
    expect(pick(resolveConfig({}, {}, file), GLOBAL)).toEqual(file);
  });

  it('takes the environment over the file', () => {
    expect(pick(resolveConfig({}, env, file), GLOBAL)).toEqual({
      redis: 'redis://env:2',
      prefix: 'env-prefix',
      queue: 'env-queue',
      redact: 'envSecret',
    });
  });

  it('takes flags over everything', () => {
    const flags = { redis: 'redis://flag:3', prefix: 'flag-prefix', queue: 'flag-queue', redact: 'flagSecret' };
    expect(pick(resolveConfig(flags, env, file), GLOBAL)).toEqual(flags);
  });

  it('resolves each setting on its own and treats an empty variable as unset', () => {
    expect(pick(resolveConfig({ queue: 'q' }, { REDIS_URL: '', JOBS_PREFIX: 'p' }, { redis: 'redis://file:1' }), GLOBAL)).toEqual({
      redis: 'redis://file:1',
      prefix: 'p',
      queue: 'q',
      redact: '',
    });
  });

  it('ignores unrelated environment variables', () => {
    expect(resolveConfig({}, { QUEUE: 'x', PREFIX: 'y', CONCURRENCY: '9' }, {})).toEqual(DEFAULT_CONFIG);
  });
});

describe('worker settings from flag, environment and config file', () => {
  it('has a JOBS_* variable and a --flag for every setting', () => {
    for (const name of SETTING_NAMES) {
      expect(CONFIG_ENV[name]).toMatch(/^(REDIS_URL|JOBS_[A-Z_]+)$/);
      expect(flagName(name)).toMatch(/^--[a-z-]+$/);
    }
    expect(flagName('maxPayloadBytes')).toBe('--max-payload-bytes');
  });

  it('reads every worker option with the same precedence and parses each from text or JSON', () => {
    const file = {
      concurrency: 4,
      queues: ['a', 'b'],
      prefetch: 0,
      maxJobs: 100,
      drain: true,
      failOnDeadLetter: true,
      shutdownTimeout: '1m30s',
      handlers: './h.js',
      allowExec: true,
      execAllow: 'make,npm',
      schedules: false,
      metricsPort: 9464,
      metricsHost: '127.0.0.1',
      logFormat: 'json',
      maxPayloadBytes: '2mb',
      retentionCount: -1,
      retentionAge: '1d',
    };
    const fromFile = resolveConfig({}, {}, file);
    expect(pick(fromFile, Object.keys(file))).toEqual({
      ...file,
      queues: ['a', 'b'],
      shutdownTimeout: 90_000,
      execAllow: ['make', 'npm'],
      maxPayloadBytes: 2 * 1024 * 1024,
      retentionAge: 86_400_000,
    });
    const env = {
      JOBS_CONCURRENCY: '8',
      JOBS_QUEUES: 'c, d',
      JOBS_SHUTDOWN_TIMEOUT: '45s',
      JOBS_SCHEDULES: 'true',
      JOBS_METRICS_PORT: '9000',
      JOBS_LOG_FORMAT: 'pretty',
      JOBS_MAX_PAYLOAD_BYTES: '512kb',
      JOBS_DRAIN: 'no',
    };
    expect(resolveConfig({}, env, file)).toMatchObject({
      concurrency: 8,
      queues: ['c', 'd'],
      shutdownTimeout: 45_000,
      schedules: true,
      metricsPort: 9000,
      logFormat: 'pretty',
      maxPayloadBytes: 512 * 1024,
      drain: false,
      prefetch: 0,
    });
    // flags as commander hands them over: text, or booleans for switches
    expect(resolveConfig({ concurrency: '2', schedules: false, shutdownTimeout: '5s' }, env, file)).toMatchObject({
      concurrency: 2,
      schedules: false,
      shutdownTimeout: 5000,
    });
  });

  it('names the source of a value that does not parse', () => {
    expect(() => resolveConfig({}, { JOBS_CONCURRENCY: 'many' }, {})).toThrow(/^JOBS_CONCURRENCY: expected a whole number of at least 1, got "many"$/);
    expect(() => resolveConfig({ prefetch: '-1' }, {}, {})).toThrow(/--prefetch: expected a whole number of at least 0/);
    expect(() => resolveConfig({}, {}, { shutdownTimeout: 'soon' })).toThrow(/config file setting "shutdownTimeout" "soon" is not a duration/);
    expect(() => resolveConfig({}, { JOBS_LOG_FORMAT: 'xml' }, {})).toThrow(/JOBS_LOG_FORMAT: use pretty or json/);
    expect(() => resolveConfig({}, { JOBS_ALLOW_EXEC: 'maybe' }, {})).toThrow(UsageError);
    expect(() => resolveConfig({}, { JOBS_METRICS_PORT: '70000' }, {})).toThrow(/from 0 to 65535/);
  });
});

describe('loadConfigFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'jobs-config-'));

  it('returns nothing when the default file is absent, and reads it when present', () => {
    expect(loadConfigFile(undefined, dir)).toEqual({});
    writeFileSync(join(dir, 'jobs.config.json'), JSON.stringify({ queue: 'from-file', concurrency: 3 }));
    expect(loadConfigFile(undefined, dir)).toEqual({ queue: 'from-file', concurrency: 3 });
  });

  it('refuses a missing explicit file, bad JSON, unknown keys and values of the wrong type', () => {
    expect(() => loadConfigFile('missing.json', dir)).toThrow(UsageError);
    writeFileSync(join(dir, 'bad.json'), '{nope');
    expect(() => loadConfigFile('bad.json', dir)).toThrow(/not valid JSON/);
    writeFileSync(join(dir, 'unknown.json'), JSON.stringify({ host: 'x' }));
    expect(() => loadConfigFile('unknown.json', dir)).toThrow(/unknown setting "host"/);
    writeFileSync(join(dir, 'number.json'), JSON.stringify({ queue: 5 }));
    expect(() => loadConfigFile('number.json', dir)).toThrow(/"queue": expected a string/);
    writeFileSync(join(dir, 'object.json'), JSON.stringify({ concurrency: { n: 1 } }));
    expect(() => loadConfigFile('object.json', dir)).toThrow(/"concurrency" must be a string, number, boolean or list/);
    writeFileSync(join(dir, 'zero.json'), JSON.stringify({ concurrency: 0 }));
    expect(() => loadConfigFile('zero.json', dir)).toThrow(/"concurrency": expected a whole number of at least 1/);
  });
});
