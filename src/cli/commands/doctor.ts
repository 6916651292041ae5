import type { Command } from 'commander';
import type { CheckResult } from '../../observability/doctor/index.js';
import { action } from '../context.js';
import { EXIT } from '../errors.js';
import { examples } from '../help.js';
import type { Output } from '../output.js';
import { plural } from '../text.js';

function printChecks(out: Output, checks: readonly CheckResult[]): void {
  const c = out.color;
  const mark = { ok: c.green('✓'), warn: c.yellow('!'), fail: c.red('✗'), skip: c.gray('-') };
  const width = Math.max(...checks.map((check) => check.name.length));
  for (const check of checks) {
    out.line(`${mark[check.status]} ${check.name.padEnd(width)}  ${check.message}`);
    if (check.fix) out.line(`  ${' '.repeat(width)}  ${c.gray(`fix: ${check.fix}`)}`);
  }
}

/** `jobs doctor`: is this Redis safe for jobs, and how to fix what is not. */
export function registerDoctorCommand(program: Command): void {
  program
    .command('doctor')
    .description('check the Redis deployment: version, eviction, persistence, replicas, latency, clock, cluster slots, ACL rights; says how to fix each finding')
    .option('--dev', 'judge a single development Redis: no persistence is a warning, no replica is fine')
    .option('--strict', 'exit 1 on warnings too')
    .addHelpText(
      'after',
      `${examples('jobs doctor', 'jobs doctor --dev', 'jobs doctor --json | jq \'.checks[] | select(.status != "ok")\'')}\n\n` +
        'Exit: 0 when no check failed (warnings are listed), 1 otherwise (--strict: also on warnings), 4 Redis unreachable.',
    )
    .action(
      action(async (ctx, flags: { dev?: boolean; strict?: boolean }) => {
        const { diagnose } = await import('../../observability/doctor/index.js');
        const report = await diagnose({ connection: ctx.config.redis, prefix: ctx.config.prefix, queue: ctx.config.queue, dev: Boolean(flags.dev) });
        const failures = report.checks.filter((check) => check.status === 'fail').length;
        const warnings = report.checks.filter((check) => check.status === 'warn').length;
        const passed = failures === 0 && (!flags.strict || warnings === 0);
        ctx.out.data({ ok: passed, dev: Boolean(flags.dev), checks: report.checks });
        printChecks(ctx.out, report.checks);
        ctx.out.line();
        ctx.out.line(failures + warnings === 0 ? 'all checks passed' : `${plural(failures, 'failure')}, ${plural(warnings, 'warning')}`);
        return passed ? EXIT.ok : EXIT.failed;
      }),
    );
}
