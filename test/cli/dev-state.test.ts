import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, resolveConfig } from '../../src/cli/config.js';
import { CliContext } from '../../src/cli/context.js';
import { checkDevState, devPaths } from '../../src/cli/dev/state-file.js';
import { freePort } from '../helpers/redis-server.js';
import { useRedisServer } from '../helpers/fixtures.js';
import { removeDir, tempCwd } from './dev-support.js';

const redis = useRedisServer();
let redisPid = 0;
const cwd = tempCwd('jobs-dev-state-');

beforeAll(async () => {
  const client = new Redis(redis.url);
  redisPid = Number(/process_id:(\d+)/.exec(await client.info('server'))?.[1]);
  client.disconnect();
});
afterAll(() => removeDir(cwd));

/** The pid of a process that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

function writeState(state: Record<string, unknown>): void {
  mkdirSync(join(cwd, '.jobs'), { recursive: true });
  writeFileSync(join(cwd, '.jobs', 'dev.json'), JSON.stringify(state));
}

const redisOf = async (env: NodeJS.ProcessEnv = {}, flags: { redis?: string } = {}): Promise<string> =>
  (await CliContext.open({}, flags, env, cwd)).config.redis;

describe('the Redis URL of a running jobs dev', () => {
  it('ranks between the config file and the default', () => {
    const dev = { redis: 'redis://dev:4' };
    expect(resolveConfig({}, {}, {}, dev).redis).toBe('redis://dev:4');
    expect(resolveConfig({}, {}, { redis: 'redis://file:1' }, dev).redis).toBe('redis://file:1');
    expect(resolveConfig({}, { REDIS_URL: 'redis://env:2' }, {}, dev).redis).toBe('redis://env:2');
    expect(resolveConfig({ redis: 'redis://flag:3' }, {}, {}, dev).redis).toBe('redis://flag:3');
    expect(resolveConfig({}, { REDIS_URL: '' }, {}, dev)).toEqual({ ...DEFAULT_CONFIG, redis: 'redis://dev:4' });
  });

  it('is used when its process is alive and its Redis answers as the process it names', async () => {
    writeState({ url: redis.url, pid: process.pid, redisPid, startedAt: new Date().toISOString() });
    expect(await redisOf()).toBe(redis.url);
    expect(await redisOf({ REDIS_URL: 'redis://elsewhere:1' })).toBe('redis://elsewhere:1');
    expect(await redisOf({}, { redis: 'redis://flag:2' })).toBe('redis://flag:2');
    expect(await checkDevState(devPaths(cwd))).toMatchObject({ kind: 'running' });
  });

  it('is ignored when the file is stale: jobs dev process gone, another process on the port, nothing answering, or garbage', async () => {
    writeState({ url: redis.url, pid: deadPid(), redisPid, startedAt: new Date().toISOString() });
    expect(await redisOf()).toBe(DEFAULT_CONFIG.redis);
    expect(await checkDevState(devPaths(cwd))).toMatchObject({ kind: 'stale', orphanRedis: true });

    writeState({ url: redis.url, pid: process.pid, redisPid: process.pid, startedAt: new Date().toISOString() });
    expect(await redisOf()).toBe(DEFAULT_CONFIG.redis);

    writeState({ url: `redis://127.0.0.1:${await freePort()}`, pid: process.pid, redisPid, startedAt: new Date().toISOString() });
    expect(await redisOf()).toBe(DEFAULT_CONFIG.redis);
    expect(await checkDevState(devPaths(cwd))).toMatchObject({ kind: 'stale', orphanRedis: false });

    writeFileSync(join(cwd, '.jobs', 'dev.json'), '{not json');
    expect(await redisOf()).toBe(DEFAULT_CONFIG.redis);
    expect(await checkDevState(devPaths(cwd))).toEqual({ kind: 'none' });
  });
});
