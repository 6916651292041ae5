import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { until } from '../helpers/fixtures.js';
import {
  DevRun,
  isAlive,
  jobsctl,
  jobsctlJson,
  pathWithoutRedis,
  readState,
  removeDir,
  shellEnv,
  stateFile,
  tempCwd,
} from './dev-support.js';

interface Stats {
  queues: { name: string; counts: Record<string, number> }[];
}

const runs: DevRun[] = [];
const dirs: string[] = [];
afterEach(async () => {
  while (runs.length) await runs.pop()?.kill();
  while (dirs.length) removeDir(dirs.pop() ?? '');
});

function workdir(): string {
  const dir = tempCwd();
  dirs.push(dir);
  return dir;
}

function dev(cwd: string, args = '', env?: NodeJS.ProcessEnv): DevRun {
  const run = new DevRun(cwd, args, env);
  runs.push(run);
  return run;
}

function counts(stats: Stats, queue: string): Record<string, number> | undefined {
  return stats.queues.find((q) => q.name === queue)?.counts;
}

/** The demo mix has run: its jobs finished, the broken one dead-lettered. */
function demoFinished(stats: Stats): boolean {
  const demo = counts(stats, 'demo');
  const media = counts(stats, 'demo-media');
  return demo?.failed === 1 && (demo.success ?? 0) >= 8 && demo.running === 0 && demo.retrying === 0 && media?.success === 6;
}

