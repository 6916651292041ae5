// Scenario 9: a canary token in a payload field appears in no log line, no table output and
// no error message, and `--redact <field,...>` hides named fields in every view.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { queueFactory, until, useRedisServer } from '../helpers/fixtures.js';
import { runCli, startCli, TEST_HANDLERS } from './support/processes.js';

const redis = useRedisServer();
const { open } = queueFactory(redis);
/** Short on purpose: V8's JSON errors quote about ten characters around the fault. */
const CANARY = 'tok9Zq4W';
const SECRET_PAYLOAD = { user: 'ada', apiToken: CANARY, nested: { headers: { apiToken: CANARY } } };

async function queueWithSecrets(): Promise<{ name: string; okId: string; failedId: string }> {
  const queue = open();
  const { id: okId } = await queue.enqueue('echo', { ...SECRET_PAYLOAD, note: 'fine' });
  const { id: failedId } = await queue.enqueue('fail', { ...SECRET_PAYLOAD, message: 'upstream refused' }, { maxAttempts: 1 });
  for (const json of [[], ['--json']]) {
    const worker = await runCli(['--redis', redis.url, '--queue', queue.name, ...json, 'worker', '--handlers', TEST_HANDLERS, '--drain']);
    expect(worker.code, worker.stderr).toBe(0);
    expect(worker.stdout + worker.stderr).not.toContain(CANARY);
  }
  await until(async () => (await queue.counts()).failed === 1, 5000, 'failed job');
  return { name: queue.name, okId, failedId };
}

describe('scenario 9: secrets in payloads', () => {
  it('keeps the canary out of worker logs and of list / dlq list tables', async () => {
    const { name } = await queueWithSecrets();
    for (const args of [['list', '--state', 'success'], ['list', '--state', 'failed'], ['dlq', 'list']]) {
      const result = await runCli(['--redis', redis.url, '--queue', name, ...args]);
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/echo|fail/);
      expect(result.stdout + result.stderr).not.toContain(CANARY);
    }
  });

  it('keeps the canary out of a running worker\'s log, with retries and failures', async () => {
    const queue = open();
    await queue.enqueue('fail', { ...SECRET_PAYLOAD, message: 'boom' }, { maxAttempts: 2, backoff: { baseMs: 10, capMs: 10 } });
    const worker = startCli(['--redis', redis.url, '--queue', queue.name, 'worker', '--handlers', TEST_HANDLERS]);
    try {
      await until(async () => (await queue.counts()).failed === 1, 10_000, 'dead-lettered');
      await until(() => worker.lines.length >= 3, 5000, 'log lines');
    } finally {
      worker.signal('SIGTERM');
      await worker.exited;
    }
    expect(worker.allOutput).not.toContain(CANARY);
  });

  it('keeps the canary out of the error for a payload over the size limit', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'jobs-secret-')), 'big.json');
    writeFileSync(file, JSON.stringify({ apiToken: CANARY, blob: 'x'.repeat(1_100_000) }));
    const result = await runCli(['--redis', redis.url, 'enqueue', 'echo', '--payload', file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/over the 1048576-byte limit/);
    expect(result.stdout + result.stderr).not.toContain(CANARY);
  });

  // V8's JSON errors quote the text around the fault; the CLI reports only the position.
  it('keeps the canary out of the error for invalid JSON around it', async () => {
    const result = await runCli(['--redis', redis.url, 'enqueue', 'echo', '--data', `{"apiToken": ${CANARY}}`]);
    expect(result.code).toBe(2);
    expect(result.stderr).not.toContain(CANARY);
  });

  // One payload reader for every command: cron add reports the position only, like enqueue.
  it('keeps the canary out of the error for invalid JSON given to cron add (--data and --payload)', async () => {
    const queue = open();
    const file = join(mkdtempSync(join(tmpdir(), 'jobs-secret-')), 'cron.json');
    writeFileSync(file, `{"apiToken": ${CANARY}}`);
    for (const [flag, value, source] of [
      ['--data', `{"apiToken": ${CANARY}}`, '--data'],
      ['--payload', file, `payload file ${file}`],
    ] as const) {
      const result = await runCli(['--redis', redis.url, '--queue', queue.name, 'cron', 'add', 'nightly', '--schedule', '0 3 * * *', '--type', 'echo', flag, value]);
      expect(result.code, flag).toBe(2);
      expect(result.stderr.trim()).toBe(`jobs: ${source} is not valid JSON at character 15`);
      expect(result.stdout + result.stderr).not.toContain(CANARY);
    }
    expect(await queue.schedules.list()).toEqual([]);
  });

  describe('--redact', () => {
    it('hides the named fields, at any depth, in show, list --json, dlq show/list and worker output', async () => {
      const { name, okId, failedId } = await queueWithSecrets();
      const views = [
        ['show', okId],
        ['--json', 'show', okId],
        ['--json', 'list', '--state', 'success'],
        ['dlq', 'show', failedId],
        ['--json', 'dlq', 'show', failedId],
        ['--json', 'dlq', 'list'],
      ];
      for (const args of views) {
        const result = await runCli(['--redis', redis.url, '--queue', name, '--redact', 'apiToken', ...args]);
        expect(result.code, result.stderr).toBe(0);
        expect(result.stdout + result.stderr).not.toContain(CANARY);
        expect(result.stdout).toContain('ada'); // other fields stay visible
      }
    });
  });
});
