import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { builtinHandlers, PermanentError, signWebhook, verifyWebhook } from '../../src/index.js';
import { parseRetryAfter, webhookHandler, WebhookRetryableError } from '../../src/handlers/webhook.js';
import { freePort } from '../helpers/redis-server.js';
import { directContext, QUICK_BACKOFF, useQueues } from './harness.js';

const { open, work } = useQueues();

const signingSecret = `whsec_${randomBytes(24).toString('base64')}`;
const retiredSecret = 'an-older-plain-secret';

interface Delivery {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  signatureValid: boolean;
}

let server: Server;
let baseUrl: string;
let deliveries: Delivery[] = [];
let flakyCalls = 0;

beforeAll(async () => {
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const path = request.url ?? '/';
      const signatureValid = verifyWebhook(request.headers, body, signingSecret, 60);
      deliveries.push({ path, headers: request.headers, body, signatureValid });
      if (!signatureValid) return void response.writeHead(401).end('bad signature');
      if (path === '/ok') return void response.writeHead(200, { 'content-type': 'text/plain' }).end('accepted');
      if (path === '/flaky') {
        flakyCalls += 1;
        return void response.writeHead(flakyCalls === 1 ? 500 : 200).end(flakyCalls === 1 ? 'try again' : 'ok now');
      }
      if (path === '/missing') return void response.writeHead(404).end('no such hook');
      if (path === '/busy') return void response.writeHead(429, { 'retry-after': '7' }).end();
      if (path === '/moved') return void response.writeHead(302, { location: 'http://elsewhere.test/' }).end();
      if (path === '/large') return void response.writeHead(200).end('x'.repeat(100_000));
      if (path === '/slow') return void setTimeout(() => response.writeHead(200).end('too late'), 1500);
      response.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  process.env.JOBS_WEBHOOK_SECRET = `${signingSecret} ${retiredSecret}`;
  // The receiver listens on loopback, which webhooks reach only when allowed.
  process.env.JOBS_WEBHOOK_ALLOW_NETWORKS = '127.0.0.0/8';
});

afterAll(async () => {
  delete process.env.JOBS_WEBHOOK_ALLOW_NETWORKS;
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  deliveries = [];
  flakyCalls = 0;
});

