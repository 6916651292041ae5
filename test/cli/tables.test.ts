import { afterAll, describe, expect, it } from 'vitest';
import { fitWidths, pageFooter, renderTable, truncate, visibleLength } from '../../src/cli/table.js';
import { Queue, Worker } from '../../src/index.js';
import { uniqueQueue, useRedisServer } from '../helpers/fixtures.js';
import { runCli, type CliOptions } from './run-cli.js';
import { runInTerminal } from './terminal.js';

describe('table rendering', () => {
  const head = ['id', 'type', 'error'];
  const rows = [
    ['7', 'send-email', 'connect ECONNREFUSED 10.0.0.1:25 after three attempts'],
    ['12', 'x', ''],
  ];

  it('draws a compact table: a header line, one line per row, no rules', () => {
    const lines = renderTable(head, rows, { plain: false, width: undefined });
    expect(lines).toHaveLength(3);
    expect(lines.join('\n')).not.toMatch(/[─│┌┼]/);
    // numbers right-aligned, text left-aligned, two spaces between columns
    expect(lines[1]).toMatch(/^ 7  send-email  connect/);
    expect(lines[2]).toMatch(/^12  x$/);
  });

  it('fits the terminal: the widest column gives way and ends in an ellipsis', () => {
    const lines = renderTable(head, rows, { plain: false, width: 40 });
    for (const line of lines) expect(visibleLength(line)).toBeLessThanOrEqual(40);
    expect(lines[1]).toMatch(/…$/);
    expect(lines[1]).toContain('send-email');
    expect(fitWidths([2, 10, 60], 40)).toEqual([2, 10, 24]);
  });

  it('keeps colour codes whole when it cuts a cell', () => {
    const red = '\x1b[31mdead-lettered for good\x1b[39m';
    const cut = truncate(red, 8);
    expect(visibleLength(cut)).toBe(8);
    expect(cut).toMatch(/^\x1b\[31mdead-le…\x1b\[0m$/);
  });

  it('is tab-separated and uncut when plain', () => {
    const lines = renderTable(head, [['1', 'a\tb', 'line one\nline two']], { plain: true, width: 10 });
    expect(lines).toEqual(['id\ttype\terror', '1\ta b\tline one line two']);
  });

  it('says which part of a longer list a page is, and how to get the next', () => {
    expect(pageFooter({ offset: 0, shown: 50, total: 120, limit: 50 })).toBe('50 of 120 · next: --offset 50');
    expect(pageFooter({ offset: 100, shown: 20, total: 120, limit: 50 })).toBe('101-120 of 120');
    expect(pageFooter({ offset: 0, shown: 3, total: 3, limit: 50 })).toBeUndefined();
    expect(pageFooter({ offset: 0, shown: 50, total: undefined, limit: 50 })).toBe('50 shown · next: --offset 50');
  });
});

describe('table commands through the CLI', () => {
  const redis = useRedisServer();
  const name = uniqueQueue('tables');
  let queue: Queue;
  const cli = (): CliOptions => ({ redis: redis.url, queue: name });
  afterAll(async () => queue?.close());

  it('jobs list with 120 pending: 50 rows, a footer, tab-separated when piped', async () => {
    queue = new Queue(name, { connection: redis.url });
    const long = { note: 'x'.repeat(200) };
    await queue.enqueueMany(Array.from({ length: 120 }, (_, i) => ({ type: i % 2 ? 'send-email-with-a-long-type-name' : 'ok', payload: long })));
    const piped = await runCli(['list'], cli());
    expect(piped.code).toBe(0);
    const lines = piped.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(51);
    expect(lines[0]).toBe('id\ttype\tstatus\tattempts\tcreated\tscheduled for\terror');
    expect(lines[1]?.split('\t').slice(0, 4)).toEqual(['1', 'ok', 'pending', '0/3']);
    expect(piped.stdout).not.toMatch(/[─│┌┼]/);
    // the footer goes to stderr when stdout is a pipe, so the rows stay clean
    expect(piped.stderr.trim()).toBe('50 of 120 · next: --offset 50');
    const last = await runCli(['list', '--offset', '100'], cli());
    expect(last.stdout.trimEnd().split('\n')).toHaveLength(21);
    expect(last.stderr.trim()).toBe('101-120 of 120');
  });

  it('on an 80-column terminal: compact rows no wider than 80, long cells cut, the footer under the table', async () => {
    const shown = await runInTerminal(['list', '--limit', '5'], 80, cli());
    expect(shown.code).toBe(0);
    const lines = shown.screen.trimEnd().split('\n');
    expect(lines).toHaveLength(7);
    for (const line of lines) expect([...line].length).toBeLessThanOrEqual(80);
    expect(lines[0]).toMatch(/^id\s+type\s+status\s+attempts/);
    expect(lines.find((line) => line.includes('…'))).toBeDefined();
    expect(lines[6]).toBe('5 of 120 · next: --offset 5');
    // --plain: tab-separated even on a terminal
    const plain = await runInTerminal(['list', '--limit', '2', '--plain'], 80, cli());
    expect(plain.screen.split('\n')[0]).toBe('id\ttype\tstatus\tattempts\tcreated\tscheduled for\terror');
  });

  it('-q prints ids only, for piping; with --json it is refused', async () => {
    const quiet = await runCli(['list', '-q', '--limit', '3'], cli());
    expect(quiet.stdout).toBe('1\n2\n3\n');
    expect(quiet.stderr).toBe('');
    const terminal = await runInTerminal(['list', '--quiet', '--limit', '2'], 80, cli());
    expect(terminal.screen).toBe('1\n2\n');
    const names = await runCli(['queues', '-q'], cli());
    expect(names.stdout.split('\n')).toContain(name);
    const both = await runCli(['list', '-q', '--json'], cli());
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/--json or --quiet/);
  });

  it('jobs dlq list pages with a footer and -q', async () => {
    const dlqName = uniqueQueue('tables-dlq');
    const failing = new Queue(dlqName, { connection: redis.url });
    try {
      // three jobs that fail their only attempt
      await failing.enqueueMany([1, 2, 3].map(() => ({ type: 'boom', options: { maxAttempts: 1 } })));
      const worker = new Worker(dlqName, { connection: redis.url, exitWhenDrained: true, handlers: { boom: () => Promise.reject(new Error('no')) } });
      await worker.start();
      await worker.done;
      const page = await runCli(['dlq', 'list', '--limit', '2'], { redis: redis.url, queue: dlqName });
      expect(page.stdout.trimEnd().split('\n')).toHaveLength(3);
      expect(page.stderr.trim()).toBe('2 of 3 · next: --offset 2');
      const ids = await runCli(['dlq', 'list', '-q'], { redis: redis.url, queue: dlqName });
      expect(ids.stdout.trim().split('\n')).toHaveLength(3);
    } finally {
      await failing.close();
    }
  });
});
