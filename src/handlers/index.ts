import type { HandlerMap } from '../core/handler.js';
import { createExecHandler } from './exec.js';
import { sendEmailHandler } from './send-email.js';
import { webhookHandler } from './webhook.js';

/** Settings of the built-in handlers that `jobs worker` exposes as flags. */
export interface BuiltinHandlerOptions {
  /** Enable the `exec` handler (`--allow-exec`). Default false: exec jobs fail permanently. */
  allowExec?: boolean;
  /** When given, `exec` runs only these command names, matched exactly (`--exec-allow`). */
  execAllow?: string[];
}

/**
 * The built-in handlers by job type: `webhook`, `send-email` and `exec`. User handlers of the
 * same type override them (spread this map first).
 */
export function builtinHandlers(options: BuiltinHandlerOptions = {}): HandlerMap {
  const execOptions: { allowExec?: boolean; execAllow?: readonly string[] } = {};
  if (options.allowExec !== undefined) execOptions.allowExec = options.allowExec;
  if (options.execAllow !== undefined) execOptions.execAllow = options.execAllow;
  return {
    webhook: webhookHandler,
    'send-email': sendEmailHandler,
    exec: createExecHandler(execOptions),
  };
}

export { webhookHandler, verifyWebhook, signWebhook, parseRetryAfter, WebhookRetryableError } from './webhook.js';
export type { WebhookPayload, WebhookResult } from './webhook.js';
export { sendEmailHandler, emailMessageId } from './send-email.js';
export type { SendEmailPayload, SendEmailResult } from './send-email.js';
export { createExecHandler } from './exec.js';
export type { ExecPayload, ExecResult, ExecHandlerOptions } from './exec.js';
