// The package as a user gets it: `npm pack`, installed into an empty project, run through a
// shell and npx, imported, and typechecked from a consumer's TypeScript.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, installPackedPackage, ROOT, runCommand, type PackedInstall } from '../helpers/packed-package.js';

let packed: PackedInstall;
beforeAll(async () => {
  packed = await installPackedPackage();
}, 240_000);
afterAll(() => packed?.remove());

const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const sh = (script: string): ReturnType<typeof runCommand> =>
  runCommand('sh', ['-c', script], { cwd: packed.project, env: cleanEnv([packed.binDir]) });

describe('the packed package', () => {
  it('holds the built code and each Lua script once, no source maps, no TypeScript sources', () => {
    expect(packed.files).toEqual(expect.arrayContaining(['bin/jobs.js', 'bin/jobsctl.js', 'dist/index.js', 'dist/index.d.ts', 'dist/cli/main.js']));
    expect(packed.files.filter((file) => file.endsWith('.map'))).toEqual([]);
    expect(packed.files.filter((file) => file.startsWith('src/'))).toEqual([]);
    const lua = packed.files.filter((file) => file.endsWith('.lua'));
    const names = lua.map((file) => file.split('/').pop());
    expect(lua.length).toBeGreaterThan(5);
    expect(new Set(names).size).toBe(lua.length);
    expect(lua.every((file) => file.startsWith('dist/core/scripts/'))).toBe(true);
  });

  it('runs as jobsctl through sh -c and bash -c, and as npx jobsctl', async () => {
    for (const shell of ['sh', 'bash']) {
      const result = await runCommand(shell, ['-c', 'jobsctl --version'], { cwd: packed.project, env: cleanEnv([packed.binDir]) });
      expect({ shell, ...result }).toEqual({ shell, code: 0, stdout: `${version}\n`, stderr: '' });
    }
    const npx = await runCommand('npx', ['--no-install', 'jobsctl', '--version'], { cwd: packed.project, env: cleanEnv() });
    expect(npx).toMatchObject({ code: 0, stdout: `${version}\n` });
  });

  it('runs as jobs by path, while the bare word in sh -c is the shell builtin (why jobsctl exists)', async () => {
    expect(await sh('./node_modules/.bin/jobs --version')).toMatchObject({ code: 0, stdout: `${version}\n` });
    expect(await sh('env jobs --version')).toMatchObject({ code: 0, stdout: `${version}\n` });
    const builtin = await sh('jobs --version');
    expect(builtin.stdout).not.toContain(version);
  });

  it('runs as jobs in bash after enable -n jobs, and in zsh after disable jobs, as the README says', async () => {
    const env = cleanEnv([packed.binDir]);
    const bash = await runCommand('bash', ['-c', 'enable -n jobs; jobs --version'], { cwd: packed.project, env });
    expect(bash).toMatchObject({ code: 0, stdout: `${version}\n` });
    if (spawnSync('zsh', ['--version']).status !== 0) return; // zsh is optional on a test machine
    const zsh = await runCommand('zsh', ['-c', 'disable jobs; jobs --version'], { cwd: packed.project, env });
    expect(zsh).toMatchObject({ code: 0, stdout: `${version}\n` });
  });

  it('imports as an ES module from the package root, and from CommonJS with import()', async () => {
    const script = "import { Queue, Worker, PermanentError } from 'jobs'; console.log([typeof Queue, typeof Worker, typeof PermanentError].join(' '));";
    const result = await runCommand(process.execPath, ['--input-type=module', '-e', script], { cwd: packed.project });
    expect(result).toMatchObject({ code: 0, stdout: 'function function function\n' });
    // ESM-only: CommonJS loads it with import(), as the README says.
    const fromCommonJs = "import('jobs').then((jobs) => console.log(typeof jobs.Queue));";
    const cjs = await runCommand(process.execPath, ['--input-type=commonjs', '-e', fromCommonJs], { cwd: packed.project });
    expect(cjs).toMatchObject({ code: 0, stdout: 'function\n' });
  });

  it('typechecks a consumer written against its types, and rejects a misuse', async () => {
    writeFileSync(
      join(packed.project, 'consumer.ts'),
      [
        "import { Queue, Worker, PermanentError, type Job, type EnqueueResult } from 'jobs';",
        "const queue = new Queue('emails', { connection: 'redis://127.0.0.1:6390', maxPayloadBytes: 4096 });",
        "const added: Promise<EnqueueResult> = queue.enqueue('send-email', { to: 'a@example.com' }, { maxAttempts: 5 });",
        "const found: Promise<Job | null> = queue.getJob('1');",
        "new Worker('emails', { concurrency: 4, retention: { finishedCount: 0 }, handlers: {",
        "  'send-email': async (payload: { to: string }, ctx) => {",
        "    if (!payload.to.includes('@')) throw new PermanentError('bad address');",
        '    return { sent: ctx.attempt };',
        '  },',
        '} });',
        // The check can fail: without the error below, tsc reports the directive as unused.
        '// @ts-expect-error concurrency is a number',
        "new Worker('emails', { handlers: {}, concurrency: 'eight' });",
        'export { added, found };',
        '',
      ].join('\n'),
    );
    // A consumer's usual settings (tsc --init keeps skipLibCheck on), strict as this project's.
    const compilerOptions = {
      target: 'ES2022',
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      strict: true,
      exactOptionalPropertyTypes: true,
      noUncheckedIndexedAccess: true,
      skipLibCheck: true,
      noEmit: true,
      types: ['node'],
      typeRoots: [join(ROOT, 'node_modules', '@types')],
    };
    writeFileSync(join(packed.project, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['consumer.ts'] }));
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const result = await runCommand(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: packed.project });
    expect(result.stdout + result.stderr).toBe('');
    expect(result.code).toBe(0);
  }, 60_000);
});

describe('npm install -g . in a clone without node_modules', () => {
  it('stops before building and says to run npm install first', async () => {
    const clone = mkdtempSync(join(tmpdir(), 'jobs-clone-'));
    try {
      for (const path of ['package.json', 'scripts', 'bin']) cpSync(join(ROOT, path), join(clone, path), { recursive: true });
      mkdirSync(join(clone, 'global'));
      const result = await runCommand('npm', ['install', '-g', '.', '--prefix', join(clone, 'global'), '--no-audit', '--no-fund', '--offline'], {
        cwd: clone,
        timeoutMs: 60_000,
      });
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain('Run `npm install` in the clone first');
      expect(result.stderr).not.toContain('tsc: not found');
    } finally {
      rmSync(clone, { recursive: true, force: true });
    }
  });
});
