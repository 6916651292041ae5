import type { Command } from 'commander';
import { formatDuration } from '../../core/duration.js';
import type { LiveWorker } from '../../core/worker-registry.js';
import { action } from '../context.js';
import { examples } from '../help.js';

/** A worker as `jobs workers --json` prints it. */
export interface WorkerJson {
  id: string;
  queue: string;
  host: string;
  pid: number;
  concurrency: number;
  busy: number;
  startedAt: string;
  lastHeartbeatAt: string;
  uptimeMs: number;
}

export function workerToJson(worker: LiveWorker, now = Date.now()): WorkerJson {
  return {
    id: worker.id,
    queue: worker.queue,
    host: worker.host,
    pid: worker.pid,
    concurrency: worker.concurrency,
    busy: worker.busy,
    startedAt: worker.startedAt.toISOString(),
    lastHeartbeatAt: worker.lastHeartbeatAt.toISOString(),
    uptimeMs: Math.max(0, now - worker.startedAt.getTime()),
  };
}

/** "3s ago" for a time in the past. */
export function ago(date: Date, now = Date.now()): string {
  return `${formatDuration(Math.max(0, now - date.getTime()))} ago`;
}

/** `jobs workers`: the live workers of every queue of the prefix. */
export function registerWorkersCommand(program: Command): void {
  program
    .command('workers')
    .description('live workers of every queue with their busy slots (a worker drops out when its heartbeat is older than its timeout, 30s by default)')
    .option('--queues <a,b>', 'only workers of these queues', (value: string) => value.split(',').map((name) => name.trim()).filter(Boolean))
    .option('-q, --quiet', 'print only the worker ids, one per line')
    .addHelpText('after', examples('jobs workers', 'jobs workers --queues emails,webhooks', "jobs workers --json | jq 'map(.busy) | add'"))
    .action(
      action(async (ctx, flags: { queues?: string[] }) => {
        const { liveWorkersOfPrefix } = await import('../../observability/workers.js');
        const all = await liveWorkersOfPrefix({ connection: ctx.config.redis, prefix: ctx.config.prefix });
        const workers = flags.queues ? all.filter((w) => flags.queues?.includes(w.queue)) : all;
        if (ctx.out.ids(workers.map((w) => w.id))) return;
        const now = Date.now();
        ctx.out.data(workers.map((w) => workerToJson(w, now)));
        if (workers.length === 0) return ctx.out.line('no live workers');
        ctx.out.table(
          ['queue', 'host', 'pid', 'busy', 'uptime', 'last heartbeat', 'id'],
          workers.map((w) => [
            w.queue,
            w.host,
            w.pid,
            `${w.busy}/${w.concurrency}`,
            formatDuration(now - w.startedAt.getTime()),
            ago(w.lastHeartbeatAt, now),
            ctx.out.color.gray(w.id),
          ]),
        );
      }),
    );
}
