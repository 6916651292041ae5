import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { builtinHandlers, createWebhookHandler, PermanentError, ValidationError } from '../../src/index.js';
import { webhookHandler, WebhookRetryableError } from '../../src/handlers/webhook.js';
import { freePort } from '../helpers/redis-server.js';
import { directContext, useQueues } from './harness.js';

const { open, work } = useQueues();
const ALLOW_ENV = 'JOBS_WEBHOOK_ALLOW_NETWORKS';

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
}

let server: Server;
let port: number;
let received: Received[] = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    received.push({ path: request.url ?? '/', headers: request.headers });
    request.resume();
    request.on('end', () => {
      if (request.url === '/internal-redirect') return void response.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
      response.writeHead(200, { 'content-type': 'text/plain' }).end('internal secret');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  received = [];
  delete process.env[ALLOW_ENV];
});
afterEach(() => {
  delete process.env[ALLOW_ENV];
});

/** The handler's failure (or a marker when it succeeded). */
async function failure(run: unknown): Promise<Error> {
  const outcome = await Promise.resolve(run).then(
    () => new Error('the delivery succeeded'),
    (error: unknown) => error,
  );
  return outcome as Error;
}

describe('webhook destinations through a worker', () => {
  it('fails a webhook to 127.0.0.1 permanently by default, naming the loopback class, without connecting', async () => {
    const queue = open();
    const { id } = await queue.enqueue('webhook', { url: `http://127.0.0.1:${port}/hook?token=t`, data: {} });
    await work(queue, { handlers: builtinHandlers() });
    const job = await queue.waitFor(id, { timeoutMs: 5000 });
    expect([job.status, job.attempts]).toEqual(['failed', 1]);
    expect(job.error).toContain(`POST http://127.0.0.1:${port}/hook refused: 127.0.0.1 is a loopback address (127.0.0.0/8)`);
    expect(job.error).toContain(ALLOW_ENV);
    expect(received).toHaveLength(0);
  });

  it('delivers to 127.0.0.1 with JOBS_WEBHOOK_ALLOW_NETWORKS=127.0.0.0/8', async () => {
    process.env[ALLOW_ENV] = '127.0.0.0/8';
    const queue = open();
    const { id } = await queue.enqueue('webhook', { url: `http://127.0.0.1:${port}/hook`, data: {} });
    await work(queue, { handlers: builtinHandlers() });
    const job = await queue.waitFor(id, { timeoutMs: 5000 });
    expect(job.status).toBe('success');
    expect(job.result).toMatchObject({ status: 200, body: 'internal secret' });
    expect(received.map((request) => request.path)).toEqual(['/hook']);
  });

  it('takes the allow-list as a builtinHandlers option too, over the environment', async () => {
    process.env[ALLOW_ENV] = '10.0.0.0/8';
    const queue = open();
    const { id } = await queue.enqueue('webhook', { url: `http://127.0.0.1:${port}/hook`, data: {} });
    await work(queue, { handlers: builtinHandlers({ webhookAllowNetworks: ['127.0.0.1'] }) });
    expect((await queue.waitFor(id, { timeoutMs: 5000 })).status).toBe('success');
  });

  it('refuses localhost, [::1] and [::ffff:127.0.0.1], each after one attempt', async () => {
    const queue = open();
    const urls = [`http://localhost:${port}/a`, `http://[::1]:${port}/b`, `http://[::ffff:127.0.0.1]:${port}/c`];
    const ids = await Promise.all(urls.map(async (url) => (await queue.enqueue('webhook', { url, data: {} })).id));
    await work(queue, { handlers: builtinHandlers(), concurrency: 3 });
    const jobs = await Promise.all(ids.map((id) => queue.waitFor(id, { timeoutMs: 5000 })));
    expect(jobs.map((job) => [job.status, job.attempts])).toEqual([
      ['failed', 1],
      ['failed', 1],
      ['failed', 1],
    ]);
    expect(jobs[0]?.error).toMatch(/refused: localhost resolves to (127\.0\.0\.1|::1), a loopback address/);
    expect(jobs[1]?.error).toContain('refused: ::1 is a loopback address (::1/128)');
    expect(jobs[2]?.error).toContain('refused: ::ffff:7f00:1 (IPv4-mapped 127.0.0.1) is a loopback address (127.0.0.0/8)');
    expect(received).toHaveLength(0);
  });

  it('refuses a public-looking name that resolves to a private address', async () => {
    const queue = open();
    const { id } = await queue.enqueue('webhook', { url: 'https://hooks.customer.example/events', data: {} });
    const resolveHost = async (hostname: string): Promise<string[]> => (hostname === 'hooks.customer.example' ? ['10.20.30.40'] : []);
    await work(queue, { handlers: { webhook: createWebhookHandler({ resolveHost }) } });
    const job = await queue.waitFor(id, { timeoutMs: 5000 });
    expect([job.status, job.attempts]).toEqual(['failed', 1]);
    expect(job.error).toContain('refused: hooks.customer.example resolves to 10.20.30.40, a private address (10.0.0.0/8)');
  });
});

