-- job_retry: finished jobs (success, failed, cancelled) -> pending, attempts reset.
-- KEYS[1] done  KEYS[2] dlq  KEYS[3] cancelled  KEYS[4] ready  KEYS[5] prio  KEYS[6] marker
-- ARGV[1] base   then job ids
-- All or nothing: every id is checked before any job moves. A retried success is added to the
-- job's attempt history, which otherwise holds only attempts that did not succeed.
-- Returns {'OK', retried} | {'NOT_FOUND', id} | {'INVALID_STATE', id, state}
local base = ARGV[1]
local from = {success = KEYS[1], failed = KEYS[2], cancelled = KEYS[3]}
local states = {}
for i = 2, #ARGV do
  local state = redis.call('HGET', jobKey(base, ARGV[i]), 's')
  if not state then return {'NOT_FOUND', ARGV[i]} end
  if not from[state] then return {'INVALID_STATE', ARGV[i], state} end
  states[i] = state
end
local now = nowMs()
local seen, retried = {}, 0
for i = 2, #ARGV do
  local id = ARGV[i]
  if not seen[id] then
    seen[id] = true
    local key = jobKey(base, id)
    redis.call('ZREM', from[states[i]], id)
    if states[i] == 'success' then
      -- a success lives only in the job hash (see recordAttempt); keep it in the history
      local done = redis.call('HMGET', key, 'a', 'sa', 'w', 'f')
      if done[2] then recordAttempt(base, id, done[1], done[2], done[3], 'success', '', tonumber(done[4] or now)) end
    end
    -- the lease counter `l` stays, so a new attempt never reuses an old attempt's fence
    redis.call('HSET', key, 's', 'pending', 'a', 0, 'd', now)
    redis.call('HDEL', key, 'f', 'sa', 'e', 'x', 'r', 'g', 'cx', 'w')
    -- a job cancelled while in the ready list may still have its old entry there, counted in
    -- meta `stale`; the claim takes whichever entry comes first and skips (and uncounts) the other
    pushReady(KEYS[4], KEYS[5], id, tonumber(redis.call('HGET', key, 'pr') or '0'))
    emit(base, 'enqueued', id, {'t', redis.call('HGET', key, 't'), 'retry', states[i]})
    retried = retried + 1
  end
end
if retried > 0 then redis.call('ZADD', KEYS[6], 0, 'w') end
return {'OK', retried}
