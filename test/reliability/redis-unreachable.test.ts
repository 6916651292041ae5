// Scenario 5 (fast half): `jobs enqueue` against a closed port exits 4 within 5 s with one
// clear line, no stack, and without the URL's password. (The 10 s outage of a running
// worker is in test/chaos/redis-away.test.ts.)
import { describe, expect, it } from 'vitest';
import { freePort } from '../helpers/redis-server.js';
import { runCli } from './support/processes.js';

describe('scenario 5: Redis unreachable', () => {
  it('`jobs enqueue` against a closed port exits 4 within 5 s with a clear message', async () => {
    const port = await freePort();
    const result = await runCli(['--redis', `redis://127.0.0.1:${port}`, '--queue', 'q', 'enqueue', 'echo', '--data', '{}']);
    expect(result.code).toBe(4);
    expect(result.elapsedMs).toBeLessThan(5000);
    expect(result.stdout).toBe('');
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^jobs: cannot reach Redis at redis://127\\.0\\.0\\.1:${port}`));
    expect(lines[0]).toMatch(/ECONNREFUSED/);
  });

  it('keeps the password of the URL out of the message, also with --json and --debug', async () => {
    const port = await freePort();
    const canary = 'pw-canary-7f3a91';
    for (const extra of [[], ['--json'], ['--debug']]) {
      const result = await runCli([...extra, '--redis', `redis://app:${canary}@127.0.0.1:${port}`, 'list']);
      expect(result.code).toBe(4);
      expect(result.stdout + result.stderr).not.toContain(canary);
      expect(result.stderr).toContain('app:***@');
    }
  });

  it('`jobs worker` that cannot reach Redis at start exits 4 within 5 s', async () => {
    const port = await freePort();
    const result = await runCli(['--redis', `redis://127.0.0.1:${port}`, 'worker'], { timeoutMs: 8000 });
    expect(result.code).toBe(4);
    expect(result.elapsedMs).toBeLessThan(5000);
    expect(result.stderr.trim()).toMatch(/^jobs: cannot reach Redis at redis:\/\/127\.0\.0\.1:\d+: connect ECONNREFUSED/);
  });
});
