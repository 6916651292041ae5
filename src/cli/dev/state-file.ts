import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { answeringRedisPid } from './redis-admin.js';

/** Directory of the dev stack, in the working directory. */
export const DEV_DIR = '.jobs';

/** Where `jobs dev` keeps things, under `<cwd>/.jobs/`. */
export interface DevPaths {
  dir: string;
  /** The running stack's description, for other commands to find it. */
  stateFile: string;
  /** Redis's data directory (the AOF). */
  dataDir: string;
  redisLog: string;
}

export function devPaths(cwd = process.cwd()): DevPaths {
  const dir = resolve(cwd, DEV_DIR);
  return { dir, stateFile: join(dir, 'dev.json'), dataDir: join(dir, 'redis'), redisLog: join(dir, 'redis.log') };
}

/** What `.jobs/dev.json` holds while `jobs dev` runs. */
export interface DevState {
  /** The Redis URL the stack serves. */
  url: string;
  /** The `jobs dev` process. */
  pid: number;
  /** Its redis-server. */
  redisPid: number;
  /** ISO time the stack started. */
  startedAt: string;
}

function isPid(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}

/** The state file as written, or undefined when absent or not one of ours. */
export function readDevState(paths: DevPaths): DevState | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(paths.stateFile, 'utf8'));
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const { url, pid, redisPid, startedAt } = parsed as Record<string, unknown>;
  if (typeof url !== 'string' || !/^redis:\/\//.test(url) || !isPid(pid) || !isPid(redisPid) || typeof startedAt !== 'string') return undefined;
  return { url, pid, redisPid, startedAt };
}

/** Writes the state file whole (a reader never sees half of it). */
export function writeDevState(paths: DevPaths, state: DevState): void {
  mkdirSync(paths.dir, { recursive: true });
  const temporary = `${paths.stateFile}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(temporary, paths.stateFile);
}

export function removeDevState(paths: DevPaths): void {
  rmSync(paths.stateFile, { force: true });
}

/** True when a process with this id exists (EPERM: it exists but is not ours to signal). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** How a state file found on disk relates to a running stack. */
export type DevStateCheck =
  | { kind: 'none' }
  /** The stack runs: its process is alive and its Redis answers. */
  | { kind: 'running'; state: DevState }
  /** Left by a stack that was killed; its Redis may still answer (`orphanRedis`). */
  | { kind: 'stale'; state: DevState; orphanRedis: boolean };

/**
 * Reads the state file and checks it: a file whose `jobs dev` process is gone, or whose Redis
 * does not answer as the process it names, is stale.
 */
export async function checkDevState(paths: DevPaths, timeoutMs = 1000): Promise<DevStateCheck> {
  const state = readDevState(paths);
  if (!state) return { kind: 'none' };
  const redisAnswers = isProcessAlive(state.redisPid) && (await answeringRedisPid(state.url, timeoutMs)) === state.redisPid;
  if (redisAnswers && isProcessAlive(state.pid)) return { kind: 'running', state };
  return { kind: 'stale', state, orphanRedis: redisAnswers };
}

/** The Redis URL of a `jobs dev` running in `cwd`, or undefined (no file, or a stale one). */
export async function runningDevUrl(cwd = process.cwd()): Promise<string | undefined> {
  const check = await checkDevState(devPaths(cwd));
  return check.kind === 'running' ? check.state.url : undefined;
}
