import type { Redis } from 'ioredis';
import type { Queue } from '../../../src/index.js';

/** What a drained queue and its ledger say about a set of acknowledged job ids. */
export interface DeliveryAudit {
  checked: number;
  /** Acknowledged ids whose job is gone from Redis. */
  missingJobs: string[];
  /** Jobs in another state than success, as "id:state". */
  notSucceeded: string[];
  /** Acknowledged ids the handler never recorded. */
  missingFromLedger: string[];
  /** Ledger entries that are no acknowledged job. */
  unexpectedInLedger: string[];
  /** Ids whose handler ran to its side effect more than once. */
  duplicates: string[];
  /** Ids that took more than one attempt in the queue's view. */
  retried: string[];
  /** Size of the queue's succeeded zset (each id at most once by construction). */
  succeededInQueue: number;
}

const CHUNK = 1000;

export async function auditDelivery(queue: Queue, acknowledged: readonly string[], ledger: Redis, ledgerKey: string): Promise<DeliveryAudit> {
  const audit: DeliveryAudit = {
    checked: acknowledged.length,
    missingJobs: [],
    notSucceeded: [],
    missingFromLedger: [],
    unexpectedInLedger: [],
    duplicates: [],
    retried: [],
    succeededInQueue: await queue.redis.zcard(queue.handle.keys.done),
  };
  for (let start = 0; start < acknowledged.length; start += CHUNK) {
    const ids = acknowledged.slice(start, start + CHUNK);
    const jobs = new Map((await queue.getJobs(ids)).map((job) => [job.id, job]));
    for (const id of ids) {
      const job = jobs.get(id);
      if (!job) audit.missingJobs.push(id);
      else if (job.status !== 'success') audit.notSucceeded.push(`${id}:${job.status}`);
      else if (job.attempts > 1) audit.retried.push(id);
    }
  }
  const recorded = new Set(await ledger.smembers(ledgerKey));
  const wanted = new Set(acknowledged);
  audit.missingFromLedger = acknowledged.filter((id) => !recorded.has(id));
  audit.unexpectedInLedger = [...recorded].filter((id) => !wanted.has(id));
  const runs = await ledger.hgetall(`${ledgerKey}:runs`);
  audit.duplicates = Object.entries(runs)
    .filter(([, count]) => Number(count) > 1)
    .map(([id]) => id);
  return audit;
}
