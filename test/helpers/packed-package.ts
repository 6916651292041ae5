import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, whose built dist/ gets packed. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * The environment of a user's shell: no npm_* variables of a surrounding `npm test`, and no
 * node_modules/.bin of this repository on PATH (only the temporary project's, when asked).
 */
export function cleanEnv(extraPath: string[] = [], extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^npm_/i.test(key) && !['REDIS_URL', 'JOBS_QUEUE', 'JOBS_PREFIX', 'JOBS_REDACT', 'NODE_OPTIONS'].includes(key)) env[key] = value;
  }
  const path = (process.env.PATH ?? '').split(delimiter).filter((entry) => entry !== '' && !entry.includes(`node_modules${'/'}.bin`));
  env.PATH = [...extraPath, ...path].join(delimiter);
  return { ...env, NO_COLOR: '1', ...extra };
}

/** Runs a program to its end (no shell unless the program is one). */
export function runCommand(
  file: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number },
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd: options.cwd, env: options.env ?? cleanEnv(), stdio: 'pipe' });
    const result: CommandResult = { code: null, stdout: '', stderr: '' };
    child.stdout.setEncoding('utf8').on('data', (text: string) => (result.stdout += text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => (result.stderr += text));
    // A program that exits without reading its input (a shell builtin's error) closes the pipe.
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${file} ${args.join(' ')} did not finish within ${options.timeoutMs} ms:\n${result.stdout}\n${result.stderr}`));
    }, options.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      result.code = code;
      resolve(result);
    });
  });
}

interface LockEntry {
  dev?: boolean;
  devOptional?: boolean;
  [field: string]: unknown;
}

/**
 * A consumer's lockfile: the tarball plus this repository's locked production dependencies,
 * so `npm ci --offline` installs them from the npm cache that installing this repository
 * filled, with no registry round trip.
 */
function consumerLockfile(tarball: string): object {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Record<string, unknown>;
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
  const packages: Record<string, unknown> = {
    '': { name: 'consumer', version: '1.0.0', dependencies: { jobs: `file:../${tarball}` } },
    'node_modules/jobs': {
      version: pkg.version,
      resolved: `file:../${tarball}`,
      license: pkg.license,
      dependencies: pkg.dependencies,
      bin: pkg.bin,
      engines: pkg.engines,
    },
  };
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (path !== '' && !entry.dev && !entry.devOptional) packages[path] = entry;
  }
  return { name: 'consumer', version: '1.0.0', lockfileVersion: 3, requires: true, packages };
}

export interface PackedInstall {
  /** Temporary directory holding the tarball and the project. */
  dir: string;
  /** The consumer project, with the package installed in its node_modules. */
  project: string;
  /** Its node_modules/.bin, to put on PATH. */
  binDir: string;
  /** The files the tarball holds (paths inside the package). */
  files: string[];
  remove(): void;
}

/**
 * `npm pack` of the built repository (dist/ must be current: `npm run build`), installed into
 * an empty project with `npm ci`, offline from the npm cache when it holds every dependency.
 */
export async function installPackedPackage(): Promise<PackedInstall> {
  const dir = mkdtempSync(join(tmpdir(), 'jobs-packed-'));
  const pack = await runCommand('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: ROOT });
  if (pack.code !== 0) throw new Error(`npm pack failed:\n${pack.stderr}`);
  const [packed] = JSON.parse(pack.stdout) as { filename: string; files: { path: string }[] }[];
  if (!packed) throw new Error(`npm pack printed no package:\n${pack.stdout}`);
  const project = join(dir, 'project');
  mkdirSync(project);
  const manifest = { name: 'consumer', version: '1.0.0', private: true, type: 'module', dependencies: { jobs: `file:../${packed.filename}` } };
  writeFileSync(join(project, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  writeFileSync(join(project, 'package-lock.json'), `${JSON.stringify(consumerLockfile(packed.filename), null, 2)}\n`);
  const ci = (mode: string): Promise<CommandResult> =>
    runCommand('npm', ['ci', mode, '--no-audit', '--no-fund', '--loglevel=error'], { cwd: project, timeoutMs: 180_000 });
  let install = await ci('--offline');
  // A cache without some tarball (cleaned since this repository was installed): fetch it.
  if (install.code !== 0 && /ENOTCACHED/.test(install.stderr)) install = await ci('--prefer-offline');
  if (install.code !== 0) throw new Error(`npm ci of the packed package failed:\n${install.stderr}`);
  return {
    dir,
    project,
    binDir: join(project, 'node_modules', '.bin'),
    files: packed.files.map((file) => file.path),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
