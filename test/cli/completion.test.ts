import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { complete, formatCompletion, type DynamicNames } from '../../src/cli/completion/engine.js';
import { buildProgram } from '../../src/cli/main.js';
import { Queue } from '../../src/index.js';
import { freePort } from '../helpers/redis-server.js';
import { uniqueQueue, useRedisServer } from '../helpers/fixtures.js';
import { BIN, cliEnv, ROOT, runCli } from './run-cli.js';
import { shellQuote } from './terminal.js';

const redis = useRedisServer();
const prefix = uniqueQueue('compl');
// `jobs` on PATH is the built binary, as after `npm link`; the scripts must find it there
const pathDir = mkdtempSync(join(tmpdir(), 'jobs-path-'));
symlinkSync(BIN, join(pathDir, 'jobs'));

const installed = (shell: string): boolean => spawnSync(shell, ['-c', 'exit 0']).status === 0;

function env(redisUrl = redis.url): NodeJS.ProcessEnv {
  return { ...cliEnv({ redis: redisUrl, prefix }), PATH: `${pathDir}:${process.env.PATH ?? ''}` };
}

// the script as `source <(env jobs completion bash)` loads it, printed once for all the cases
const bashScript = join(pathDir, 'jobs.bash');

/** What bash offers for the line: `words` after `jobs`, the last being the word being typed. */
function bashComplete(words: string[], redisUrl?: string): string[] {
  const all = ['jobs', ...words].map(shellQuote).join(' ');
  const script = `source ${shellQuote(bashScript)}\nCOMP_WORDS=(${all}); COMP_CWORD=${words.length}\n_jobs_completion\nprintf '%s\\n' "\${COMPREPLY[@]}"`;
  const out = execFileSync('bash', ['-c', script], { cwd: ROOT, env: env(redisUrl), encoding: 'utf8' });
  return out.split('\n').filter((line) => line !== '');
}

beforeAll(async () => {
  execFileSync('bash', ['-c', `env jobs completion bash > ${shellQuote(bashScript)}`], { env: env() });
  for (const name of ['emails', 'webhooks']) {
    const queue = new Queue(name, { connection: redis.url, prefix });
    await queue.enqueue('x');
    if (name === 'emails') await queue.schedules.add('nightly-report', { cron: '@daily', type: 'x' });
    await queue.close();
  }
});

describe('completion engine', () => {
  const program = buildProgram();
  const names: DynamicNames = {
    queues: async () => ['emails', 'webhooks'],
    schedules: async (line) => (line.queue === 'emails' ? ['nightly-report'] : []),
  };
  const words = async (...line: string[]): Promise<string[]> => {
    const completion = await complete(program, line, names);
    return completion.kind === 'files' ? [':files'] : completion.candidates.map((c) => c.value);
  };

  it('completes commands, subcommands, options and their values', async () => {
    expect(await words('d')).toEqual(['delete', 'dlq', 'dev', 'doctor']);
    expect(await words('dlq', '')).toEqual(['list', 'show', 'retry', 'purge']);
    expect(await words('list', '--st')).toEqual(['--state']);
    expect(await words('list', '--state', 'r')).toEqual(['running', 'retrying']);
    expect(await words('worker', '--log-format', '')).toEqual(['pretty', 'json']);
    expect(await words('cron', 'add', 'x', '--overlap', '')).toEqual(['allow', 'skip', 'queue-one']);
    expect(await words('cron', 'add', 'x', '--tz', 'Europe/Ber')).toEqual(['Europe/Berlin']);
    expect(await words('completion', '')).toEqual(['bash', 'zsh', 'fish']);
    // global options after a subcommand; file options ask the shell for file names
    expect(await words('dlq', 'list', '--re')).toEqual(['--redis', '--redact']);
    expect(await words('enqueue', 'x', '--payload', '')).toEqual([':files']);
    expect(await words('__')).toEqual([]);
  });

  it('completes queue names, and schedule names of the queue given on the line', async () => {
    expect(await words('queue', 'delete', '')).toEqual(['emails', 'webhooks']);
    expect(await words('--queue', 'w')).toEqual(['webhooks']);
    expect(await words('worker', '--queues', 'emails,')).toEqual(['emails,emails', 'emails,webhooks']);
    expect(await words('--queue', 'emails', 'cron', 'show', '')).toEqual(['nightly-report']);
    expect(await words('cron', 'show', 'nightly-report', '')).toEqual([]);
  });

  it('formats for each shell: words for bash, value:description for zsh, tab-separated for fish', () => {
    const completion = { kind: 'words' as const, candidates: [{ value: 'a:b', description: 'queue' }, { value: 'c' }] };
    expect(formatCompletion(completion, 'bash')).toBe('a:b\nc\n');
    expect(formatCompletion(completion, 'zsh')).toBe('a\\:b:queue\nc\n');
    expect(formatCompletion(completion, 'fish')).toBe('a:b\tqueue\nc\n');
    expect(formatCompletion({ kind: 'files' }, 'fish')).toBe(':files\n');
  });
});

