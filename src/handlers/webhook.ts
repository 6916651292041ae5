import { PermanentError } from '../core/errors.js';
import type { JobContext, JobHandler } from '../core/handler.js';
import { DestinationGuard, DestinationRefusedError, parseAllowNetworks, WEBHOOK_ALLOW_NETWORKS_ENV, type HostResolver } from './destination-guard.js';
import { GuardedPoster, type PostAnswer } from './guarded-post.js';
import { abortError, PayloadReader } from './payload.js';
import { secretList, signWebhook, WEBHOOK_SECRET_ENV } from './webhook-signing.js';

export { signWebhook, verifyWebhook, webhookSecretKey, WEBHOOK_SECRET_ENV } from './webhook-signing.js';
export { WEBHOOK_ALLOW_NETWORKS_ENV, DestinationRefusedError, type HostResolver } from './destination-guard.js';

/** Payload of a `webhook` job. */
export interface WebhookPayload {
  /** http:// or https:// URL to POST to. */
  url: string;
  /** Event name, sent as the `webhook-event` header. */
  event?: string;
  /** Sent as the JSON request body, unchanged. */
  data: unknown;
  /** Extra request headers. The content type and the signing headers cannot be overridden. */
  headers?: Record<string, string>;
  /** Per-request time limit in ms. Default 30,000. */
  timeoutMs?: number;
}

