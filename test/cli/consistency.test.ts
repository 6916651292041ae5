import type { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/main.js';
import { formatDuration, parseDuration, Queue, ValidationError } from '../../src/index.js';
import { uniqueQueue, useRedisServer } from '../helpers/fixtures.js';
import { runCli, runJson, type CliOptions } from './run-cli.js';

function allCommands(command: Command): Command[] {
  return command.commands.flatMap((sub) => [sub, ...allCommands(sub)]);
}

function helpOf(command: Command): string {
  let text = '';
  command.configureOutput({ writeOut: (chunk) => (text += chunk), writeErr: (chunk) => (text += chunk) });
  command.outputHelp();
  return text;
}

const pathOf = (command: Command): string => (command.parent?.parent ? `${pathOf(command.parent)} ${command.name()}` : command.name());

describe('durations', () => {
  it('reads compound durations everywhere durations are read', () => {
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('1d 2h')).toBe(93_600_000);
    expect(parseDuration('2m30s500ms')).toBe(150_500);
    expect(parseDuration('1.5h')).toBe(5_400_000);
    expect(parseDuration('250')).toBe(250);
    for (const bad of ['1h30', '5m5m', 'h', '', '-1s', '1 hour']) expect(() => parseDuration(bad)).toThrow(ValidationError);
  });

  it('prints durations in the form it reads back', () => {
    const cases: [number, string][] = [
      [500, '500ms'],
      [1500, '1.5s'],
      [30_000, '30s'],
      [90_000, '1m30s'],
      [3_600_000, '1h'],
      [5_400_000, '1h30m'],
      [7 * 86_400_000, '7d'],
      [93_784_000, '1d2h3m4s'],
    ];
    for (const [ms, text] of cases) {
      expect(formatDuration(ms)).toBe(text);
      expect(parseDuration(text)).toBe(ms);
    }
  });
});

describe('help', () => {
  const program = buildProgram();
  const commands = allCommands(program).filter((c) => !c.name().startsWith('__'));

  it('has examples for every command, and every subcommand lists the global options', () => {
    expect(commands.length).toBeGreaterThan(30);
    for (const command of [program, ...commands]) {
      const text = helpOf(command);
      expect(text, `jobs ${pathOf(command)} --help`).toMatch(/\nExamples:\n  \S/);
      if (command !== program) {
        expect(text, `jobs ${pathOf(command)} --help`).toMatch(/Global Options:[\s\S]*--queue <name>[\s\S]*--json/);
      }
    }
  });

  it('shows duration defaults in the README units, not milliseconds', () => {
    const find = (path: string): Command => {
      const found = commands.find((c) => pathOf(c) === path);
      if (!found) throw new Error(`no command ${path}`);
      return found;
    };
    expect(helpOf(find('worker'))).toMatch(/--shutdown-timeout <duration>[\s\S]*?default: 30s/);
    expect(helpOf(find('worker'))).toMatch(/--retention-age <duration>[\s\S]*?default: 7d/);
    expect(helpOf(find('stats'))).toMatch(/default: 2s/);
    expect(helpOf(find('top'))).toMatch(/default: 1s/);
    for (const command of commands) {
      for (const option of command.options.filter((o) => o.flags.includes('<duration>') && o.defaultValue !== undefined)) {
        expect(option.defaultValueDescription, `${pathOf(command)} ${option.flags}`).toMatch(/^\d+(ms|s|m|h|d)$/);
      }
    }
  });
});

describe('small consistencies through the CLI', () => {
  const redis = useRedisServer();
  const name = uniqueQueue('consistent');
  let cli: CliOptions;
  let queue: Queue;
  beforeAll(() => {
    cli = { redis: redis.url, queue: name };
    queue = new Queue(name, { connection: redis.url });
  });
  afterAll(() => queue.close());

  it('--delay 1h30m is accepted and show prints durations the same way', async () => {
    const { json } = await runJson<{ id: string }>(['enqueue', 'report', '--delay', '1h30m', '--timeout', '1h30m', '--backoff', '1m30s:2h'], cli);
    const job = await queue.requireJob(json.id);
    expect((job.scheduledFor?.getTime() ?? 0) - job.createdAt.getTime()).toBe(5_400_000);
    const shown = await runCli(['show', json.id], cli);
    expect(shown.stdout).toMatch(/timeout\s+1h30m\n/);
    expect(shown.stdout).toMatch(/backoff\s+1m30s doubling, capped at 2h\n/);
  });

  it('cron remove takes -y like dlq purge', async () => {
    expect((await runCli(['cron', 'add', 'tidy', '--schedule', '@daily', '--type', 'x'], cli)).code).toBe(0);
    const removed = await runCli(['cron', 'remove', 'tidy', '-y'], cli);
    expect(removed.code).toBe(0);
    expect((await runCli(['cron', 'show', 'tidy'], cli)).code).toBe(3);
  });
});
