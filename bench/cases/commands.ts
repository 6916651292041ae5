import { alternate, freshQueue, record, type BenchContext } from '../context.js';
import { sleep } from '../stats.js';
import { ADMIN_COMMANDS } from '../redis.js';
import { processJobs } from './process.js';

const CONCURRENCY = 8;

export interface CommandBreakdown {
  jobs: number;
  /** Calls per processed job by command, including commands run inside Lua scripts. */
  perJob: Record<string, number>;
  totalPerJob: number;
  /** From MONITOR: commands sent by clients per job, and commands run by scripts per job. */
  clientPerJob?: number;
  scriptPerJob?: number;
  clientCommands?: Record<string, number>;
}

function perJob(calls: Map<string, number>, jobs: number): { perJob: Record<string, number>; total: number } {
  const rows = [...calls].filter(([name]) => !ADMIN_COMMANDS.test(name)).sort((a, b) => b[1] - a[1]);
  return {
    perJob: Object.fromEntries(rows.map(([name, count]) => [name, count / jobs])),
    total: rows.reduce((sum, [, count]) => sum + count, 0) / jobs,
  };
}

/**
 * Case 6: Redis commands per processed job (INFO commandstats after a run at concurrency 8),
 * the client/script split from MONITOR on a smaller run, and commands per second of an idle worker.
 */
export async function commandCost(ctx: BenchContext): Promise<void> {
  const { commandJobs, monitorJobs, idleSeconds } = ctx.sizes;
  const breakdown: Record<string, CommandBreakdown> = {};
  ctx.details['commands'] = breakdown;
  ctx.log(`case 6: commands per job (${commandJobs} jobs, c=${CONCURRENCY}), MONITOR split (${monitorJobs} jobs), idle worker ${idleSeconds} s`);
  await alternate(ctx, 'commands', 1, async (system) => {
    await processJobs(ctx, system, { ready: commandJobs, process: commandJobs, concurrency: CONCURRENCY });
    const { perJob: calls, total } = perJob(await ctx.redis.commandStats(), commandJobs);
    breakdown[system.name] = { jobs: commandJobs, perJob: calls, totalPerJob: total };
    record(ctx, { id: 'commands.perJob', caseNo: 6, label: 'Redis commands per processed job (incl. inside scripts)', unit: 'cmd/job', better: 'lower' }, system.name, total);
    ctx.log(`  ${system.name}: ${total.toFixed(2)} commands per job`);
  });
  await alternate(ctx, 'commands-monitor', 1, async (system) => {
    const monitor = await startMonitor(ctx);
    await processJobs(ctx, system, {
      ready: monitorJobs,
      process: monitorJobs,
      concurrency: CONCURRENCY,
      beforeStart: async () => {
        monitor.counting = true;
      },
    });
    await sleep(100);
    monitor.stop();
    const entry = breakdown[system.name];
    if (entry) {
      entry.clientPerJob = monitor.client / monitorJobs;
      entry.scriptPerJob = monitor.script / monitorJobs;
      entry.clientCommands = perJob(monitor.clientCommands, monitorJobs).perJob;
    }
    const lower = { caseNo: 6, unit: 'cmd/job', better: 'lower' as const };
    record(ctx, { ...lower, id: 'commands.clientPerJob', label: '  sent by clients per job (MONITOR)' }, system.name, monitor.client / monitorJobs);
    record(ctx, { ...lower, id: 'commands.scriptPerJob', label: '  run inside Lua scripts per job (MONITOR)' }, system.name, monitor.script / monitorJobs);
    ctx.log(`  ${system.name}: ${(monitor.client / monitorJobs).toFixed(2)} client + ${(monitor.script / monitorJobs).toFixed(2)} script commands per job`);
  });
  const idle: Record<string, Record<string, number>> = {};
  ctx.details['idle'] = idle;
  await alternate(ctx, 'idle', 1, async (system) => {
    const worker = await system.worker(ctx.redis.url, freshQueue('idle'), { concurrency: CONCURRENCY, onJob: () => undefined });
    await worker.start();
    await sleep(1500);
    const monitor = await startMonitor(ctx);
    monitor.counting = true;
    await sleep(idleSeconds * 1000);
    monitor.stop();
    await worker.close();
    const { perJob: perSecond, total } = perJob(monitor.clientCommands, idleSeconds);
    idle[system.name] = perSecond;
    record(ctx, { id: 'idle.commandsPerSec', caseNo: 6, label: `Redis commands/s from one idle worker (${idleSeconds} s)`, unit: 'cmd/s', better: 'lower' }, system.name, total);
    ctx.log(`  ${system.name} idle: ${total.toFixed(2)} commands/s ${JSON.stringify(perSecond)}`);
  });
}

interface MonitorCount {
  counting: boolean;
  client: number;
  script: number;
  clientCommands: Map<string, number>;
  stop(): void;
}

/** Counts commands as Redis receives them (MONITOR): sent by clients vs run inside scripts. */
async function startMonitor(ctx: BenchContext): Promise<MonitorCount> {
  const monitor = await ctx.redis.admin.monitor();
  const count: MonitorCount = {
    counting: false,
    client: 0,
    script: 0,
    clientCommands: new Map(),
    stop: () => {
      count.counting = false;
      monitor.disconnect();
    },
  };
  monitor.on('monitor', (_time: string, args: string[], source: string) => {
    const name = (args[0] ?? '').toLowerCase();
    if (!count.counting || ADMIN_COMMANDS.test(name)) return;
    if (source === 'lua') count.script += 1;
    else {
      count.client += 1;
      count.clientCommands.set(name, (count.clientCommands.get(name) ?? 0) + 1);
    }
  });
  return count;
}
