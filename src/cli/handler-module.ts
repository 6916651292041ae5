import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { HandlerMap, JobHandler } from '../core/handler.js';
import { parseAllowNetworks } from '../handlers/destination-guard.js';
import { builtinHandlers } from '../handlers/index.js';
import { UsageError } from './errors.js';

function isHandlerMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const isTypeScript = (file: string): boolean => /\.[mc]?ts$/.test(file);

/**
 * This Node cannot import TypeScript by itself (Node 20; 22 without a flag), and no loader was
 * registered: say what works rather than "Unknown file extension".
 */
function typeScriptNotLoadable(path: string): UsageError {
  return new UsageError(
    `handlers module ${path} is TypeScript, which Node ${process.version} does not run by itself: ` +
      'compile it to JavaScript (e.g. with tsc) and pass the .js file, or start the worker with a TypeScript loader, ' +
      `e.g. NODE_OPTIONS='--import tsx' jobsctl worker --handlers ${path}`,
  );
}

/**
 * Loads the user's handlers: the module's default export or its `handlers` export. A `version`
 * is added to the import URL as a query, so a changed file is imported afresh (Node caches
 * modules by URL).
 */
export async function loadHandlerModule(path: string, cwd = process.cwd(), version?: number): Promise<HandlerMap> {
  const file = resolve(cwd, path);
  if (!existsSync(file)) throw new UsageError(`handlers module ${path} not found (looked at ${file})`);
  const url = pathToFileURL(file);
  if (version !== undefined) url.search = `v=${version}`;
  let loaded: Record<string, unknown>;
  try {
    loaded = (await import(url.href)) as Record<string, unknown>;
  } catch (error) {
    if (isTypeScript(file) && (error as NodeJS.ErrnoException).code === 'ERR_UNKNOWN_FILE_EXTENSION') throw typeScriptNotLoadable(path);
    throw new UsageError(`handlers module ${path} failed to load: ${(error as Error).message}`);
  }
  // A CommonJS module.exports = { handlers } arrives as default.handlers.
  const fromDefault = isHandlerMap(loaded.default) && isHandlerMap(loaded.default.handlers) ? loaded.default.handlers : loaded.default;
  const candidate = loaded.handlers ?? fromDefault;
  if (!isHandlerMap(candidate)) {
    throw new UsageError(`handlers module ${path} must export default (or export "handlers") an object mapping job type to a function`);
  }
  const handlers: HandlerMap = {};
  for (const [type, handler] of Object.entries(candidate)) {
    if (typeof handler !== 'function') throw new UsageError(`handlers module ${path}: "${type}" is not a function`);
    handlers[type] = handler as JobHandler;
  }
  return handlers;
}

/** The flags that choose built-in handler settings, shared by `jobs worker` and `jobs dev`. */
export interface BuiltinHandlerFlags {
  allowExec?: boolean | undefined;
  execAllow?: string[] | undefined;
  execAllowEnv?: string[] | undefined;
  webhookAllowNetworks?: string | undefined;
}

/** The built-in handlers as the flags configure them; --exec-allow alone is bad usage. */
export function builtinHandlersFor(flags: BuiltinHandlerFlags): HandlerMap {
  if (flags.execAllow && !flags.allowExec) throw new UsageError('--exec-allow only applies with --allow-exec; add --allow-exec');
  if (flags.execAllowEnv && !flags.allowExec) throw new UsageError('--exec-allow-env only applies with --allow-exec; add --allow-exec');
  // Checked here so a bad entry is named by the flag (ValidationError: exit 2).
  if (flags.webhookAllowNetworks !== undefined) parseAllowNetworks(flags.webhookAllowNetworks, '--webhook-allow-networks');
  return builtinHandlers({
    ...(flags.allowExec ? { allowExec: true } : {}),
    ...(flags.execAllow ? { execAllow: flags.execAllow } : {}),
    ...(flags.execAllowEnv ? { execAllowEnv: flags.execAllowEnv } : {}),
    ...(flags.webhookAllowNetworks === undefined ? {} : { webhookAllowNetworks: flags.webhookAllowNetworks }),
  });
}
