import { TimeoutError } from '../core/errors.js';
import type { Job } from '../core/job.js';
import type { Queue } from '../core/queue.js';
import type { Output } from './output.js';

/**
 * Waits for a job to finish. On timeout, `--json` still prints the job as it stands (its id
 * and status) on stdout before the timeout is reported (exit 5), so a script keeps the id.
 */
export async function waitForJob(out: Output, queue: Queue, id: string, timeoutMs: number | undefined): Promise<Job> {
  try {
    return await queue.waitFor(id, timeoutMs === undefined ? {} : { timeoutMs });
  } catch (error) {
    if (error instanceof TimeoutError) {
      const job = await queue.getJob(id);
      if (job) out.data(out.job(job));
    }
    throw error;
  }
}