describe('jobs dev', () => {
  it('--demo: stats finds it with no --redis, SIGTERM stops worker and Redis and removes the state file, the jobs stay for the next run', async () => {
    const cwd = workdir();
    const first = dev(cwd, '--demo');
    const url = await first.started();
    expect(url).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/);
    expect(url).not.toBe('redis://127.0.0.1:6379');
    const state = readState(cwd);
    expect(state).toMatchObject({ url, pid: expect.any(Number), redisPid: expect.any(Number) });
    expect(isAlive(state.pid) && isAlive(state.redisPid)).toBe(true);

    // no --redis, no REDIS_URL: the CLI finds the dev Redis through .jobs/dev.json
    let stats: Stats = { queues: [] };
    await until(async () => demoFinished((stats = await jobsctlJson<Stats>(cwd, 'stats'))), 20_000, 'the demo jobs to finish');
    expect(stats.queues.map((q) => q.name).sort()).toEqual(['default', 'demo', 'demo-media']);
    expect(counts(stats, 'demo')).toMatchObject({ scheduled: 1, cancelled: 1, failed: 1 });
    const finished = first.attempts('success', 'demo-media');
    expect(finished).toHaveLength(6);
    expect(first.attempts('retrying', 'demo').length).toBeGreaterThanOrEqual(3);

    const { code } = await first.terminate();
    expect(code).toBe(0);
    expect(isAlive(state.pid)).toBe(false);
    expect(isAlive(state.redisPid)).toBe(false);
    expect(existsSync(stateFile(cwd))).toBe(false);
    expect(first.events.map((e) => e.event)).toEqual(expect.arrayContaining(['summary', 'dev-stopped']));

    // a second run without --fresh still holds the finished demo jobs
    const second = dev(cwd);
    await second.started();
    const again = await jobsctlJson<Stats>(cwd, 'stats');
    // the demo's cron schedule may have fired again since (a minute boundary, or a missed tick)
    expect(counts(again, 'demo')?.success).toBeGreaterThanOrEqual(counts(stats, 'demo')?.success ?? Infinity);
    expect(counts(again, 'demo')).toMatchObject({ failed: 1, cancelled: 1 });
    expect(counts(again, 'demo-media')?.success).toBe(6);
    const job = await jobsctlJson<{ status: string; type: string }>(cwd, `show ${finished[0]} --queue demo-media`);
    expect(job).toMatchObject({ status: 'success', type: 'demo-resize' });
    expect((await second.terminate()).code).toBe(0);

    // --fresh starts empty
    const third = dev(cwd, '--fresh');
    await third.started();
    const fresh = await jobsctlJson<Stats>(cwd, 'stats');
    expect(fresh.queues.map((q) => q.name)).toEqual(['default']);
    expect((await jobsctl(cwd, `show ${finished[0]} --queue demo-media`)).code).toBe(3);
    expect((await third.terminate()).code).toBe(0);
  }, 90_000);

  it('exits 2 with the install hint and starts nothing when redis-server is not on PATH', async () => {
    const cwd = workdir();
    const bin = pathWithoutRedis();
    dirs.push(bin);
    const run = dev(cwd, '--demo', shellEnv({ PATH: bin }));
    const { code } = await run.exited;
    expect(code).toBe(2);
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^jobs: .*redis-server.*not on PATH/);
    expect(lines[0]).toContain('sudo apt-get install redis-server');
    expect(lines[0]).toContain('brew install redis');
    expect(lines[0]).toContain('docker run -p 6379:6379 redis:7');
    expect(run.events).toEqual([]);
    expect(existsSync(join(cwd, '.jobs'))).toBe(false);
  });

  it('refuses --redis, a missing handlers module and --exec-allow alone with exit 2, before starting anything', async () => {
    const cwd = workdir();
    const [redisFlag, missing, execAllow] = await Promise.all([
      jobsctl(cwd, 'dev --redis redis://127.0.0.1:1'),
      jobsctl(cwd, 'dev --handlers ./missing.mjs'),
      jobsctl(cwd, 'dev --exec-allow ls'),
    ]);
    expect(redisFlag).toMatchObject({ code: 2, stdout: '' });
    expect(redisFlag.stderr).toMatch(/^jobs: jobs dev runs a Redis of its own, so --redis does not apply/);
    expect(missing).toMatchObject({ code: 2, stdout: '' });
    expect(missing.stderr).toMatch(/handlers module \.\/missing\.mjs not found/);
    expect(execAllow).toMatchObject({ code: 2, stdout: '' });
    expect(existsSync(join(cwd, '.jobs'))).toBe(false);
  });

  it('a state file left by a killed run is ignored: the next run stops the Redis it left and keeps the data', async () => {
    const cwd = workdir();
    const killed = dev(cwd, '--demo');
    await killed.started();
    await until(async () => demoFinished(await jobsctlJson<Stats>(cwd, 'stats')), 20_000, 'the demo jobs to finish');
    const left = readState(cwd);
    process.kill(left.pid, 'SIGKILL');
    await killed.exited;
    expect(existsSync(stateFile(cwd))).toBe(true);
    expect(isAlive(left.redisPid)).toBe(true);

    const next = dev(cwd);
    const url = await next.started();
    expect(next.events.find((e) => e.event === 'stale-state')).toMatchObject({ pid: left.pid, stoppedRedisPid: left.redisPid });
    await until(() => !isAlive(left.redisPid), 5000, 'the orphaned Redis to stop');
    expect(readState(cwd)).toMatchObject({ url, pid: expect.any(Number) });
    expect(readState(cwd).pid).not.toBe(left.pid);
    expect(counts(await jobsctlJson<Stats>(cwd, 'stats'), 'demo-media')?.success).toBe(6);
    expect((await next.terminate()).code).toBe(0);
  }, 60_000);

  it('refuses a second jobs dev in the same directory with exit 2', async () => {
    const cwd = workdir();
    const running = dev(cwd);
    const url = await running.started();
    const second = await jobsctl(cwd, 'dev');
    expect(second.code).toBe(2);
    expect(second.stderr).toContain(`jobs dev already runs in this directory (pid ${readState(cwd).pid}, ${url})`);
    expect(readState(cwd).url).toBe(url);
    expect((await running.terminate()).code).toBe(0);
  });

  it('runs queues that appear later and reloads --handlers when the file changes', async () => {
    const cwd = workdir();
    const handlers = join(cwd, 'handlers.mjs');
    writeFileSync(handlers, 'export default { greet: () => "v1" };\n');
    const run = dev(cwd, '--handlers ./handlers.mjs');
    await run.started();
    const waitResult = async (): Promise<unknown> =>
      (await jobsctlJson<{ status: string; result: unknown }>(cwd, 'enqueue greet --queue appeared-later --wait --wait-timeout 20s')).result;
    expect(await waitResult()).toBe('v1');
    expect(run.events.find((e) => e.event === 'queues-added')).toMatchObject({ queues: ['appeared-later'] });

    writeFileSync(handlers, 'export default { greet: () => "v2" };\n');
    await run.waitFor((e) => e.event === 'handlers-reloaded', 'the reload');
    expect(await waitResult()).toBe('v2');

    writeFileSync(handlers, 'export default { greet: ( };\n');
    await run.waitFor((e) => e.event === 'handlers-reload-failed', 'the failed reload');
    expect(await waitResult()).toBe('v2');
    expect((await run.terminate()).code).toBe(0);
  }, 60_000);

  it('exits 1 and removes the state file when its Redis dies under it', async () => {
    const cwd = workdir();
    const run = dev(cwd);
    await run.started();
    await run.waitFor((e) => e.event === 'started', 'the worker');
    const { pid, redisPid } = readState(cwd);
    process.kill(redisPid, 'SIGKILL');
    expect((await run.exited).code).toBe(1);
    expect(run.events.find((e) => e.event === 'redis-exited')).toMatchObject({ signal: 'SIGKILL' });
    expect(isAlive(pid)).toBe(false);
    expect(existsSync(stateFile(cwd))).toBe(false);
  });

  it('Ctrl-C reaches the worker, not Redis: a running job still records its outcome', async () => {
    const cwd = workdir();
    // the handler marks its start in a file, so the test sees it running without polling Redis
    writeFileSync(
      join(cwd, 'handlers.mjs'),
      [
        "import { writeFileSync } from 'node:fs';",
        'export default { slow: async () => {',
        "  writeFileSync(new URL('./started', import.meta.url), '');",
        '  await new Promise((resolve) => setTimeout(resolve, 2000));',
        "  return 'done';",
        '} };',
      ].join('\n'),
    );
    const run = dev(cwd, '--handlers ./handlers.mjs');
    await run.started();
    const { id } = await jobsctlJson<{ id: string }>(cwd, 'enqueue slow');
    await until(() => existsSync(join(cwd, 'started')), 10_000, 'the job to start');
    // a terminal sends SIGINT to the whole foreground process group
    process.kill(-(run.shell.pid ?? 0), 'SIGINT');
    await run.exited;
    expect(run.events.find((e) => e.event === 'attempt')).toMatchObject({ id, status: 'success' });
    expect(run.events.at(-1)).toMatchObject({ event: 'dev-stopped' });
    expect(existsSync(stateFile(cwd))).toBe(false);

    const next = dev(cwd);
    await next.started();
    expect(await jobsctlJson<{ status: string; attempts: number }>(cwd, `show ${id}`)).toMatchObject({ status: 'success', attempts: 1 });
    expect((await next.terminate()).code).toBe(0);
  }, 60_000);
});
