import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Queue } from '../../src/index.js';
import { uniqueQueue, useRedisServer } from '../helpers/fixtures.js';

const server = useRedisServer();
const bin = fileURLToPath(new URL('../../bin/jobs.js', import.meta.url));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function jobs(queue: string, ...args: string[]): Promise<Run> {
  const env = { ...process.env, REDIS_URL: server.url, JOBS_QUEUE: queue, NO_COLOR: '1', TZ: 'Asia/Tokyo' };
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { env }, (error, stdout, stderr) => {
      const code = error ? Number((error as NodeJS.ErrnoException & { code?: unknown }).code ?? 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

const json = <T>(run: Run): T => JSON.parse(run.stdout) as T;

describe('jobs cron (built binary)', () => {
  it('add, list, show, trigger, pause, resume, remove with --json and exit codes', async () => {
    const q = uniqueQueue('cron-cli');
    const added = await jobs(q, 'cron', 'add', 'nightly', '--schedule', '0 3 * * *', '--tz', 'Europe/Berlin', '--type', 'report', '--data', '{"to":"ops"}', '--overlap', 'skip', '--max-attempts', '5', '--json');
    expect(added.code, added.stderr).toBe(0);
    expect(json<Record<string, unknown>>(added)).toMatchObject({
      name: 'nightly',
      queue: q,
      cron: '0 3 * * *',
      timezone: 'Europe/Berlin',
      type: 'report',
      payload: { to: 'ops' },
      options: { maxAttempts: 5 },
      overlap: 'skip',
      misfire: 'run-once',
      paused: false,
    });

    const again = await jobs(q, 'cron', 'add', 'nightly', '--schedule', '0 4 * * *', '--type', 'report');
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already exists; pass --update/);
    const updated = await jobs(q, 'cron', 'add', 'nightly', '--schedule', '0 4 * * *', '--tz', 'Europe/Berlin', '--type', 'report', '--update', '--json');
    expect(updated.code, updated.stderr).toBe(0);
    // --update changes only what it is given: the overlap policy, payload and options stay
    expect(json<{ cron: string; overlap: string }>(updated)).toMatchObject({ cron: '0 4 * * *', overlap: 'skip', payload: { to: 'ops' }, options: { maxAttempts: 5 } });

    const list = await jobs(q, 'cron', 'list', '--json');
    expect(list.code).toBe(0);
    const [row] = json<{ nextRunAt: string; nextRunInZone: string; nextRunLocal: string }[]>(list);
    const next = new Date(row?.nextRunAt ?? '');
    expect(row?.nextRunInZone).toMatch(/^\d{4}-\d\d-\d\d 04:00:00 GMT\+[12]$/);
    // the test runs the CLI with TZ=Asia/Tokyo: local is UTC+9
    const tokyo = new Date(next.getTime() + 9 * 3600_000).toISOString().slice(0, 19).replace('T', ' ');
    expect(row?.nextRunLocal).toBe(`${tokyo} GMT+9`);
    const table = await jobs(q, 'cron', 'list');
    expect(table.stdout).toContain('next run (zone)');
    expect(table.stdout).toContain('04:00:00 GMT+');
    expect(table.stdout).toContain(`${tokyo} GMT+9`);

    const triggered = await jobs(q, 'cron', 'trigger', 'nightly', '--json');
    expect(triggered.code).toBe(0);
    const { jobId } = json<{ jobId: string }>(triggered);
    const show = await jobs(q, 'cron', 'show', 'nightly', '--json');
    expect(json<{ lastJobId: string; history: { outcome: string; jobId: string }[] }>(show)).toMatchObject({
      lastJobId: jobId,
      history: [{ outcome: 'triggered', jobId }],
    });
    expect((await jobs(q, 'cron', 'show', 'nightly')).stdout).toMatch(/triggered/);

    const paused = await jobs(q, 'cron', 'pause', 'nightly', '--json');
    expect(json<Record<string, unknown>>(paused)).toMatchObject({ paused: true, nextRunAt: null });
    const resumed = await jobs(q, 'cron', 'resume', 'nightly', '--json');
    expect(json<Record<string, unknown>>(resumed)).toMatchObject({ paused: false, nextRunAt: row?.nextRunAt });

    const refused = await jobs(q, 'cron', 'remove', 'nightly');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/--yes/);
    const removed = await jobs(q, 'cron', 'remove', 'nightly', '--yes', '--json');
    expect(removed.code).toBe(0);
    expect(json(removed)).toEqual({ name: 'nightly', removed: true });
    expect(json(await jobs(q, 'cron', 'list', '--json'))).toEqual([]);
  }, 30_000);

  it('refuses a bad expression, zone or policy with exit 2 and stores nothing', async () => {
    const q = uniqueQueue('cron-cli');
    const runs = await Promise.all([
      jobs(q, 'cron', 'add', 'a', '--schedule', '61 * * * *', '--type', 't'),
      jobs(q, 'cron', 'add', 'b', '--schedule', 'every minute', '--type', 't'),
      jobs(q, 'cron', 'add', 'c', '--schedule', '* * * * *', '--tz', 'Mars/Olympus', '--type', 't'),
      jobs(q, 'cron', 'add', 'd', '--schedule', '* * * * *', '--type', 't', '--overlap', 'never'),
      jobs(q, 'cron', 'add', 'e', '--schedule', '* * * * *', '--type', 't', '--misfire', 'sometimes'),
      jobs(q, 'cron', 'add', 'f', '--schedule', '* * * * *', '--type', 't', '--data', '{not json'),
      jobs(q, 'cron', 'add', 'g', '--type', 't'),
    ]);
    for (const run of runs) {
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr).not.toMatch(/\n\s+at /);
    }
    expect(runs[0]?.stderr).toMatch(/cron expression "61 \* \* \* \*" is not valid/);
    expect(runs[2]?.stderr).toMatch(/time zone "Mars\/Olympus" is not an IANA zone/);
    const queue = new Queue(q, { connection: server.url });
    expect(await queue.handle.call((r) => r.hlen(queue.handle.keys.schedules))).toBe(0);
    await queue.close();
  });

  it('unknown names exit 3', async () => {
    const q = uniqueQueue('cron-cli');
    const runs = await Promise.all(
      [['show'], ['trigger'], ['pause'], ['resume'], ['remove', '--yes']].map(([verb, ...rest]) => jobs(q, 'cron', verb ?? '', 'nope', ...rest)),
    );
    for (const run of runs) {
      expect(run.code, run.stderr).toBe(3);
      expect(run.stderr).toMatch(/schedule "nope" not found/);
    }
  });
});
