import type { HandlerMap } from '../core/handler.js';

/** Settings of the built-in handlers that `jobs worker` exposes as flags. */
export interface BuiltinHandlerOptions {
  /** Enable the `exec` handler (off unless asked for). */
  allowExec?: boolean;
  /** When given, `exec` runs only these command names. */
  execAllow?: string[];
}

/** The built-in handlers by job type; user handlers of the same type override them. */
export function builtinHandlers(_options: BuiltinHandlerOptions = {}): HandlerMap {
  return {};
}
