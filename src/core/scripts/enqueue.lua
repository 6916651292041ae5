-- enqueue: adds a batch of jobs in one call (one job is a batch of one).
-- KEYS[1] seq      KEYS[2] ready   KEYS[3] prio   KEYS[4] delayed
-- KEYS[5] marker   KEYS[6] meta
-- ARGV[1] base (key prefix of the queue)
-- ARGV[2] maxPending (0: unbounded)
-- ARGV[3] idempotency window in ms
-- ARGV[4] number of jobs; then 5 fields per job:
--   type, payload, maxAttempts, options, idempotencyKey ('' none), where options is '' for the
--   defaults or 'delayMs,runAt,priority,backoffBase,backoffCap,timeoutMs' (runAt -1: now;
--   backoff -1: default; timeout 0: none)
-- Returns {'OK', id1, dup1, id2, dup2, ...} (dup 1 when the idempotency key was seen),
-- or {'QUEUE_FULL', pendingCount} having written nothing.
local base = ARGV[1]
local maxPending = tonumber(ARGV[2])
local idemTtl = tonumber(ARGV[3])
local count = tonumber(ARGV[4])
local now = nowMs()

if maxPending > 0 then
  local stale = tonumber(redis.call('HGET', KEYS[6], 'stale') or '0')
  local pending = redis.call('LLEN', KEYS[2]) - stale + redis.call('ZCARD', KEYS[3]) + redis.call('ZCARD', KEYS[4])
  if pending + count > maxPending then
    return {'QUEUE_FULL', pending}
  end
end

local out = {'OK'}
local readyIds = {}
local q = {base = base, seq = KEYS[1], prio = KEYS[3], delayed = KEYS[4], now = now, idemTtl = idemTtl}
-- one INCRBY for the whole batch; an id left unused by a duplicate is simply skipped
local lastId = redis.call('INCRBY', KEYS[1], count)
local nextId = lastId - count
q.takeId = function()
  nextId = nextId + 1
  return tostring(nextId)
end
for i = 0, count - 1 do
  local id, duplicate, toReady = addJob(q, ARGV, 4 + i * 5, nil)
  if toReady then
    readyIds[#readyIds + 1] = id
    if #readyIds >= 1000 then
      redis.call('RPUSH', KEYS[2], unpack(readyIds))
      readyIds = {}
    end
  end
  out[#out + 1] = id
  out[#out + 1] = duplicate and 1 or 0
end
if #readyIds > 0 then
  redis.call('RPUSH', KEYS[2], unpack(readyIds))
end
-- Wake a blocked worker: new ready work, or a new earliest due time to wait for.
redis.call('ZADD', KEYS[5], 0, 'w')
return out
