import { createHmac, timingSafeEqual } from 'node:crypto';
import { PermanentError } from '../core/errors.js';
import type { JobContext } from '../core/handler.js';
import { abortError, PayloadReader } from './payload.js';

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

/** The environment variable holding the signing secrets (space separated; the first signs). */
export const WEBHOOK_SECRET_ENV = 'JOBS_WEBHOOK_SECRET';
const DEFAULT_TIMEOUT_MS = 30_000;
const RESPONSE_BODY_LIMIT = 2048;
const ERROR_BODY_LIMIT = 300;
const RESERVED_HEADERS = new Set(['content-type', 'webhook-id', 'webhook-timestamp', 'webhook-signature', 'webhook-event']);

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

/**
 * Turns a secret into HMAC key bytes, the Standard Webhooks way: `whsec_<base64>` is decoded,
 * any other string is used as its UTF-8 bytes.
 */
export function webhookSecretKey(secret: string): Buffer {
  if (!secret.startsWith('whsec_')) return Buffer.from(secret, 'utf8');
  const encoded = secret.slice('whsec_'.length);
  if (encoded.length === 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) {
    throw new Error('a whsec_ webhook secret must be followed by base64 text');
  }
  return Buffer.from(encoded, 'base64');
}

/** Splits a secret list (space separated, like JOBS_WEBHOOK_SECRET) into its secrets. */
function secretList(secret: string | readonly string[]): string[] {
  const items = typeof secret === 'string' ? [secret] : secret;
  return items.flatMap((item) => item.split(/\s+/)).filter((item) => item.length > 0);
}

/** The `webhook-signature` value for one message: `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`. */
export function signWebhook(id: string, timestampSeconds: number, body: string | Uint8Array, secret: string): string {
  return `v1,${signatureBytes(id, timestampSeconds, body, webhookSecretKey(secret)).toString('base64')}`;
}

function signatureBytes(id: string, timestampSeconds: number, body: string | Uint8Array, key: Buffer): Buffer {
  return createHmac('sha256', key).update(`${id}.${timestampSeconds}.`).update(body).digest();
}

type HeaderSource = Headers | Record<string, string | string[] | undefined>;

function headerValue(headers: HeaderSource, name: string): string | undefined {
  if (headers instanceof Headers) return headers.get(name) ?? undefined;
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === name) return Array.isArray(value) ? value.join(' ') : value;
  }
  return undefined;
}

/**
 * For receivers: true when the request carries a valid Standard Webhooks signature made with
 * one of `secret` (a string, space-separated list or array; several allow key rotation) and a
 * timestamp within `toleranceSeconds` of now (either way). `rawBody` must be the exact bytes
 * received, not re-serialised JSON. Signatures are compared in constant time.
 */
export function verifyWebhook(
  headers: HeaderSource,
  rawBody: string | Uint8Array,
  secret: string | readonly string[],
  toleranceSeconds = 300,
): boolean {
  const id = headerValue(headers, 'webhook-id');
  const timestamp = headerValue(headers, 'webhook-timestamp');
  const signatureHeader = headerValue(headers, 'webhook-signature');
  if (!id || !timestamp || !signatureHeader || !/^\d{1,15}$/.test(timestamp)) return false;
  const timestampSeconds = Number(timestamp);
  if (Math.abs(Date.now() / 1000 - timestampSeconds) > toleranceSeconds) return false;

  const offered = signatureHeader
    .split(' ')
    .filter((entry) => entry.startsWith('v1,'))
    .map((entry) => Buffer.from(entry.slice(3), 'base64'));
  let keys: Buffer[];
  try {
    keys = secretList(secret).map(webhookSecretKey);
  } catch {
    return false;
  }
  for (const key of keys) {
    const expected = signatureBytes(id, timestampSeconds, rawBody, key);
    // timingSafeEqual needs equal lengths; a length mismatch reveals nothing about the key.
    if (offered.some((candidate) => candidate.length === expected.length && timingSafeEqual(candidate, expected))) {
      return true;
    }
  }
  return false;
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

/** Reads at most `limit` bytes of the body and drops the rest, so a huge answer costs nothing. */
async function readBodySlice(response: Response, limit: number): Promise<{ text: string; truncated: boolean }> {
  if (!response.body) return { text: '', truncated: false };
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let truncated = false;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
    if (size > limit) {
      truncated = true;
      await reader.cancel().catch(() => undefined);
      break;
    }
  }
  const bytes = Buffer.concat(chunks).subarray(0, limit);
  return { text: new TextDecoder().decode(bytes), truncated };
}

function briefBody(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length === 0) return '';
  return `: ${flat.length > ERROR_BODY_LIMIT ? `${flat.slice(0, ERROR_BODY_LIMIT)}...` : flat}`;
}

/** POSTs the payload's data, signed, and sorts the answer into success, retry or permanent failure. */
export async function webhookHandler(payload: unknown, ctx: JobContext): Promise<WebhookResult> {
  const request = readPayload(payload);
  // The query string often carries tokens; keep it out of error messages stored on the job.
  const where = `${request.target.origin}${request.target.pathname}`;
  const body = JSON.stringify(request.data);
  const timestampSeconds = Math.floor(Date.now() / 1000);
  const headers = new Headers(request.headers);
  headers.set('content-type', 'application/json');
  if (!headers.has('user-agent')) headers.set('user-agent', 'jobs-webhook');
  headers.set('webhook-id', ctx.id);
  headers.set('webhook-timestamp', String(timestampSeconds));
  if (request.event !== undefined) headers.set('webhook-event', request.event);
  const signingSecret = secretList(process.env[WEBHOOK_SECRET_ENV] ?? '')[0];
  if (signingSecret !== undefined) {
    try {
      headers.set('webhook-signature', signWebhook(ctx.id, timestampSeconds, body, signingSecret));
    } catch (error) {
      throw new PermanentError(`${WEBHOOK_SECRET_ENV} is unusable: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

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

  let response: Response;
  let answer: { text: string; truncated: boolean };
  try {
    response = await fetch(request.target, { method: 'POST', headers, body, redirect: 'manual', signal: controller.signal });
    answer = await readBodySlice(response, RESPONSE_BODY_LIMIT);
  } catch (error) {
    if (ctx.signal.aborted) throw abortError(ctx.signal);
    if (timedOut) throw new WebhookRetryableError(`POST ${where}: no complete answer within ${timeoutMs} ms`);
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : undefined;
    const reason = cause ?? (error instanceof Error ? error.message : String(error));
    throw new WebhookRetryableError(`POST ${where} failed: ${reason}`, { cause: error });
  } finally {
    clearTimeout(timer);
    ctx.signal.removeEventListener('abort', onJobAbort);
  }

  const { status } = response;
  if (status >= 200 && status < 300) return { status, body: answer.text, truncated: answer.truncated };
  if (status >= 300 && status < 400) {
    const location = response.headers.get('location');
    throw new PermanentError(
      `POST ${where} answered ${status}${location ? ` (redirect to ${location})` : ''}; redirects are not followed, use the final URL`,
    );
  }
  if (status === 408 || status === 429 || status >= 500) {
    const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
    throw new WebhookRetryableError(`POST ${where} answered ${status}${briefBody(answer.text)}`, { status, retryAfterMs });
  }
  throw new PermanentError(`POST ${where} answered ${status}${briefBody(answer.text)}`);
}
