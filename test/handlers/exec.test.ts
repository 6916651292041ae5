import { chmodSync, existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { builtinHandlers, PermanentError } from '../../src/index.js';
import { createExecHandler } from '../../src/handlers/exec.js';
import { until } from '../helpers/fixtures.js';
import { directContext, QUICK_BACKOFF, useQueues } from './harness.js';

const { open, work } = useQueues();
const scratch = mkdtempSync(join(tmpdir(), 'jobs-exec-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const node = process.execPath;
let fileCounter = 0;
function scratchFile(label: string): string {
  fileCounter += 1;
  return join(scratch, `${label}-${fileCounter}`);
}

/** True while the process exists and is not a zombie waiting to be reaped. */
function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) [ZX]/s.test(stat);
  } catch {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  }
}

/** A node script that starts a grandchild `sleep`, records both pids, then waits forever. */
function stubbornScript(pidFile: string): string[] {
  const script = `
    const { spawn } = require('node:child_process');
    const sleeper = spawn('sleep', ['30'], { stdio: 'ignore' });
    require('node:fs').writeFileSync(${JSON.stringify(pidFile)}, JSON.stringify([process.pid, sleeper.pid]));
    setInterval(() => {}, 1000);
  `;
  return ['-e', script];
}

function readPids(pidFile: string): number[] {
  return JSON.parse(readFileSync(pidFile, 'utf8')) as number[];
}

