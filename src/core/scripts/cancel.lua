-- cancel: pending or retrying -> cancelled; running -> cancellation requested.
-- KEYS[1] prio  KEYS[2] delayed  KEYS[3] retry  KEYS[4] cancelled  KEYS[5] meta
-- ARGV[1] base   ARGV[2] id   ARGV[3] keep-finished count   ARGV[4] keep-finished age ms
-- ARGV[5] the queue's cancel channel
-- Returns {'cancelled'} | {'requested'} | {'NOT_FOUND'} | {'INVALID_STATE', state}
local base, id = ARGV[1], ARGV[2]
local key = jobKey(base, id)
local state = redis.call('HGET', key, 's')
if not state then return {'NOT_FOUND'} end
local now = nowMs()
if state == 'running' then
  -- meta `cancels` counts running jobs with a request, so recording a success needs no look at
  -- the job while there are none
  if redis.call('HSETNX', key, 'cx', 1) == 1 then redis.call('HINCRBY', KEYS[5], 'cancels', 1) end
  -- workers subscribe to this channel and stop the job at once; one that cannot (a client
  -- without the right to publish or subscribe) learns of it at its next heartbeat
  redis.pcall('PUBLISH', ARGV[5], id)
  return {'requested'}
elseif state == 'retrying' then
  redis.call('ZREM', KEYS[3], id)
elseif state == 'pending' then
  if redis.call('ZREM', KEYS[2], id) == 0 and redis.call('ZREM', KEYS[1], id) == 0 then
    -- it sits in the ready list; removing it there costs O(n), so the claim skips it later
    redis.call('HINCRBY', KEYS[5], 'stale', 1)
  end
else
  return {'INVALID_STATE', state}
end
finish(base, KEYS[4], id, 'cancelled', now, 1)
emit(base, 'cancelled', id, {'t', redis.call('HGET', key, 't') or ''})
trimFinished(base, KEYS[4], tonumber(ARGV[3]), tonumber(ARGV[4]), now)
return {'cancelled'}
