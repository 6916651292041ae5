import { readFileSync } from 'node:fs';
import type { RedisConnection } from '../connection.js';

/** Each script with the number of KEYS it takes; see the header of each .lua file. */
const SCRIPTS = {
  enqueue: 6,
  claim: 10,
  heartbeat: 1,
  progress: 0,
  cancel: 5,
  dlq_retry: 4,
  purge: 1,
  fire: 10,
  schedule_save: 2,
  job_retry: 6,
  job_delete: 8,
} as const;

export type ScriptName = keyof typeof SCRIPTS;
export type ScriptArg = string | number;
/** What a script can return, as ioredis decodes Lua replies. */
export type ScriptReply = string | number | null | ScriptReply[];

const commandName = (name: ScriptName): string => `jobs_${name}`;

let sources: Map<ScriptName, string> | undefined;

function loadSources(): Map<ScriptName, string> {
  if (sources) return sources;
  const read = (file: string): string => readFileSync(new URL(`./${file}`, import.meta.url), 'utf8');
  const lib = read('_lib.lua');
  sources = new Map();
  for (const name of Object.keys(SCRIPTS) as ScriptName[]) {
    sources.set(name, `${lib}\n${read(`${name}.lua`)}`);
  }
  return sources;
}

const registered = new WeakSet<RedisConnection>();

/**
 * Registers the scripts on a connection once. ioredis sends EVALSHA and falls back to
 * EVAL on NOSCRIPT, so a Redis restart or SCRIPT FLUSH is survived transparently.
 */
export function registerScripts(redis: RedisConnection): void {
  if (registered.has(redis)) return;
  for (const [name, lua] of loadSources()) {
    redis.defineCommand(commandName(name), { numberOfKeys: SCRIPTS[name], lua });
  }
  registered.add(redis);
}

type ScriptCommand = (...args: ScriptArg[]) => Promise<ScriptReply>;

/** Runs one script; `keys` must have exactly the count the script declares. */
export async function runScript(
  redis: RedisConnection,
  name: ScriptName,
  keys: readonly string[],
  args: readonly ScriptArg[],
): Promise<ScriptReply> {
  if (keys.length !== SCRIPTS[name]) {
    throw new Error(`script ${name} takes ${SCRIPTS[name]} keys, got ${keys.length}`);
  }
  registerScripts(redis);
  const command = (redis as unknown as Record<string, ScriptCommand>)[commandName(name)];
  if (!command) throw new Error(`script ${name} is not registered`);
  return command.call(redis, ...keys, ...args);
}
