// Defaults kept apart from the modules that use them, so the CLI can show them in help
// without loading a Redis client.
import type { Retention } from './handle.js';

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
export const DEFAULT_PREFIX = 'jobs';
export const DEFAULT_RETENTION: Readonly<Retention> = { finishedCount: 1000, finishedAgeMs: 7 * 24 * 3600 * 1000 };
/** Where the metrics server listens unless told otherwise: this machine only. */
export const DEFAULT_METRICS_HOST = '127.0.0.1';
