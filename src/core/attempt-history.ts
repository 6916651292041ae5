/**
 * A job's attempts, oldest first. Attempts that did not succeed are kept in a capped list per
 * job (`h:<id>`, written by the Lua scripts' recordAttempt); the latest attempt, while it runs
 * or once it succeeded, comes from the job hash, so a success costs no extra Redis command.
 */

/** How an attempt ended. `running`: it has not ended yet. */
export const ATTEMPT_OUTCOMES = ['running', 'success', 'retrying', 'failed', 'lease-expired', 'handed-back', 'cancelled'] as const;
export type AttemptOutcome = (typeof ATTEMPT_OUTCOMES)[number];

export interface Attempt {
  /** The job's attempt count when it ran (a handed-back attempt is not counted, so the next one has the same number). */
  attempt: number;
  startedAt: Date | null;
  finishedAt: Date | null;
  /** Registration id of the worker that ran it (as `jobs workers` lists it), or null if unknown. */
  worker: string | null;
  /**
   * `retrying`: failed and scheduled again; `failed`: failed for good (dead-lettered);
   * `lease-expired`: its worker stopped responding; `handed-back`: returned unfinished (shutdown,
   * no handler); `cancelled`: ended by a cancel request.
   */
  outcome: AttemptOutcome;
  /** The error or note of an attempt that did not succeed (at most HISTORY_ERROR_BYTES bytes). */
  error: string | null;
}

/** Most attempts a job's history lists; mirrored by HISTORY_CAP in scripts/_lib.lua. */
export const HISTORY_LIMIT = 20;
/** Longest error text kept per attempt, in UTF-8 bytes; mirrored by HISTORY_ERROR_BYTES in scripts/_lib.lua. */
export const HISTORY_ERROR_BYTES = 500;

const time = (value: unknown): Date | null => {
  const ms = Number(value);
  return value === '' || value === undefined || value === null || !Number.isFinite(ms) ? null : new Date(ms);
};
const text = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);

function decodeEntry(raw: string): Attempt | undefined {
  let entry: unknown;
  try {
    entry = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (typeof entry !== 'object' || entry === null) return undefined;
  const e = entry as Record<string, unknown>;
  const outcome = ATTEMPT_OUTCOMES.find((o) => o === e.o);
  if (outcome === undefined) return undefined;
  return { attempt: Number(e.a ?? 0), startedAt: time(e.s), finishedAt: time(e.f), worker: text(e.w), outcome, error: text(e.e) };
}

/**
 * Merges the stored entries (newest first, as LRANGE returns them) with the latest attempt
 * from the job hash (fields a, sa, f, w; see scripts/_lib.lua), oldest first, at most
 * HISTORY_LIMIT attempts.
 */
export function decodeHistory(entries: readonly string[], hash: Record<string, string>): Attempt[] {
  const attempts: Attempt[] = [];
  for (let i = entries.length - 1; i >= 0; i -= 1) {
    const attempt = decodeEntry(entries[i] ?? '');
    if (attempt) attempts.push(attempt);
  }
  if ((hash.s === 'running' || hash.s === 'success') && hash.sa) {
    attempts.push({
      attempt: Number(hash.a ?? 0),
      startedAt: time(hash.sa),
      finishedAt: hash.s === 'success' ? time(hash.f) : null,
      worker: text(hash.w),
      outcome: hash.s,
      error: null,
    });
  }
  return attempts.slice(-HISTORY_LIMIT);
}
