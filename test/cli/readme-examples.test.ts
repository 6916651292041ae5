// Every command of the README, run as a reader would paste it: through `sh -c`, with the packed
// package installed in a project whose node_modules/.bin is on PATH, against a private Redis.
// Each code block starts from a world of its own (a fresh key prefix, seeded as a queue that has
// seen some work) and runs its lines in order. Under bash each line must hand the programs the
// same arguments and input as under sh, so it runs the same there too.
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useRedisServer } from '../helpers/fixtures.js';
import { cleanEnv, installPackedPackage, ROOT, type PackedInstall } from '../helpers/packed-package.js';
import { readmeExamples, type Example } from './readme/extract.js';
import { argumentEchoes, argumentsUnder, runToEnd, runUntilStarted, type ExampleRun } from './readme/shell.js';
import { seedWorld, startHelperWorker, writeExampleFiles } from './readme/world.js';

/** Examples not run, by their command (without a trailing comment), each with the reason. */
const DEV_STACK = 'starts a Redis of its own, which this test cannot watch; test/cli/dev.test.ts runs jobs dev through sh -c';
const SKIPPED: Record<string, string> = {
  'npm install && npx jobsctl dev --demo': `runs in a clone of this repository (installs it, then the dev stack); ${DEV_STACK}`,
  'REDIS_URL=redis://127.0.0.1:6379 npx jobsctl worker --concurrency 8':
    'names a Redis on 127.0.0.1:6379, which tests never touch; the jobs worker examples run the same worker here',
  'npx jobsctl dev --demo': DEV_STACK,
  'npx jobsctl dev --handlers ./handlers.js': DEV_STACK,
  'npx jobsctl dev --fresh': DEV_STACK,
  'npm test': 'the test suite itself',
};

/** Examples whose documented exit code is not 0, by their command, with the reason. */
const EXIT_CODES: Record<string, { code: number; why: string }> = {
  'jobsctl wait 42 --timeout 2m': { code: 1, why: 'the line before cancelled job 42; its comment documents exit 1 for that' },
  'jobsctl doctor': { code: 1, why: "the test's Redis keeps nothing on disk, which a production check fails (exit 1, as documented)" },
};

/** Commands that run until stopped: judged started once connected to Redis, then sent SIGINT (exit 0). */
const BLOCKING: { pattern: RegExp; why: string }[] = [
  { pattern: /\bworker\b(?!.*--(?:drain|max-jobs)\b)/, why: 'a worker without --drain or --max-jobs runs until stopped' },
  { pattern: /--watch\b/, why: 'refreshes until stopped' },
  { pattern: /--follow\b/, why: 'follows new events until stopped' },
];

/** Commands that wait for a job: a worker with handlers for the README's job types runs beside them. */
const WAITS_FOR_A_JOB = /(?:--wait\b|\bjobsctl wait\b)/;

const withoutComment = (text: string): string => text.replace(/\s+#\s.*$/, '').trim();
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const blocks = readmeExamples(README);
const commands = blocks.flatMap((block) => block.examples.map((example) => withoutComment(example.text)));

const redis = useRedisServer();
let packed: PackedInstall;
let admin: Redis;
let echoes: string;
beforeAll(async () => {
  packed = await installPackedPackage();
  writeExampleFiles(packed.project);
  admin = new Redis(redis.url);
  echoes = argumentEchoes(['jobsctl', 'jobs', 'npx', 'npm', 'node']);
}, 240_000);
afterAll(() => {
  admin?.disconnect();
  packed?.remove();
  if (echoes) rmSync(echoes, { recursive: true, force: true });
});

it('finds the examples, and every skip and exit-code entry still names one', () => {
  expect(blocks.length).toBeGreaterThan(10);
  expect(commands.length).toBeGreaterThan(40);
  for (const command of [...Object.keys(SKIPPED), ...Object.keys(EXIT_CODES)]) expect(commands).toContain(command);
});

/** Valid JSON on stdout: one document, or one per line (workers, --watch). */
function expectJsonOutput(run: ExampleRun, text: string): void {
  const lines = run.stdout.split('\n').filter((line) => line.trim() !== '');
  let whole = true;
  try {
    JSON.parse(run.stdout);
  } catch {
    whole = false;
  }
  if (!whole) for (const line of lines) expect(() => JSON.parse(line), `stdout of ${text} is not JSON: ${line}`).not.toThrow();
}

async function runExample(example: Example, prefix: string): Promise<ExampleRun> {
  const env = cleanEnv([packed.binDir], { REDIS_URL: redis.url, JOBS_PREFIX: prefix });
  const queue = /--queue\s+(\S+)/.exec(example.text)?.[1] ?? 'default';
  const helper = WAITS_FOR_A_JOB.test(example.text) ? await startHelperWorker(redis.url, prefix, queue) : undefined;
  try {
    return BLOCKING.some(({ pattern }) => pattern.test(example.text))
      ? await runUntilStarted(example.text, packed.project, env, admin, 60_000)
      : await runToEnd(example.text, packed.project, env, 90_000);
  } finally {
    await helper?.close(1000);
  }
}

describe.each(blocks)('README line $line: $kind under "$section"', (block) => {
  const prefix = `readme${block.line}`;
  beforeAll(() => seedWorld(redis.url, prefix), 60_000);

  for (const example of block.examples) {
    const command = withoutComment(example.text);
    const skipped = SKIPPED[command];
    const title = `line ${example.line}: ${command}${skipped ? ` (skipped: ${skipped})` : ''}`;
    (skipped ? it.skip : it)(
      title,
      async () => {
        const underSh = await argumentsUnder('sh', example.text, packed.project, echoes);
        if (/\bjobs(?:ctl)?\b/.test(command)) {
          expect(underSh, 'the CLI never ran under sh: `jobs` there is the shell builtin; write jobsctl').toMatch(/^(?:jobsctl|jobs|npx)(?:\[|$)/m);
        }
        expect(await argumentsUnder('bash', example.text, packed.project, echoes), 'bash passes other arguments or input than sh').toBe(underSh);

        const run = await runExample(example, prefix);
        const expected = EXIT_CODES[command]?.code ?? 0;
        const seen = `exit ${run.code}\n--- stdout\n${run.stdout.slice(-2000)}\n--- stderr\n${run.stderr.slice(-2000)}`;
        expect(run.code, `${example.text}\n${seen}`).toBe(expected);
        if (run.started !== undefined) expect(run.started, `${example.text} never connected to Redis\n${seen}`).toBe(true);
        if (expected === 0 && /--json\b/.test(example.text)) expectJsonOutput(run, example.text);
      },
      240_000,
    );
  }
});