describe('webhook through a worker', () => {
  it('delivers signed JSON with the job id as delivery id and stores status and body', async () => {
    const queue = open();
    const { id } = await queue.enqueue('webhook', {
      url: `${baseUrl}/ok`,
      event: 'invoice.paid',
      data: { invoice: 7, note: 'ünïcode' },
      headers: { 'x-tenant': 'acme' },
    });
    await work(queue, { handlers: builtinHandlers() });
    const job = await queue.waitFor(id, { timeoutMs: 5000 });
    expect(job.status).toBe('success');
    expect(job.attempts).toBe(1);
    expect(job.result).toEqual({ status: 200, body: 'accepted', truncated: false });
    expect(deliveries).toHaveLength(1);
    const [delivery] = deliveries;
    expect(delivery?.signatureValid).toBe(true);
    expect(JSON.parse(delivery?.body ?? '')).toEqual({ invoice: 7, note: 'ünïcode' });
    expect(delivery?.headers).toMatchObject({
      'content-type': 'application/json',
      'webhook-id': id,
      'webhook-event': 'invoice.paid',
      'x-tenant': 'acme',
    });
  });

  it('retries a 500 and succeeds on the second attempt with the same delivery id', async () => {
    const queue = open();
    const { id } = await queue.enqueue('webhook', { url: `${baseUrl}/flaky`, data: { n: 1 } }, { backoff: QUICK_BACKOFF });
    await work(queue, { handlers: builtinHandlers() });
    const job = await queue.waitFor(id, { timeoutMs: 5000 });
    expect(job.status).toBe('success');
    expect(job.attempts).toBe(2);
    expect(job.result).toMatchObject({ status: 200, body: 'ok now' });
    expect(deliveries.map((d) => d.headers['webhook-id'])).toEqual([id, id]);
    expect(deliveries.every((d) => d.signatureValid)).toBe(true);
  });

  it('fails a 404 permanently after one attempt', async () => {
    const queue = open();
    const { id } = await queue.enqueue('webhook', { url: `${baseUrl}/missing`, data: {} }, { backoff: QUICK_BACKOFF });
    await work(queue, { handlers: builtinHandlers() });
    const job = await queue.waitFor(id, { timeoutMs: 5000 });
    expect(job.status).toBe('failed');
    expect(job.attempts).toBe(1);
    expect(job.error).toContain('answered 404: no such hook');
    expect(await queue.deadLetters.size()).toBe(1);
  });

  it('times out a slow receiver and retries until attempts run out', async () => {
    const queue = open();
    const { id } = await queue.enqueue(
      'webhook',
      { url: `${baseUrl}/slow`, data: {}, timeoutMs: 150 },
      { maxAttempts: 2, backoff: QUICK_BACKOFF },
    );
    await work(queue, { handlers: builtinHandlers() });
    const job = await queue.waitFor(id, { timeoutMs: 5000 });
    expect(job.status).toBe('failed');
    expect(job.attempts).toBe(2);
    expect(job.error).toContain('no complete answer within 150 ms');
  });

  it('is cut off by the job timeout too', async () => {
    const queue = open();
    const { id } = await queue.enqueue('webhook', { url: `${baseUrl}/slow`, data: {} }, { maxAttempts: 1, timeout: 150 });
    await work(queue, { handlers: builtinHandlers() });
    const job = await queue.waitFor(id, { timeoutMs: 5000 });
    expect(job.status).toBe('failed');
    expect(job.error).toContain('timed out');
  });

  it('does not follow redirects and fails them permanently', async () => {
    const queue = open();
    const { id } = await queue.enqueue('webhook', { url: `${baseUrl}/moved`, data: {} }, { backoff: QUICK_BACKOFF });
    await work(queue, { handlers: builtinHandlers() });
    const job = await queue.waitFor(id, { timeoutMs: 5000 });
    expect(job.status).toBe('failed');
    expect(job.attempts).toBe(1);
    expect(job.error).toContain('302 (redirect to http://elsewhere.test/)');
    expect(deliveries).toHaveLength(1);
  });

  it('retries a refused connection', async () => {
    const queue = open();
    const closedPort = await freePort();
    const { id } = await queue.enqueue(
      'webhook',
      { url: `http://127.0.0.1:${closedPort}/hook`, data: {} },
      { maxAttempts: 2, backoff: QUICK_BACKOFF },
    );
    await work(queue, { handlers: builtinHandlers() });
    const job = await queue.waitFor(id, { timeoutMs: 5000 });
    expect(job.status).toBe('failed');
    expect(job.attempts).toBe(2);
    expect(job.error).toMatch(/ECONNREFUSED/);
  });

  it('refuses a non-http URL and a payload without data, without retrying', async () => {
    const queue = open();
    const ftp = await queue.enqueue('webhook', { url: 'ftp://127.0.0.1/file', data: {} });
    const noData = await queue.enqueue('webhook', { url: `${baseUrl}/ok` });
    await work(queue, { handlers: builtinHandlers(), concurrency: 2 });
    const ftpJob = await queue.waitFor(ftp.id, { timeoutMs: 5000 });
    const noDataJob = await queue.waitFor(noData.id, { timeoutMs: 5000 });
    expect([ftpJob.status, ftpJob.attempts]).toEqual(['failed', 1]);
    expect(ftpJob.error).toContain('"url" must be an http or https URL');
    expect([noDataJob.status, noDataJob.attempts]).toEqual(['failed', 1]);
    expect(noDataJob.error).toContain('"data" is required');
    expect(deliveries).toHaveLength(0);
  });
});

