import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Worker } from '../core/worker.js';
import { JobMetrics } from './metrics.js';

import { DEFAULT_METRICS_HOST } from '../core/defaults.js';

export { DEFAULT_METRICS_HOST };

export interface MetricsServerOptions {
  /** TCP port; 0 picks a free one (see MetricsServer.port). */
  port: number;
  /**
   * Interface to listen on. Default "127.0.0.1": this machine only, since the metrics name
   * queues and job types. "0.0.0.0" (or "::") lets Prometheus scrape from elsewhere.
   */
  host?: string;
  /** Workers whose busy slots, queues and health are reported. */
  workers: readonly Worker[];
  /**
   * Metrics to serve. Default: a new JobMetrics. Attempt counters only move for workers whose
   * onAttempt is `metrics.attemptObserver(queue)`.
   */
  metrics?: JobMetrics;
  /** Longest wait for Redis to answer PING in /healthz, in ms. Default 1000. */
  healthTimeoutMs?: number;
}

export interface MetricsServer {
  readonly port: number;
  /** e.g. http://127.0.0.1:9464 */
  readonly url: string;
  readonly metrics: JobMetrics;
  close(): Promise<void>;
}

/** One worker as /healthz reports it. */
export interface WorkerHealth {
  queue: string;
  /** The worker's claim loop is running. */
  loop: boolean;
  /** "ok" when its Redis connection answered PING, else why not. */
  redis: string;
}

async function ping(worker: Worker, timeoutMs: number): Promise<string> {
  const redis = worker.handle.redis;
  // A worker connection queues commands while disconnected; do not wait on that queue.
  if (redis.status !== 'ready') return `connection ${redis.status}`;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => (timer = setTimeout(() => resolve(`no PONG within ${timeoutMs} ms`), timeoutMs)));
  const answer = redis.ping().then(
    (reply) => (reply === 'PONG' ? 'ok' : `unexpected reply ${reply}`),
    (error: unknown) => (error instanceof Error ? error.message : String(error)),
  );
  return Promise.race([answer, timeout]).finally(() => clearTimeout(timer));
}

/** Health of each worker: healthy only when every worker's loop runs and its Redis answers. */
export async function checkWorkerHealth(workers: readonly Worker[], timeoutMs = 1000): Promise<{ healthy: boolean; workers: WorkerHealth[] }> {
  const report = await Promise.all(
    workers.map(async (worker): Promise<WorkerHealth> => ({ queue: worker.name, loop: worker.alive, redis: await ping(worker, timeoutMs) })),
  );
  const healthy = report.length > 0 && report.every((w) => w.loop && w.redis === 'ok');
  return { healthy, workers: report };
}

/**
 * Serves `/metrics` (Prometheus text format) and `/healthz` (200 while every worker's loop runs
 * and its Redis connection answers PING, 503 otherwise) for workers in this process.
 */
export async function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServer> {
  const host = options.host ?? DEFAULT_METRICS_HOST;
  const metrics = options.metrics ?? new JobMetrics();
  metrics.watch(options.workers);
  const healthTimeoutMs = options.healthTimeoutMs ?? 1000;

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' }).end();
    } else if (path === '/metrics') {
      const body = await metrics.text();
      response.writeHead(200, { 'content-type': metrics.registry.contentType }).end(body);
    } else if (path === '/healthz') {
      const health = await checkWorkerHealth(options.workers, healthTimeoutMs);
      const body = JSON.stringify({ status: health.healthy ? 'ok' : 'unhealthy', workers: health.workers });
      response.writeHead(health.healthy ? 200 : 503, { 'content-type': 'application/json' }).end(`${body}\n`);
    } else {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /metrics or /healthz\n');
    }
  };
  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain' });
      response.end(`${error instanceof Error ? error.message : String(error)}\n`);
    });
  });
  // Keep-alive sockets of a scraper must not hold the process open at shutdown.
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return { port, url: `http://${urlHost(host)}:${port}`, metrics, close: () => closeServer(server) };
}

/** The host to show in a URL: a wildcard address is reached through the loopback one. */
function urlHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

function closeServer(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}
