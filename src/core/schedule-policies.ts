// The policy names alone, so the CLI can list them in help without loading the cron parser.
import type { MisfirePolicy } from './cron-time.js';

/** What to do when a tick comes while the schedule's previous run has not ended. */
export type OverlapPolicy = 'allow' | 'skip' | 'queue-one';

export const OVERLAP_POLICIES: readonly OverlapPolicy[] = ['allow', 'skip', 'queue-one'];
export const MISFIRE_POLICIES: readonly MisfirePolicy[] = ['run-once', 'skip', 'run-all'];