describe('webhook handler called directly', () => {
  it('retries 429 and carries Retry-After in ms', async () => {
    const failure = await webhookHandler({ url: `${baseUrl}/busy`, data: {} }, directContext()).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(WebhookRetryableError);
    expect(failure).not.toBeInstanceOf(PermanentError);
    expect((failure as WebhookRetryableError).status).toBe(429);
    expect((failure as WebhookRetryableError).retryAfterMs).toBe(7000);
  });

  it('keeps only a bounded slice of a large response body', async () => {
    const result = await webhookHandler({ url: `${baseUrl}/large`, data: {} }, directContext());
    expect(result.status).toBe(200);
    expect(result.body).toHaveLength(2048);
    expect(result.truncated).toBe(true);
  });

  it('refuses URL credentials and reserved or malformed headers', async () => {
    const refuse = (payload: unknown): Promise<unknown> => webhookHandler(payload, directContext()).catch((error: unknown) => error);
    expect(await refuse({ url: 'http://user:pw@127.0.0.1/', data: {} })).toBeInstanceOf(PermanentError);
    expect(await refuse({ url: `${baseUrl}/ok`, data: {}, headers: { 'Webhook-Signature': 'v1,forged' } })).toBeInstanceOf(PermanentError);
    expect(await refuse({ url: `${baseUrl}/ok`, data: {}, headers: { 'bad header': 'x' } })).toBeInstanceOf(PermanentError);
    for (const name of ['Host', 'content-length', 'Transfer-Encoding', 'connection']) {
      expect(await refuse({ url: `${baseUrl}/ok`, data: {}, headers: { [name]: 'x' } }), name).toBeInstanceOf(PermanentError);
    }
    const unsendable = await refuse({ url: `${baseUrl}/ok`, data: {}, headers: { 'x-control': 'a\u007fb' } });
    expect(unsendable).toBeInstanceOf(PermanentError);
    expect((unsendable as Error).message).toContain('the request cannot be sent');
    expect(await refuse({ url: `${baseUrl}/ok`, data: {}, timeoutMs: -5 })).toBeInstanceOf(PermanentError);
    expect(await refuse('not an object')).toBeInstanceOf(PermanentError);
    expect(deliveries).toHaveLength(0);
  });

  it('sends no signature when no secret is configured', async () => {
    const saved = process.env.JOBS_WEBHOOK_SECRET;
    delete process.env.JOBS_WEBHOOK_SECRET;
    try {
      await webhookHandler({ url: `${baseUrl}/ok`, data: {} }, directContext()).catch(() => undefined);
    } finally {
      process.env.JOBS_WEBHOOK_SECRET = saved;
    }
    expect(deliveries[0]?.headers['webhook-signature']).toBeUndefined();
    expect(deliveries[0]?.headers['webhook-id']).toBe('42');
  });
});

describe('signing and verification', () => {
  it('matches the Standard Webhooks reference signature', () => {
    const signature = signWebhook(
      'msg_p5jXN8AQM9LWM0D4loKWxJek',
      1614265330,
      '{"test": 2432232314}',
      'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    );
    expect(signature).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  function signedHeaders(body: string, secret: string, timestamp = Math.floor(Date.now() / 1000)): Record<string, string> {
    return {
      'webhook-id': 'msg_1',
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signWebhook('msg_1', timestamp, body, secret),
    };
  }

  it('accepts a valid signature and refuses tampering, wrong secrets and stale timestamps', () => {
    const body = '{"a":1}';
    expect(verifyWebhook(signedHeaders(body, 'plain-secret'), body, 'plain-secret')).toBe(true);
    expect(verifyWebhook(signedHeaders(body, 'plain-secret'), '{"a":2}', 'plain-secret')).toBe(false);
    expect(verifyWebhook(signedHeaders(body, 'plain-secret'), body, 'other-secret')).toBe(false);
    const stale = Math.floor(Date.now() / 1000) - 600;
    expect(verifyWebhook(signedHeaders(body, 'plain-secret', stale), body, 'plain-secret', 300)).toBe(false);
    const future = Math.floor(Date.now() / 1000) + 600;
    expect(verifyWebhook(signedHeaders(body, 'plain-secret', future), body, 'plain-secret', 300)).toBe(false);
    expect(verifyWebhook({ 'webhook-id': 'msg_1' }, body, 'plain-secret')).toBe(false);
    expect(verifyWebhook(signedHeaders(body, 'plain-secret'), body, 'whsec_not base64!')).toBe(false);
  });

  it('accepts any of several signatures and any of several secrets, from Headers or a plain object', () => {
    const body = Buffer.from('{"rotated":true}');
    const headers = signedHeaders(body.toString(), 'new-secret');
    headers['webhook-signature'] = `v1,AAAA ${headers['webhook-signature']} v2,ignored`;
    expect(verifyWebhook(headers, body, 'new-secret')).toBe(true);
    expect(verifyWebhook(new Headers(headers), body, ['old-secret', 'new-secret'])).toBe(true);
    expect(verifyWebhook({ 'Webhook-Id': headers['webhook-id'], 'WEBHOOK-TIMESTAMP': headers['webhook-timestamp'], 'webhook-signature': headers['webhook-signature'] }, body, 'old-secret new-secret')).toBe(true);
  });

  it('reads Retry-After as seconds or as a date', () => {
    const now = Date.parse('2030-01-01T00:00:00Z');
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter('Tue, 01 Jan 2030 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});
