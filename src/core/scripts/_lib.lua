-- Shared helpers, prepended to every script by scripts/index.ts.
-- Job hash fields: t type, p payload, s state, a attempts, m maxAttempts, pr priority,
-- c createdAt, d scheduledFor, sa startedAt, f finishedAt, e error, x stack, r result,
-- g progress, bb/bc backoff base/cap, to timeout, k idempotency key, l lease token,
-- cx cancel requested. Key suffixes `j:<id>` and `idem:<key>` mirror keys.ts.

local function nowMs()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

local function jobKey(base, id)
  return base .. 'j:' .. id
end

-- Higher priority first, then older first; priority is 0..1000.
local function prioScore(priority, id)
  return (1000 - priority) * 4294967296 + (tonumber(id) % 4294967296)
end

-- Makes a job runnable now: into the priority zset or the tail of the ready list.
local function pushReady(readyKey, prioKey, id, priority)
  if priority > 0 then
    redis.call('ZADD', prioKey, prioScore(priority, id), id)
  else
    redis.call('RPUSH', readyKey, id)
  end
end

-- Keeps a finished-jobs zset within its retention (count and age), a bounded chunk per call.
local function trimFinished(base, zkey, keepCount, keepAgeMs, now)
  if keepCount >= 0 then
    local excess = redis.call('ZCARD', zkey) - keepCount
    if excess > 0 then
      local popped = redis.call('ZPOPMIN', zkey, math.min(excess, 200))
      for i = 1, #popped, 2 do
        redis.call('DEL', jobKey(base, popped[i]))
      end
    end
  end
  if keepAgeMs > 0 then
    local old = redis.call('ZRANGEBYSCORE', zkey, '-inf', now - keepAgeMs, 'LIMIT', 0, 200)
    for i = 1, #old do
      redis.call('DEL', jobKey(base, old[i]))
    end
    if #old > 0 then
      redis.call('ZREM', zkey, unpack(old))
    end
  end
end

-- Moves a job to a finished zset (success or cancelled), or deletes it when nothing is kept.
local function finish(base, zkey, id, state, now, keepCount)
  if keepCount == 0 then
    redis.call('DEL', jobKey(base, id))
  else
    redis.call('HSET', jobKey(base, id), 's', state, 'f', now)
    redis.call('ZADD', zkey, now, id)
  end
end

local function deadLetter(base, dlqKey, id, err, stack, now)
  redis.call('HSET', jobKey(base, id), 's', 'failed', 'f', now, 'e', err, 'x', stack)
  redis.call('ZADD', dlqKey, now, id)
end

local function scheduleRetry(base, retryKey, id, err, stack, due)
  redis.call('HSET', jobKey(base, id), 's', 'retrying', 'd', due, 'e', err, 'x', stack)
  redis.call('ZADD', retryKey, due, id)
end
