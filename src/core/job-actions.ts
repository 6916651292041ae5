import { InvalidStateError, JobNotFoundError } from './errors.js';
import type { QueueHandle } from './handle.js';
import type { JobState } from './job.js';
import { fetchJobs } from './listing.js';

/** Ids per script call, so no call holds Redis for long. */
const CHUNK = 500;

/** States a job can be retried from. */
export const RETRYABLE_STATES: readonly JobState[] = ['success', 'failed', 'cancelled'];

type Reply = [status: 'OK', count: number] | [status: 'NOT_FOUND', id: string] | [status: 'INVALID_STATE', id: string, state: string];

function unique(ids: readonly string[]): string[] {
  return [...new Set(ids)];
}

/**
 * Checks every id before anything changes: an unknown id throws JobNotFoundError, a job in a
 * state `allowed` refuses throws InvalidStateError.
 */
async function checkAll(handle: QueueHandle, ids: readonly string[], action: string, allowed: (state: JobState) => boolean): Promise<void> {
  for (let start = 0; start < ids.length; start += CHUNK) {
    const chunk = ids.slice(start, start + CHUNK);
    const jobs = new Map((await fetchJobs(handle, chunk)).map((job) => [job.id, job]));
    for (const id of chunk) {
      const job = jobs.get(id);
      if (!job) throw new JobNotFoundError(id, handle.name);
      if (!allowed(job.status)) throw new InvalidStateError(id, job.status, action);
    }
  }
}

/** Runs a chunked script; each call is all-or-nothing, and its refusal becomes a typed error. */
async function inChunks(handle: QueueHandle, ids: readonly string[], action: string, call: (chunk: string[]) => Promise<unknown>): Promise<number> {
  let done = 0;
  for (let start = 0; start < ids.length; start += CHUNK) {
    const reply = (await call(ids.slice(start, start + CHUNK))) as Reply;
    if (reply[0] === 'NOT_FOUND') throw new JobNotFoundError(reply[1], handle.name);
    if (reply[0] === 'INVALID_STATE') throw new InvalidStateError(reply[1], reply[2], action);
    done += Number(reply[1]);
  }
  return done;
}

/**
 * Moves finished jobs (success, failed or cancelled) back to pending with their attempts reset.
 * Every id is checked first: an unknown id (JobNotFoundError) or a pending, running or
 * retrying job (InvalidStateError) throws, and then nothing is retried. Returns how many.
 */
export async function retryJobs(handle: QueueHandle, ids: readonly string[]): Promise<number> {
  const wanted = unique(ids);
  await checkAll(handle, wanted, 'retry', (state) => RETRYABLE_STATES.includes(state));
  const k = handle.keys;
  return inChunks(handle, wanted, 'retry', (chunk) =>
    handle.script('job_retry', [k.done, k.dlq, k.cancelled, k.ready, k.prio, k.marker], [k.base, ...chunk]),
  );
}

/**
 * Deletes jobs for good, in any state. A running job is refused (InvalidStateError) unless
 * `force`: then its lease is dropped, so its worker's heartbeat and outcome are refused (the
 * handler is aborted at the worker's next heartbeat). Every id is checked first; an unknown id
 * throws JobNotFoundError and nothing is deleted. Returns how many.
 */
export async function deleteJobs(handle: QueueHandle, ids: readonly string[], options: { force?: boolean } = {}): Promise<number> {
  const wanted = unique(ids);
  const force = Boolean(options.force);
  await checkAll(handle, wanted, 'delete', (state) => force || state !== 'running');
  const k = handle.keys;
  return inChunks(handle, wanted, 'delete', (chunk) =>
    handle.script('job_delete', [k.prio, k.delayed, k.retry, k.active, k.done, k.dlq, k.cancelled, k.meta], [k.base, force ? '1' : '0', ...chunk]),
  );
}
