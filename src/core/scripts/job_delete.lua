-- job_delete: removes jobs for good, from whatever state they are in; a running job only when
-- forced (its lease is dropped, so its worker's heartbeat and outcome are refused).
-- KEYS[1] prio  KEYS[2] delayed  KEYS[3] retry  KEYS[4] active  KEYS[5] done  KEYS[6] dlq
-- KEYS[7] cancelled  KEYS[8] meta
-- ARGV[1] base   ARGV[2] force ('1' or '0')   then job ids
-- All or nothing: every id is checked before any job is deleted.
-- Returns {'OK', deleted} | {'NOT_FOUND', id} | {'INVALID_STATE', id, state}
local base, force = ARGV[1], ARGV[2] == '1'
local jobs = {}
for i = 3, #ARGV do
  local cur = redis.call('HMGET', jobKey(base, ARGV[i]), 's', 'l', 'k')
  if not cur[1] then return {'NOT_FOUND', ARGV[i]} end
  if cur[1] == 'running' and not force then return {'INVALID_STATE', ARGV[i], 'running'} end
  jobs[i] = cur
end
local finished = {success = KEYS[5], failed = KEYS[6], cancelled = KEYS[7]}
local seen, deleted = {}, 0
for i = 3, #ARGV do
  local id, cur = ARGV[i], jobs[i]
  if not seen[id] then
    seen[id] = true
    local state = cur[1]
    if state == 'pending' then
      if redis.call('ZREM', KEYS[2], id) == 0 and redis.call('ZREM', KEYS[1], id) == 0 then
        -- its entry in the ready list stays (LREM is O(n)); the claim skips it and uncounts it
        redis.call('HINCRBY', KEYS[8], 'stale', 1)
      end
    elseif state == 'running' then
      redis.call('ZREM', KEYS[4], id .. ':' .. (cur[2] or '0'))
    elseif state == 'retrying' then
      redis.call('ZREM', KEYS[3], id)
    elseif finished[state] then
      redis.call('ZREM', finished[state], id)
    end
    if cur[3] and redis.call('GET', base .. 'idem:' .. cur[3]) == id then
      redis.call('DEL', base .. 'idem:' .. cur[3])
    end
    deleteJob(base, id)
    deleted = deleted + 1
  end
end
return {'OK', deleted}