describe('webhook destination guard, handler called directly', () => {
  it('refuses cloud metadata, private, CGNAT, unspecified and multicast literals as permanent failures', async () => {
    const handler = createWebhookHandler();
    const cases: [string, string][] = [
      ['http://169.254.169.254/latest/meta-data/', 'link-local address (169.254.0.0/16)'],
      ['http://[fd00:ec2::254]/latest/meta-data/', 'unique-local address (fc00::/7)'],
      ['http://10.0.0.5/admin', 'private address (10.0.0.0/8)'],
      ['http://172.20.1.1/', 'private address (172.16.0.0/12)'],
      ['http://192.168.0.1/', 'private address (192.168.0.0/16)'],
      ['http://100.100.100.200/', 'carrier-grade NAT address (100.64.0.0/10)'],
      ['http://0.0.0.0:8080/', 'unspecified address (0.0.0.0/8)'],
      ['http://[::]:8080/', 'unspecified address (::/128)'],
      ['http://224.0.0.251/', 'multicast address (224.0.0.0/4)'],
      ['http://[fe80::1]/', 'link-local address (fe80::/10)'],
      ['http://[64:ff9b::a9fe:a9fe]/', '(NAT64 169.254.169.254) is a link-local address'],
      ['http://2130706433/', '127.0.0.1 is a loopback address'],
      ['http://0x7f.1/', '127.0.0.1 is a loopback address'],
    ];
    for (const [url, message] of cases) {
      const error = await failure(handler({ url, data: {} }, directContext()));
      expect(error, url).toBeInstanceOf(PermanentError);
      expect(error.message, url).toContain(message);
    }
  });

  it('connects to the address the resolver gave, once checked', async () => {
    const resolveHost = async (): Promise<string[]> => ['127.0.0.1'];
    const refused = await failure(createWebhookHandler({ resolveHost })({ url: `http://hooks.customer.example:${port}/x`, data: {} }, directContext()));
    expect(refused).toBeInstanceOf(PermanentError);
    expect(received).toHaveLength(0);

    const secure = await failure(createWebhookHandler({ resolveHost })({ url: `https://hooks.customer.example:${port}/x`, data: {} }, directContext()));
    expect(secure).toBeInstanceOf(PermanentError);
    expect(secure.message).toContain('hooks.customer.example resolves to 127.0.0.1, a loopback address');
    expect(received).toHaveLength(0);

    const allowed = createWebhookHandler({ resolveHost, allowNetworks: '127.0.0.0/8' });
    const result = await allowed({ url: `http://hooks.customer.example:${port}/x`, data: {} }, directContext());
    expect(result.status).toBe(200);
    expect(received[0]?.headers.host).toBe(`hooks.customer.example:${port}`);
  });

  it('resolves once per connection, so a name that changes its answer (DNS rebinding) cannot slip past the check', async () => {
    // First answer: 127.0.0.2, allowed but with nothing listening. Any later answer: 127.0.0.1,
    // refused, where the receiver listens. A check made on one lookup and a connection made on
    // another would reach the receiver.
    const answers: string[] = [];
    const resolveHost = async (): Promise<string[]> => {
      const address = answers.length === 0 ? '127.0.0.2' : '127.0.0.1';
      answers.push(address);
      return [address];
    };
    const handler = createWebhookHandler({ resolveHost, allowNetworks: '127.0.0.2/32' });
    const error = await failure(handler({ url: `http://rebind.example:${port}/steal`, data: {} }, directContext()));
    expect(error).toBeInstanceOf(WebhookRetryableError);
    expect(error.message).toContain(`ECONNREFUSED 127.0.0.2:${port}`);
    expect(answers).toEqual(['127.0.0.2']);
    expect(received).toHaveLength(0);

    // The next attempt resolves again and gets the refused answer.
    const second = await failure(handler({ url: `http://rebind.example:${port}/steal`, data: {} }, directContext()));
    expect(second).toBeInstanceOf(PermanentError);
    expect(second.message).toContain('rebind.example resolves to 127.0.0.1, a loopback address');
    expect(received).toHaveLength(0);
  });

  it('does not follow a redirect, so an allowed receiver cannot bounce the request inward', async () => {
    const handler = createWebhookHandler({ allowNetworks: '127.0.0.0/8' });
    const error = await failure(handler({ url: `http://127.0.0.1:${port}/internal-redirect`, data: {} }, directContext()));
    expect(error).toBeInstanceOf(PermanentError);
    expect(error.message).toContain('302 (redirect to http://169.254.169.254/latest/meta-data/); redirects are not followed');
    expect(received.map((request) => request.path)).toEqual(['/internal-redirect']);
  });

  it('allows only the listed network, not the whole class', async () => {
    const handler = createWebhookHandler({ allowNetworks: ['127.0.0.2/32'] });
    const error = await failure(handler({ url: `http://127.0.0.1:${port}/x`, data: {} }, directContext()));
    expect(error.message).toContain('127.0.0.1 is a loopback address');
    const ipv6 = await failure(createWebhookHandler({ allowNetworks: '127.0.0.0/8' })({ url: `http://[::1]:${port}/x`, data: {} }, directContext()));
    expect(ipv6.message).toContain('::1 is a loopback address');
    expect(received).toHaveLength(0);
  });

  it('keeps retrying a refused connection to an allowed address', async () => {
    const closedPort = await freePort();
    const error = await failure(createWebhookHandler({ allowNetworks: '127.0.0.0/8' })({ url: `http://127.0.0.1:${closedPort}/`, data: {} }, directContext()));
    expect(error).toBeInstanceOf(WebhookRetryableError);
    expect(error.message).toMatch(/ECONNREFUSED/);
  });

  it('reports an invalid allow-list at creation as a ValidationError', () => {
    expect(() => createWebhookHandler({ allowNetworks: '10.0.0.0/33' })).toThrow(ValidationError);
    expect(() => createWebhookHandler({ allowNetworks: ['fd00::/8', 'fe80::/129'] })).toThrow(/^allowNetworks: "fe80::\/129" is not a CIDR/);
    expect(() => builtinHandlers({ webhookAllowNetworks: 'intranet' })).toThrow(/^webhookAllowNetworks: "intranet" is not a CIDR/);
    process.env[ALLOW_ENV] = '127.0.0.0/8,10.1.0.0/8';
    expect(() => builtinHandlers()).toThrow(/JOBS_WEBHOOK_ALLOW_NETWORKS: "10.1.0.0\/8" has host bits set; the network is 10.0.0.0\/8/);
  });

  it('webhookHandler follows JOBS_WEBHOOK_ALLOW_NETWORKS as it changes, failing permanently on a bad value', async () => {
    const payload = { url: `http://127.0.0.1:${port}/env`, data: {} };
    expect(await failure(webhookHandler(payload, directContext()))).toBeInstanceOf(PermanentError);
    process.env[ALLOW_ENV] = '127.0.0.0/8';
    expect((await webhookHandler(payload, directContext())).status).toBe(200);
    process.env[ALLOW_ENV] = 'not-a-network';
    const bad = await failure(webhookHandler(payload, directContext()));
    expect(bad).toBeInstanceOf(PermanentError);
    expect(bad.message).toContain(`${ALLOW_ENV}: "not-a-network" is not a CIDR`);
    expect(received).toHaveLength(1);
  });
});
