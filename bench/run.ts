import { execSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { commandCost } from './cases/commands.js';
import { enqueueBulk, enqueueOneAtATime } from './cases/enqueue.js';
import { idleLatency } from './cases/latency.js';
import { backlogThroughput, processThroughput } from './cases/process.js';
import { med, checkTargets, renderReport } from './report.js';
import type { BenchContext, Sizes } from './context.js';
import { BenchRedis } from './redis.js';
import { beeQueueAdapter } from './systems/bee-queue.js';
import { bullmqAdapter } from './systems/bullmq.js';
import { jobsAdapter } from './systems/jobs.js';
import type { SystemAdapter } from './systems/types.js';

const QUICK: Sizes = {
  rounds: 1,
  enqueueOne: 2000,
  inFlight: 200,
  bulk: 10_000,
  bulkBatch: 1000,
  process: { 1: 1000, 8: 3000, 64: 3000 },
  latencySamples: 100,
  latencySpacingMs: 2,
  commandJobs: 2000,
  monitorJobs: 500,
  idleSeconds: 3,
  backlogJobs: 2000,
  backlogBig: 50_000,
  backlogBigRounds: 1,
  backlogDelayed: 10_000,
};

const FULL: Sizes = {
  rounds: 5,
  enqueueOne: 20_000,
  inFlight: 200,
  bulk: 100_000,
  bulkBatch: 1000,
  process: { 1: 10_000, 8: 40_000, 64: 40_000 },
  latencySamples: 500,
  latencySpacingMs: 2,
  commandJobs: 10_000,
  monitorJobs: 2000,
  idleSeconds: 10,
  backlogJobs: 10_000,
  backlogBig: 1_000_000,
  backlogBigRounds: 3,
  backlogDelayed: 100_000,
};

const CASES: Record<string, (ctx: BenchContext) => Promise<void>> = {
  enqueue: enqueueOneAtATime,
  bulk: enqueueBulk,
  process: processThroughput,
  latency: idleLatency,
  commands: commandCost,
  backlog: backlogThroughput,
};

const SYSTEMS: SystemAdapter[] = [jobsAdapter, bullmqAdapter, beeQueueAdapter];

interface Args {
  quick: boolean;
  rounds: number | undefined;
  systems: SystemAdapter[];
  cases: string[];
  out: string;
}

const USAGE = `usage: npm run bench -- [--quick] [--rounds N] [--systems jobs,bullmq,bee-queue] [--cases ${Object.keys(CASES).join(',')}] [--out file.json]`;

function parseArgs(argv: string[]): Args {
  const resultsDir = fileURLToPath(new URL('../../bench/results/', import.meta.url));
  const args: Args = { quick: false, rounds: undefined, systems: SYSTEMS, cases: Object.keys(CASES), out: '' };
  for (let i = 0; i < argv.length; i += 1) {
    const flag = argv[i];
    const value = (): string => {
      const v = argv[(i += 1)];
      if (v === undefined) throw new Error(`${flag} needs a value\n${USAGE}`);
      return v;
    };
    if (flag === '--quick') args.quick = true;
    else if (flag === '--rounds') args.rounds = Number(value());
    else if (flag === '--out') args.out = value();
    else if (flag === '--systems') {
      const names = value().split(',');
      args.systems = SYSTEMS.filter((s) => names.includes(s.name));
    } else if (flag === '--cases') {
      args.cases = value().split(',');
      const unknown = args.cases.filter((c) => !(c in CASES));
      if (unknown.length > 0) throw new Error(`unknown case ${unknown.join(', ')}\n${USAGE}`);
    } else throw new Error(`unknown option ${flag}\n${USAGE}`);
  }
  if (args.rounds !== undefined && (!Number.isInteger(args.rounds) || args.rounds < 1)) throw new Error('--rounds must be a whole number >= 1');
  args.out ||= `${resultsDir}${args.quick ? 'quick.json' : 'latest.json'}`;
  return args;
}

function packageVersion(name: string): string {
  const file = fileURLToPath(new URL(`../../node_modules/${name}/package.json`, import.meta.url));
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}

function gitCommit(): string {
  try {
    return execSync('git rev-parse --short HEAD', { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const sizes: Sizes = { ...(args.quick ? QUICK : FULL) };
  if (args.rounds !== undefined) sizes.rounds = args.rounds;
  const redis = new BenchRedis();
  const stop = (): void => {
    void redis.stop().finally(() => process.exit(130));
  };
  process.once('SIGINT', stop);
  await redis.start();
  const started = Date.now();
  const log = (line: string): void => console.error(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${line}`);
  const ctx: BenchContext = { redis, systems: args.systems, sizes, metrics: [], slowlog: {}, details: {}, log };
  const machine = {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    redis: redis.version,
    platform: `${process.platform} ${process.arch}`,
  };
  log(`private redis-server ${redis.version} on port ${redis.port}; ${args.quick ? 'quick' : 'full'} run, ${sizes.rounds} round(s)`);
  for (const system of args.systems) log(`${system.name}: ${system.settings}`);
  try {
    for (const name of args.cases) await CASES[name]?.(ctx);
  } finally {
    await redis.stop();
  }
  const targets = checkTargets(ctx);
  const report = renderReport(ctx, targets);
  const versions = { bullmq: packageVersion('bullmq'), 'bee-queue': packageVersion('bee-queue'), ioredis: packageVersion('ioredis') };
  const json = {
    generatedAt: new Date().toISOString(),
    durationSeconds: Math.round((Date.now() - started) / 1000),
    mode: args.quick ? 'quick' : 'full',
    commit: gitCommit(),
    machine,
    versions,
    settings: Object.fromEntries(args.systems.map((s) => [s.name, s.settings])),
    sizes,
    metrics: ctx.metrics.map((m) => ({
      ...m,
      median: Object.fromEntries(args.systems.map((s) => [s.name, med(m, s.name)])),
    })),
    targets,
    details: ctx.details,
    slowlog: ctx.slowlog,
    table: report,
  };
  mkdirSync(fileURLToPath(new URL('.', `file://${args.out}`)), { recursive: true });
  writeFileSync(args.out, `${JSON.stringify(json, null, 2)}\n`);
  const header = `jobs benchmark, ${json.mode} run, ${json.generatedAt}, commit ${json.commit}\n${machine.cpu} x${machine.cores}, ${machine.memoryGb} GB, Node ${machine.node}, Redis ${machine.redis}; BullMQ ${versions.bullmq}, Bee-Queue ${versions['bee-queue']}\n`;
  const settings = args.systems.map((s) => `  ${s.name}: ${s.settings}`).join('\n');
  console.log(`${header}Settings (each system deletes a job on success):\n${settings}\n\n${report}\n\nFigures are noisy: 2 shared cores, other work may run alongside. JSON: ${args.out}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});
