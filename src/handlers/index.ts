import type { HandlerMap } from '../core/handler.js';
import { parseAllowNetworks } from './destination-guard.js';
import { createExecHandler, type ExecHandlerOptions } from './exec.js';
import { sendEmailHandler } from './send-email.js';
import { createWebhookHandler, type WebhookHandlerOptions } from './webhook.js';

/** Settings of the built-in handlers that `jobs worker` exposes as flags. */
export interface BuiltinHandlerOptions {
  /** Enable the `exec` handler (`--allow-exec`). Default false: exec jobs fail permanently. */
  allowExec?: boolean;
  /** When given, `exec` runs only these command names, matched exactly (`--exec-allow`). */
  execAllow?: string[];
  /**
   * Variables an exec job's `env` may set although they change how programs find or load code
   * (`PATH`, `LD_PRELOAD`, `NODE_OPTIONS`...), by exact name (`--exec-allow-env`). Default none.
   */
  execAllowEnv?: string[];
  /**
   * Networks webhooks may reach although loopback, private, link-local and other internal
   * addresses are refused by default: CIDRs (`127.0.0.0/8`, `10.1.0.0/16`) or single addresses
   * (`--webhook-allow-networks`). Default: `JOBS_WEBHOOK_ALLOW_NETWORKS`, else none. An invalid
   * entry throws ValidationError here, before any job runs.
   */
  webhookAllowNetworks?: string | string[];
}

/**
 * The built-in handlers by job type: `webhook`, `send-email` and `exec`. User handlers of the
 * same type override them (spread this map first).
 */
export function builtinHandlers(options: BuiltinHandlerOptions = {}): HandlerMap {
  const execOptions: ExecHandlerOptions = {};
  if (options.allowExec !== undefined) execOptions.allowExec = options.allowExec;
  if (options.execAllow !== undefined) execOptions.execAllow = options.execAllow;
  if (options.execAllowEnv !== undefined) execOptions.execAllowEnv = options.execAllowEnv;
  const webhookOptions: WebhookHandlerOptions = {};
  if (options.webhookAllowNetworks !== undefined) {
    // Parsed here first so an error names the option the caller used.
    parseAllowNetworks(options.webhookAllowNetworks, 'webhookAllowNetworks');
    webhookOptions.allowNetworks = options.webhookAllowNetworks;
  }
  return {
    webhook: createWebhookHandler(webhookOptions),
    'send-email': sendEmailHandler,
    exec: createExecHandler(execOptions),
  };
}

export {
  webhookHandler,
  createWebhookHandler,
  verifyWebhook,
  signWebhook,
  parseRetryAfter,
  WebhookRetryableError,
  DestinationRefusedError,
  WEBHOOK_ALLOW_NETWORKS_ENV,
} from './webhook.js';
export type { WebhookPayload, WebhookResult, WebhookHandlerOptions, HostResolver } from './webhook.js';
export { sendEmailHandler, emailMessageId } from './send-email.js';
export type { SendEmailPayload, SendEmailResult } from './send-email.js';
export { createExecHandler } from './exec.js';
export type { ExecPayload, ExecResult, ExecHandlerOptions } from './exec.js';
