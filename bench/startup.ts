import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { BenchRedis } from './redis.js';
import { median } from './stats.js';

/**
 * CLI start-up: wall time of `jobsctl --version`, `stats`, `enqueue` and `list` against a
 * private redis-server, next to `node -e 0`. Runs alternate (every command once per round,
 * the order rotated each round) so load on a shared machine hits all of them alike.
 *
 *   npm run bench:startup [-- --runs 10]
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = `${ROOT}bin/jobsctl.js`;

interface Case {
  name: string;
  args: string[];
}

const CASES: Case[] = [
  { name: 'node -e 0', args: ['-e', '0'] },
  { name: 'jobsctl --version', args: [BIN, '--version'] },
  { name: 'jobsctl stats', args: [BIN, 'stats'] },
  { name: 'jobsctl enqueue x --data {}', args: [BIN, 'enqueue', 'x', '--data', '{}'] },
  { name: 'jobsctl list', args: [BIN, 'list'] },
];

/** The CLI's start-up target: every command within this factor of `node -e 0`. */
const TARGET_RATIO = 2;

function parseRuns(argv: string[]): number {
  const at = argv.indexOf('--runs');
  if (at === -1) return 10;
  const runs = Number(argv[at + 1]);
  if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs must be a whole number >= 1');
  return runs;
}

function cliEnv(redisUrl: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', REDIS_URL: redisUrl, JOBS_QUEUE: 'startup-bench' };
  for (const name of Object.keys(env)) if (name.startsWith('JOBS_') && name !== 'JOBS_QUEUE') delete env[name];
  return env;
}

/** Milliseconds from spawn to exit; a failing command stops the bench (a fast failure is no figure). */
function timeOnce(item: Case, env: NodeJS.ProcessEnv): number {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, item.args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) throw new Error(`${item.name} exited ${String(result.status)}: ${result.stderr.trim()}`);
  return ms;
}

async function main(): Promise<void> {
  const runs = parseRuns(process.argv.slice(2));
  const redis = new BenchRedis();
  await redis.start();
  try {
    const env = cliEnv(redis.url);
    // one untimed round warms the file cache and creates the queue
    for (const item of CASES) timeOnce(item, env);
    const times = new Map<string, number[]>(CASES.map((item) => [item.name, []]));
    for (let round = 0; round < runs; round += 1) {
      for (let i = 0; i < CASES.length; i += 1) {
        const item = CASES[(round + i) % CASES.length];
        if (item) times.get(item.name)?.push(timeOnce(item, env));
      }
    }
    const base = median(times.get('node -e 0') ?? []);
    console.log(`CLI start-up, median of ${runs} alternating runs (Node ${process.version}, redis-server ${redis.version})\n`);
    console.log(`${'command'.padEnd(30)} ${'median ms'.padStart(10)} ${'x node -e 0'.padStart(12)}`);
    let slow = 0;
    for (const item of CASES) {
      const ms = median(times.get(item.name) ?? []);
      const ratio = ms / base;
      if (ratio > TARGET_RATIO) slow += 1;
      console.log(`${item.name.padEnd(30)} ${ms.toFixed(1).padStart(10)} ${`${ratio.toFixed(2)}x`.padStart(12)}`);
    }
    console.log(`\n${slow === 0 ? 'every command' : `${slow} command(s) not`} within ${TARGET_RATIO}x of node -e 0`);
  } finally {
    await redis.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
