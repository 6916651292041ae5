import { createHmac, timingSafeEqual } from 'node:crypto';

/** Standard Webhooks signing and verification, shared by the webhook handler and receivers. */

/** The environment variable holding the signing secrets (space separated; the first signs). */
export const WEBHOOK_SECRET_ENV = 'JOBS_WEBHOOK_SECRET';

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
export function secretList(secret: string | readonly string[]): string[] {
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
