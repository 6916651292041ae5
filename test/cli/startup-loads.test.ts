import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, runCli } from './run-cli.js';

// Start-up speed is measured by `npm run bench:startup`; this checks its cause without timing:
// commands that never reach Redis must not load the Redis client or the other heavy packages.
const HEAVY = ['ioredis', 'prom-client', 'nodemailer', '@inquirer/prompts', 'mustache', 'cron-parser'];
const RECORDER = join(ROOT, 'test/fixtures/load-recorder/register.mjs');
const dir = mkdtempSync(join(tmpdir(), 'jobs-startup-loads-'));

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the CLI with the load recorder and returns what it printed and every module it resolved. */
async function loadsOf(args: string[], name: string): Promise<{ stdout: string; code: number | null; modules: string[] }> {
  const file = join(dir, `${name}.txt`);
  const result = await runCli(args, { bin: 'jobsctl', env: { NODE_OPTIONS: `--import ${RECORDER}`, LOAD_RECORD_FILE: file } });
  const modules = readFileSync(file, 'utf8').split('\n').filter((line) => line !== '');
  return { stdout: result.stdout, code: result.code, modules };
}

/** The heavy packages among the recorded lines (specifier or resolved URL). */
function heavyLoaded(modules: string[]): string[] {
  return HEAVY.filter((pkg) => modules.some((line) => line.split('\t').some((part) => part === pkg || part.includes(`/node_modules/${pkg}/`))));
}

describe('CLI start-up loads only what the command needs', () => {
  it('jobsctl --version loads none of the heavy packages', async () => {
    const { stdout, code, modules } = await loadsOf(['--version'], 'version');
    expect(code).toBe(0);
    expect(stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    // the recorder works: it saw the CLI's own entry and commander
    expect(modules.some((line) => line.startsWith('commander\t'))).toBe(true);
    expect(heavyLoaded(modules)).toEqual([]);
  });

  it('a command help page loads none of them either', async () => {
    const { code, modules } = await loadsOf(['worker', '--help'], 'worker-help');
    expect(code).toBe(0);
    expect(modules.some((line) => line.startsWith('commander\t'))).toBe(true);
    expect(heavyLoaded(modules)).toEqual([]);
  });

  it('a command that talks to Redis still loads the Redis client when it runs', async () => {
    // no Redis listens on port 1: the command fails to connect, after loading what it needs
    const { code, modules } = await loadsOf(['--redis', 'redis://127.0.0.1:1', 'list'], 'list');
    expect(code).toBe(4);
    expect(heavyLoaded(modules)).toContain('ioredis');
  });
});
