-- enqueue: adds a batch of jobs in one call (one job is a batch of one).
-- KEYS[1] seq      KEYS[2] ready   KEYS[3] prio   KEYS[4] delayed
-- KEYS[5] marker   KEYS[6] meta
-- ARGV[1] base (key prefix of the queue)
-- ARGV[2] maxPending (0: unbounded)
-- ARGV[3] idempotency window in ms
-- ARGV[4] number of jobs; then 10 fields per job:
--   type, payload, delayMs, runAt (-1: now), priority, maxAttempts,
--   backoffBase (-1: default), backoffCap (-1: default), timeoutMs (0: none), idempotencyKey ('' none)
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
for i = 0, count - 1 do
  local o = 4 + i * 10
  local idem = ARGV[o + 10]
  local existing = false
  if idem ~= '' then
    existing = redis.call('GET', base .. 'idem:' .. idem)
  end
  if existing then
    out[#out + 1] = existing
    out[#out + 1] = 1
  else
    local id = tostring(redis.call('INCR', KEYS[1]))
    local delay = tonumber(ARGV[o + 3])
    local runAt = tonumber(ARGV[o + 4])
    local priority = tonumber(ARGV[o + 5])
    local due = now
    if runAt >= 0 then due = runAt elseif delay > 0 then due = now + delay end
    local fields = {'t', ARGV[o + 1], 'p', ARGV[o + 2], 's', 'pending', 'a', 0, 'm', ARGV[o + 6], 'c', now, 'd', due}
    if priority > 0 then fields[#fields + 1] = 'pr'; fields[#fields + 1] = priority end
    if ARGV[o + 7] ~= '-1' then fields[#fields + 1] = 'bb'; fields[#fields + 1] = ARGV[o + 7] end
    if ARGV[o + 8] ~= '-1' then fields[#fields + 1] = 'bc'; fields[#fields + 1] = ARGV[o + 8] end
    if ARGV[o + 9] ~= '0' then fields[#fields + 1] = 'to'; fields[#fields + 1] = ARGV[o + 9] end
    if idem ~= '' then
      fields[#fields + 1] = 'k'; fields[#fields + 1] = idem
      redis.call('SET', base .. 'idem:' .. idem, id, 'PX', idemTtl)
    end
    redis.call('HSET', jobKey(base, id), unpack(fields))
    if due > now then
      redis.call('ZADD', KEYS[4], due, id)
    elseif priority > 0 then
      redis.call('ZADD', KEYS[3], prioScore(priority, id), id)
    else
      readyIds[#readyIds + 1] = id
      if #readyIds >= 1000 then
        redis.call('RPUSH', KEYS[2], unpack(readyIds))
        readyIds = {}
      end
    end
    out[#out + 1] = id
    out[#out + 1] = 0
  end
end
if #readyIds > 0 then
  redis.call('RPUSH', KEYS[2], unpack(readyIds))
end
-- Wake a blocked worker: new ready work, or a new earliest due time to wait for.
redis.call('ZADD', KEYS[5], 0, 'w')
return out