/** Result of a delivered webhook. */
export interface WebhookResult {
  status: number;
  /** The first RESPONSE_BODY_LIMIT bytes of the response body, as text. */
  body: string;
  truncated: boolean;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const RESPONSE_BODY_LIMIT = 2048;
const ERROR_BODY_LIMIT = 300;
/** Set by the handler (or by the HTTP layer from the body and URL); a payload may not override them. */
const RESERVED_HEADERS = new Set([
  'content-type',
  'content-length',
  'transfer-encoding',
  'host',
  'connection',
  'webhook-id',
  'webhook-timestamp',
  'webhook-signature',
  'webhook-event',
]);

export interface WebhookHandlerOptions {
  /**
   * Networks (CIDRs such as `127.0.0.0/8` or `10.1.0.0/16`, or single addresses) the handler may
   * reach although their class (loopback, private, link-local...) is refused by default. A string
   * may hold several, separated by commas or spaces. Default: `JOBS_WEBHOOK_ALLOW_NETWORKS`,
   * read once here; without it, none. An invalid entry throws ValidationError.
   */
  allowNetworks?: string | readonly string[];
  /** Resolves host names to addresses. Default: the system resolver (`dns.lookup`). */
  resolveHost?: HostResolver;
}

/**
 * A failed delivery worth retrying. `retryAfterMs` is set when the receiver sent Retry-After,
 * so a caller (or the core) can wait at least that long before the next attempt.
 */
export class WebhookRetryableError extends Error {
  readonly status: number | undefined;
  readonly retryAfterMs: number | undefined;
  constructor(message: string, details: { status?: number; retryAfterMs?: number | undefined; cause?: unknown } = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'WebhookRetryableError';
    this.status = details.status;
    this.retryAfterMs = details.retryAfterMs;
  }
}

/** Retry-After as ms from now (delta-seconds or an HTTP date), or undefined when absent/unreadable. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function readPayload(payload: unknown): WebhookPayload & { target: URL } {
  const reader = new PayloadReader('webhook', payload);
  const url = reader.requiredString('url');
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    throw reader.invalid('url', 'must be an absolute URL');
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:') throw reader.invalid('url', 'must be an http or https URL');
  if (target.username || target.password) {
    throw reader.invalid('url', 'must not contain credentials (send them in "headers", e.g. Authorization)');
  }
  if (reader.raw('data') === undefined) throw reader.invalid('data', 'is required (the JSON body to send; null is allowed)');
  const headers = reader.optionalStringRecord('headers');
  for (const name of Object.keys(headers ?? {})) {
    if (RESERVED_HEADERS.has(name.toLowerCase())) throw reader.invalid('headers', `must not set "${name}" (the handler sets it)`);
  }
  try {
    new Headers(headers);
  } catch (error) {
    throw reader.invalid('headers', `must be valid HTTP headers (${error instanceof Error ? error.message : String(error)})`);
  }
  const result: WebhookPayload & { target: URL } = { url, target, data: reader.raw('data') };
  const event = reader.optionalString('event');
  if (event !== undefined) result.event = event;
  if (headers !== undefined) result.headers = headers;
  const timeoutMs = reader.optionalInteger('timeoutMs', 1, 3_600_000);
  if (timeoutMs !== undefined) result.timeoutMs = timeoutMs;
  return result;
}

function briefBody(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length === 0) return '';
  return `: ${flat.length > ERROR_BODY_LIMIT ? `${flat.slice(0, ERROR_BODY_LIMIT)}...` : flat}`;
}

/** The message of a socket error; several for a connection tried on more than one address. */
function networkReason(error: unknown): string {
  if (error instanceof AggregateError) return [...new Set(error.errors.map(networkReason))].join('; ');
  if (!(error instanceof Error)) return String(error);
  return error.message || ((error as NodeJS.ErrnoException).code ?? error.name);
}

function requestHeaders(request: WebhookPayload, id: string, body: string): Record<string, string> {
  const timestampSeconds = Math.floor(Date.now() / 1000);
  const headers = new Headers(request.headers);
  headers.set('content-type', 'application/json');
  if (!headers.has('user-agent')) headers.set('user-agent', 'jobs-webhook');
  headers.set('webhook-id', id);
  headers.set('webhook-timestamp', String(timestampSeconds));
  if (request.event !== undefined) headers.set('webhook-event', request.event);
  const signingSecret = secretList(process.env[WEBHOOK_SECRET_ENV] ?? '')[0];
  if (signingSecret !== undefined) {
    try {
      headers.set('webhook-signature', signWebhook(id, timestampSeconds, body, signingSecret));
    } catch (error) {
      throw new PermanentError(`${WEBHOOK_SECRET_ENV} is unusable: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return Object.fromEntries(headers.entries());
}

/**
 * The `webhook` handler: POSTs the payload's data, signed, to a destination the guard allows,
 * and sorts the answer into success, retry or permanent failure. Redirects are not followed.
 */
export function createWebhookHandler(options: WebhookHandlerOptions = {}): JobHandler<unknown, WebhookResult> {
  const allowed =
    options.allowNetworks !== undefined
      ? parseAllowNetworks(options.allowNetworks, 'allowNetworks')
      : parseAllowNetworks(process.env[WEBHOOK_ALLOW_NETWORKS_ENV] ?? '', WEBHOOK_ALLOW_NETWORKS_ENV);
  const poster = new GuardedPoster(new DestinationGuard(allowed, options.resolveHost));
  return async (payload, ctx) => deliver(poster, readPayload(payload), ctx);
}

async function deliver(poster: GuardedPoster, request: WebhookPayload & { target: URL }, ctx: JobContext): Promise<WebhookResult> {
  // The query string often carries tokens; keep it out of error messages stored on the job.
  const where = `${request.target.origin}${request.target.pathname}`;
  const body = JSON.stringify(request.data);
  const headers = requestHeaders(request, ctx.id, body);

  const timeoutMs = request.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  const onJobAbort = (): void => controller.abort();
  if (ctx.signal.aborted) onJobAbort();
  ctx.signal.addEventListener('abort', onJobAbort, { once: true });

  let answer: PostAnswer;
  try {
    answer = await poster.post(request.target, headers, body, { signal: controller.signal, bodyLimit: RESPONSE_BODY_LIMIT });
  } catch (error) {
    if (error instanceof DestinationRefusedError) {
      throw new PermanentError(
        `POST ${where} refused: ${error.message}; webhooks do not reach ${error.addressClass.name} addresses unless the worker allows the network (${WEBHOOK_ALLOW_NETWORKS_ENV}, --webhook-allow-networks)`,
        { cause: error },
      );
    }
    if (error instanceof PermanentError) throw new PermanentError(`POST ${where}: ${error.message}`, { cause: error });
    if (ctx.signal.aborted) throw abortError(ctx.signal);
    if (timedOut) throw new WebhookRetryableError(`POST ${where}: no complete answer within ${timeoutMs} ms`);
    throw new WebhookRetryableError(`POST ${where} failed: ${networkReason(error)}`, { cause: error });
  } finally {
    clearTimeout(timer);
    ctx.signal.removeEventListener('abort', onJobAbort);
  }

  const { status } = answer;
  if (status >= 200 && status < 300) return { status, body: answer.body, truncated: answer.truncated };
  if (status >= 300 && status < 400) {
    const location = answer.headers.location;
    throw new PermanentError(
      `POST ${where} answered ${status}${location ? ` (redirect to ${location})` : ''}; redirects are not followed, use the final URL`,
    );
  }
  if (status === 408 || status === 429 || status >= 500) {
    const retryAfterMs = parseRetryAfter(answer.headers['retry-after'] ?? null);
    throw new WebhookRetryableError(`POST ${where} answered ${status}${briefBody(answer.body)}`, { status, retryAfterMs });
  }
  throw new PermanentError(`POST ${where} answered ${status}${briefBody(answer.body)}`);
}

/** One handler per value of JOBS_WEBHOOK_ALLOW_NETWORKS, so `webhookHandler` follows the variable. */
let fromEnvironment: { value: string | undefined; handler: JobHandler<unknown, WebhookResult> } | undefined;

/**
 * The `webhook` handler with the settings of the environment, read when a job runs
 * (`JOBS_WEBHOOK_ALLOW_NETWORKS`, `JOBS_WEBHOOK_SECRET`). An invalid allow-list fails the job
 * permanently; `createWebhookHandler` reports it at once instead.
 */
export async function webhookHandler(payload: unknown, ctx: JobContext): Promise<WebhookResult> {
  const value = process.env[WEBHOOK_ALLOW_NETWORKS_ENV];
  if (fromEnvironment === undefined || fromEnvironment.value !== value) {
    try {
      fromEnvironment = { value, handler: createWebhookHandler() };
    } catch (error) {
      throw new PermanentError((error as Error).message);
    }
  }
  return fromEnvironment.handler(payload, ctx);
}