describe('jobs completion bash', () => {
  it('offers commands, option values and file names through the sourced script', () => {
    expect(bashComplete(['d'])).toEqual(['delete', 'dlq', 'dev', 'doctor']);
    expect(bashComplete(['list', '--state', 'r'])).toEqual(['running', 'retrying']);
    expect(bashComplete(['enqueue', 'x', '--payload', 'package.j'])).toEqual(['package.json']);
  }, 120_000);

  it('completes queue and schedule names read from Redis, honouring --queue on the line', () => {
    expect(bashComplete(['queue', 'pause', ''])).toEqual(['emails', 'webhooks']);
    expect(bashComplete(['--queue', 'emails', 'cron', 'show', ''])).toEqual(['nightly-report']);
    // the default queue has no schedules
    expect(bashComplete(['cron', 'trigger', ''])).toEqual([]);
  }, 120_000);

  it('fails silently when Redis is down: no names, no error, static completion still works', async () => {
    const down = `redis://127.0.0.1:${await freePort()}`;
    const started = Date.now();
    expect(bashComplete(['queue', 'pause', ''], down)).toEqual([]);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(bashComplete(['queue', 'p'], down)).toEqual(['pause']);
    const direct = await runCli(['__complete', 'bash', '--', 'queue', 'pause', ''], { redis: down });
    expect(direct).toEqual({ code: 0, stdout: '', stderr: '' });
  }, 120_000);

  it('keeps the hidden helper out of help', async () => {
    const help = await runCli(['--help']);
    expect(help.stdout).toMatch(/completion <shell>/);
    expect(help.stdout).not.toMatch(/__complete/);
  });
});

describe.skipIf(!installed('zsh'))('jobs completion zsh', () => {
  it('offers the same words through _describe, and files through _files', () => {
    const script = [
      'compdef() { :; }',
      '_describe() { print -l -- "${(@P)${@[-1]}}"; }',
      '_files() { print FILES; }',
      'source <(env jobs completion zsh)',
      'words=(jobs queue pause ""); CURRENT=4; _jobs',
      'words=(jobs dl); CURRENT=2; _jobs',
      'words=(jobs enqueue x --ndjson ""); CURRENT=5; _jobs',
    ].join('\n');
    const out = execFileSync('zsh', ['-c', script], { cwd: ROOT, env: env(), encoding: 'utf8' });
    expect(out.split('\n').filter(Boolean)).toEqual(['emails', 'webhooks', 'dlq:the dead-letter queue: jobs that failed for good', 'FILES']);
    expect(spawnSync('zsh', ['-n', '-c', execFileSync(process.execPath, [BIN, 'completion', 'zsh'], { encoding: 'utf8' })]).status).toBe(0);
  }, 120_000);
});

describe.skipIf(!installed('fish'))('jobs completion fish', () => {
  it('offers words with their descriptions', () => {
    const script = 'env jobs completion fish | source; complete -C "jobs queue pause "; complete -C "jobs dl"';
    const out = execFileSync('fish', ['-c', script], { cwd: ROOT, env: env(), encoding: 'utf8' });
    expect(out.split('\n').filter(Boolean)).toEqual(['emails', 'webhooks', 'dlq\tthe dead-letter queue: jobs that failed for good']);
  }, 120_000);
});
