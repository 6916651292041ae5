import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, loadConfigFile, resolveConfig } from '../../src/cli/config.js';
import { UsageError } from '../../src/cli/errors.js';

describe('resolveConfig precedence: flag > env > file > default', () => {
  const file = { redis: 'redis://file:1', prefix: 'file-prefix', queue: 'file-queue', redact: 'fileSecret' };
  const env = { REDIS_URL: 'redis://env:2', JOBS_PREFIX: 'env-prefix', JOBS_QUEUE: 'env-queue', JOBS_REDACT: 'envSecret' };

  it('uses defaults when nothing is set', () => {
    expect(resolveConfig({}, {}, {})).toEqual(DEFAULT_CONFIG);
    expect(DEFAULT_CONFIG).toEqual({ redis: 'redis://127.0.0.1:6379', prefix: 'jobs', queue: 'default', redact: '' });
  });

  it('takes the file over defaults', () => {
    expect(resolveConfig({}, {}, file)).toEqual(file);
  });

  it('takes the environment over the file', () => {
    expect(resolveConfig({}, env, file)).toEqual({
      redis: 'redis://env:2',
      prefix: 'env-prefix',
      queue: 'env-queue',
      redact: 'envSecret',
    });
  });

  it('takes flags over everything', () => {
    const flags = { redis: 'redis://flag:3', prefix: 'flag-prefix', queue: 'flag-queue', redact: 'flagSecret' };
    expect(resolveConfig(flags, env, file)).toEqual(flags);
  });

  it('resolves each setting on its own and treats an empty variable as unset', () => {
    expect(resolveConfig({ queue: 'q' }, { REDIS_URL: '', JOBS_PREFIX: 'p' }, { redis: 'redis://file:1' })).toEqual({
      redis: 'redis://file:1',
      prefix: 'p',
      queue: 'q',
      redact: '',
    });
  });

  it('ignores unrelated environment variables', () => {
    expect(resolveConfig({}, { QUEUE: 'x', PREFIX: 'y' }, {})).toEqual(DEFAULT_CONFIG);
  });
});

describe('loadConfigFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'jobs-config-'));

  it('returns nothing when the default file is absent, and reads it when present', () => {
    expect(loadConfigFile(undefined, dir)).toEqual({});
    writeFileSync(join(dir, 'jobs.config.json'), JSON.stringify({ queue: 'from-file' }));
    expect(loadConfigFile(undefined, dir)).toEqual({ queue: 'from-file' });
  });

  it('refuses a missing explicit file, bad JSON, unknown keys and non-string values', () => {
    expect(() => loadConfigFile('missing.json', dir)).toThrow(UsageError);
    writeFileSync(join(dir, 'bad.json'), '{nope');
    expect(() => loadConfigFile('bad.json', dir)).toThrow(/not valid JSON/);
    writeFileSync(join(dir, 'unknown.json'), JSON.stringify({ host: 'x' }));
    expect(() => loadConfigFile('unknown.json', dir)).toThrow(/unknown setting "host"/);
    writeFileSync(join(dir, 'number.json'), JSON.stringify({ queue: 5 }));
    expect(() => loadConfigFile('number.json', dir)).toThrow(/must be a string/);
  });
});