describe('exec through a worker', () => {
  it('is refused permanently when the worker did not allow exec', async () => {
    const canary = scratchFile('canary');
    const queue = open();
    const { id } = await queue.enqueue('exec', { command: 'touch', args: [canary] }, { backoff: QUICK_BACKOFF });
    await work(queue, { handlers: builtinHandlers() });
    const job = await queue.waitFor(id, { timeoutMs: 5000 });
    expect([job.status, job.attempts]).toEqual(['failed', 1]);
    expect(job.error).toContain('exec jobs are disabled on this worker: start it with --allow-exec');
    expect(existsSync(canary)).toBe(false);
  });

  it('passes shell metacharacters to the program literally', async () => {
    const canary = scratchFile('canary');
    const args = [`; touch ${canary}`, `$(touch ${canary})`, `\`touch ${canary}\``, `| touch ${canary}`, `&& touch ${canary}`, '*', '$HOME'];
    const queue = open();
    const { id } = await queue.enqueue('exec', { command: 'echo', args });
    await work(queue, { handlers: builtinHandlers({ allowExec: true }) });
    const job = await queue.waitFor(id, { timeoutMs: 5000 });
    expect(job.status).toBe('success');
    expect(job.result).toMatchObject({ exitCode: 0, stdout: `${args.join(' ')}\n`, stderr: '' });
    expect(existsSync(canary)).toBe(false);
  });

  it('retries a non-zero exit and reports the code and the last stderr line', async () => {
    const queue = open();
    const { id } = await queue.enqueue(
      'exec',
      { command: node, args: ['-e', 'console.error("first line\\ndisk full"); process.exit(3)'] },
      { maxAttempts: 2, backoff: QUICK_BACKOFF },
    );
    await work(queue, { handlers: builtinHandlers({ allowExec: true }) });
    const job = await queue.waitFor(id, { timeoutMs: 5000 });
    expect([job.status, job.attempts]).toEqual(['failed', 2]);
    expect(job.error).toBe(`exec: ${JSON.stringify(node)} exited with code 3: disk full`);
  });

  it('succeeds on a retry once the command exits 0 (env reaches the program)', async () => {
    const marker = scratchFile('marker');
    const script = `
      const fs = require('node:fs');
      const file = process.env.MARKER_FILE;
      if (fs.existsSync(file)) process.exit(0);
      fs.writeFileSync(file, 'first attempt');
      process.exit(1);
    `;
    const queue = open();
    const { id } = await queue.enqueue('exec', { command: node, args: ['-e', script], env: { MARKER_FILE: marker } }, { backoff: QUICK_BACKOFF });
    await work(queue, { handlers: builtinHandlers({ allowExec: true }) });
    const job = await queue.waitFor(id, { timeoutMs: 5000 });
    expect([job.status, job.attempts]).toEqual(['success', 2]);
  });

  it('kills the whole process group when the job times out', async () => {
    const pidFile = scratchFile('pids');
    const queue = open();
    const { id } = await queue.enqueue('exec', { command: node, args: stubbornScript(pidFile) }, { maxAttempts: 1, timeout: 500 });
    await work(queue, { handlers: builtinHandlers({ allowExec: true }) });
    const job = await queue.waitFor(id, { timeoutMs: 5000 });
    expect([job.status, job.attempts]).toEqual(['failed', 1]);
    expect(job.error).toContain('timed out');
    const pids = readPids(pidFile);
    expect(pids).toHaveLength(2);
    await until(() => pids.every((pid) => !isRunning(pid)), 5000, 'the command and its child to die');
  });

  it('kills the process when a running job is cancelled', async () => {
    const pidFile = scratchFile('pids');
    const queue = open();
    const { id } = await queue.enqueue('exec', { command: node, args: stubbornScript(pidFile) });
    await work(queue, { handlers: builtinHandlers({ allowExec: true }) });
    await until(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').length > 0, 5000, 'the command to start');
    expect(await queue.cancel(id)).toBe('requested');
    const job = await queue.waitFor(id, { timeoutMs: 5000 });
    expect(job.status).toBe('cancelled');
    const pids = readPids(pidFile);
    await until(() => pids.every((pid) => !isRunning(pid)), 5000, 'the command and its child to die');
  });

  it('fails a job whose env sets LD_PRELOAD or NODE_OPTIONS permanently, without starting the program', async () => {
    const canary = scratchFile('canary');
    const preload = scratchFile('preload.cjs');
    writeFileSync(preload, `require('node:fs').writeFileSync(${JSON.stringify(canary)}, 'preloaded');`);
    const program = ['-e', `require('node:fs').writeFileSync(${JSON.stringify(canary)}, 'ran')`];
    const queue = open();
    const loader = await queue.enqueue('exec', { command: node, args: program, env: { LD_PRELOAD: '/tmp/evil.so' } }, { backoff: QUICK_BACKOFF });
    const options = await queue.enqueue('exec', { command: node, args: program, env: { NODE_OPTIONS: `--require ${preload}` } }, { backoff: QUICK_BACKOFF });
    await work(queue, { handlers: builtinHandlers({ allowExec: true }), concurrency: 2 });
    const loaderJob = await queue.waitFor(loader.id, { timeoutMs: 5000 });
    const optionsJob = await queue.waitFor(options.id, { timeoutMs: 5000 });
    expect([loaderJob.status, loaderJob.attempts]).toEqual(['failed', 1]);
    expect(loaderJob.error).toContain('exec: "env" may not set LD_PRELOAD (it steers the dynamic loader)');
    expect(loaderJob.error).toContain('--exec-allow-env LD_PRELOAD');
    expect([optionsJob.status, optionsJob.attempts]).toEqual(['failed', 1]);
    expect(optionsJob.error).toContain('exec: "env" may not set NODE_OPTIONS (Node.js loads code or options from it)');
    expect(existsSync(canary)).toBe(false);
  });

  it('passes LD_PRELOAD and NODE_OPTIONS to the program when the worker allows them by name', async () => {
    const marker = scratchFile('marker');
    const preload = scratchFile('preload.cjs');
    writeFileSync(preload, `require('node:fs').writeFileSync(${JSON.stringify(marker)}, 'preloaded');`);
    const queue = open();
    const { id } = await queue.enqueue('exec', {
      command: node,
      args: ['-e', 'process.stdout.write(process.env.LD_PRELOAD ?? "unset")'],
      // A library that does not exist: the loader says so on stderr and runs the program anyway.
      env: { LD_PRELOAD: join(scratch, 'missing.so'), NODE_OPTIONS: `--require ${preload}` },
    });
    await work(queue, { handlers: builtinHandlers({ allowExec: true, execAllowEnv: ['NODE_OPTIONS', 'LD_PRELOAD'] }) });
    const job = await queue.waitFor(id, { timeoutMs: 5000 });
    expect(job.status).toBe('success');
    expect(job.result).toMatchObject({ stdout: join(scratch, 'missing.so') });
    expect(readFileSync(marker, 'utf8')).toBe('preloaded');
  });

  it('runs only whitelisted commands, found on the worker PATH even if the job sets PATH', async () => {
    const canary = scratchFile('canary');
    const fakeBin = mkdtempSync(join(scratch, 'bin-'));
    writeFileSync(join(fakeBin, 'echo'), `#!/bin/sh\ntouch ${canary}\n`);
    chmodSync(join(fakeBin, 'echo'), 0o755);
    const queue = open();
    const hijack = await queue.enqueue('exec', { command: 'echo', args: ['real echo'], env: { PATH: fakeBin } });
    const other = await queue.enqueue('exec', { command: 'touch', args: [canary] });
    await work(queue, { handlers: builtinHandlers({ allowExec: true, execAllow: ['echo'], execAllowEnv: ['PATH'] }), concurrency: 2 });
    const hijackJob = await queue.waitFor(hijack.id, { timeoutMs: 5000 });
    const otherJob = await queue.waitFor(other.id, { timeoutMs: 5000 });
    expect(hijackJob.status).toBe('success');
    expect(hijackJob.result).toMatchObject({ stdout: 'real echo\n' });
    expect([otherJob.status, otherJob.attempts]).toEqual(['failed', 1]);
    expect(otherJob.error).toContain(`"touch" is not in this worker's --exec-allow list (echo)`);
    expect(existsSync(canary)).toBe(false);
  });
});

describe('exec handler called directly', () => {
  const exec = createExecHandler({ allowExec: true });

  it('feeds stdin and runs in cwd', async () => {
    expect(await exec({ command: 'cat', stdin: 'piped input' }, directContext())).toMatchObject({ stdout: 'piped input' });
    const result = await exec({ command: 'pwd', cwd: scratch }, directContext());
    expect(result.stdout.trim()).toBe(realpathSync(scratch));
  });

  it('keeps the tail of long output', async () => {
    const result = await exec({ command: node, args: ['-e', 'process.stdout.write("a".repeat(10000) + "END")'] }, directContext());
    expect(result.stdout).toHaveLength(4096);
    expect(result.stdout.endsWith('aEND')).toBe(true);
  });

  it('fails permanently on bad payloads, a missing command or a missing cwd', async () => {
    const refuse = (payload: unknown): Promise<unknown> => Promise.resolve().then(() => exec(payload, directContext())).catch((error: unknown) => error);
    const cases: [unknown, string][] = [
      [{}, '"command" must be a non-empty string'],
      [{ command: 'echo', args: 'hello' }, '"args" must be an array of strings'],
      [{ command: 'echo', args: [1] }, '"args" must be an array of strings'],
      [{ command: 'echo', env: { A: 1 } }, '"env" must be an object of string values'],
      [{ command: 'echo', env: { 'A=B': 'x' } }, '"env" has an unusable variable'],
      [{ command: 'no-such-command-for-jobs-tests' }, 'not found'],
      [{ command: 'echo', cwd: join(scratch, 'missing') }, 'does not exist'],
      [{ command: scratch }, 'is not executable'],
    ];
    for (const [payload, message] of cases) {
      const error = await refuse(payload);
      expect(error, message).toBeInstanceOf(PermanentError);
      expect((error as Error).message).toContain(message);
    }
  });

  it('refuses variables that steer how programs find or load code, whatever their case, unless allowed by exact name', async () => {
    const refuse = (payload: unknown, handler = exec): Promise<unknown> =>
      Promise.resolve().then(() => handler(payload, directContext())).catch((error: unknown) => error);
    const cases: [Record<string, string>, string][] = [
      [{ PATH: '/tmp' }, 'may not set PATH (it changes where programs are looked up)'],
      [{ LD_LIBRARY_PATH: '/tmp' }, 'may not set LD_LIBRARY_PATH (it steers the dynamic loader)'],
      [{ LD_AUDIT: '/tmp/a.so' }, 'LD_AUDIT'],
      [{ DYLD_INSERT_LIBRARIES: '/tmp/a.dylib' }, 'DYLD_INSERT_LIBRARIES'],
      [{ NODE_PATH: '/tmp' }, 'NODE_PATH'],
      [{ BASH_ENV: '/tmp/rc' }, 'BASH_ENV (shells run code from it'],
      [{ ENV: '/tmp/rc' }, 'may not set ENV'],
      [{ IFS: '/' }, 'may not set IFS'],
      [{ 'BASH_FUNC_echo%%': '() { id; }' }, 'BASH_FUNC_echo%%'],
      [{ PYTHONPATH: '/tmp' }, 'PYTHONPATH (Python loads code from it)'],
      [{ PERL5LIB: '/tmp' }, 'PERL5LIB'],
      [{ RUBYOPT: '-r/tmp/x' }, 'RUBYOPT'],
      [{ JAVA_TOOL_OPTIONS: '-javaagent:/tmp/x.jar' }, 'JAVA_TOOL_OPTIONS'],
      [{ GIT_SSH_COMMAND: 'id' }, 'GIT_SSH_COMMAND'],
      [{ GIT_CONFIG_COUNT: '1' }, 'GIT_CONFIG_COUNT'],
      [{ ld_preload: '/tmp/a.so' }, 'may not set ld_preload'],
      [{ SAFE: '1', node_options: '--require /tmp/x' }, 'may not set node_options'],
    ];
    for (const [env, message] of cases) {
      const error = await refuse({ command: 'true', env });
      expect(error, message).toBeInstanceOf(PermanentError);
      expect((error as Error).message, message).toContain(message);
    }
    expect(await exec({ command: 'true', env: { MARKER: '1', LANG: 'C.UTF-8', HOME: scratch, TZ: 'UTC' } }, directContext())).toMatchObject({ exitCode: 0 });
    const lenient = createExecHandler({ allowExec: true, execAllowEnv: ['PYTHONPATH'] });
    expect(await lenient({ command: 'true', env: { PYTHONPATH: scratch } }, directContext())).toMatchObject({ exitCode: 0 });
    expect(await refuse({ command: 'true', env: { pythonpath: scratch } }, lenient)).toBeInstanceOf(PermanentError);
    expect(() => createExecHandler({ allowExec: true, execAllowEnv: ['A=B'] })).toThrow('execAllowEnv: "A=B" is not a variable name');
  });

  it('refuses everything with an empty whitelist', async () => {
    const none = createExecHandler({ allowExec: true, execAllow: [] });
    const error = await Promise.resolve()
      .then(() => none({ command: 'echo' }, directContext()))
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PermanentError);
    expect((error as Error).message).toContain('--exec-allow list (none)');
  });
});
