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
-- or {'QUEUE_FULL', pendingCount} having written nothing (duplicates do not count against
-- maxPending, so a batch of duplicates is never refused).
local base = ARGV[1]
local maxPending = tonumber(ARGV[2])
local idemTtl = tonumber(ARGV[3])
local count = tonumber(ARGV[4])
local now = nowMs()

if maxPending > 0 then
  -- A retry of an acknowledged enqueue is answered as a duplicate, never refused: only jobs
  -- whose idempotency key is new (or who have none) count against the limit.
  local fresh, seen = 0, {}
  for i = 0, count - 1 do
    local idem = ARGV[4 + i * 5 + 5]
    if idem == '' then
      fresh = fresh + 1
    elseif not seen[idem] then
      seen[idem] = true
      if redis.call('EXISTS', base .. 'idem:' .. idem) == 0 then fresh = fresh + 1 end
    end
  end
  if fresh > 0 then
    local stale = tonumber(redis.call('HGET', KEYS[6], 'stale') or '0')
    local pending = redis.call('LLEN', KEYS[2]) - stale + redis.call('ZCARD', KEYS[3]) + redis.call('ZCARD', KEYS[4])
    if pending + fresh > maxPending then
      return {'QUEUE_FULL', pending}
    end
  end
end

local out = {'OK'}
local readyIds = {}
local q = {base = base, seq = KEYS[1], prio = KEYS[3], delayed = KEYS[4], now = now, idemTtl = idemTtl}
-- one INCRBY for the whole batch, at its first new job (a batch of duplicates writes nothing);
-- an id left unused by a later duplicate is simply skipped
local nextId
local current = 0
q.takeId = function()
  if not nextId then nextId = redis.call('INCRBY', KEYS[1], count - current) - (count - current) end
  nextId = nextId + 1
  return tostring(nextId)
end
for i = 0, count - 1 do
  current = i
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
if nextId then redis.call('ZADD', KEYS[5], 0, 'w') end
return out
