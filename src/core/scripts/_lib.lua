-- Shared helpers, prepended to every script by scripts/index.ts.
-- Job hash fields: t type, s state, a attempts, m maxAttempts, pr priority,
-- c createdAt, d scheduledFor, sa startedAt, f finishedAt, e error, x stack, r result,
-- g progress, bb/bc backoff base/cap, to timeout, k idempotency key, l lease token,
-- cx cancel requested, sn/st schedule name and tick time (jobs fired by a cron schedule),
-- w the registration id of the worker running (or that ran) the latest attempt.
-- Key suffixes `j:<id>`, `p:<id>`, `h:<id>` and `idem:<key>` mirror keys.ts.

local function nowMs()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

local function jobKey(base, id)
  return base .. 'j:' .. id
end

-- The payload lives in a string of its own: a hash with one long value stops being a compact
-- listpack and costs about twice the memory.
local function payloadKey(base, id)
  return base .. 'p:' .. id
end

-- A running job's member in the active zset is `id:token`, so the lease is its own fence.
local function leaseJobId(member)
  return member:match('^[^:]+')
end

-- Runs a variadic command over a list of any length (unpack() has a limit), in chunks;
-- `key` (or nil) comes first. Returns the replies of list-replying commands concatenated.
local function callMany(command, key, list)
  local out = {}
  for i = 1, #list, 1000 do
    local last = math.min(i + 999, #list)
    local reply
    if key then reply = redis.call(command, key, unpack(list, i, last))
    else reply = redis.call(command, unpack(list, i, last)) end
    if type(reply) == 'table' then
      for j = 1, #reply do out[#out + 1] = reply[j] end
    end
  end
  return out
end

-- The job's attempts that did not succeed, newest first (see recordAttempt); a job's latest
-- attempt, when it is running or succeeded, is read from the job hash instead.
local function historyKey(base, id)
  return base .. 'h:' .. id
end

local function deleteJob(base, id)
  redis.call('DEL', jobKey(base, id), payloadKey(base, id), historyKey(base, id))
end

-- History bounds; mirrored in attempt-history.ts.
local HISTORY_CAP, HISTORY_ERROR_BYTES = 20, 500

-- At most `n` bytes of `text`, never splitting a UTF-8 character.
local function cutText(text, n)
  if #text <= n then return text end
  local stop = n
  while stop > 0 do
    local b = text:byte(stop + 1)
    if b < 128 or b >= 192 then break end
    stop = stop - 1
  end
  return text:sub(1, stop)
end

-- Records an attempt that did not succeed (failed, lease expired, handed back, cancelled) in
-- the job's capped history list. A success is never recorded here, so it costs nothing extra.
-- `attempt`, `startedAt` and `worker` come from the job hash (fields a, sa, w).
local function recordAttempt(base, id, attempt, startedAt, worker, outcome, err, now)
  local entry = cjson.encode({a = attempt or '0', s = startedAt or '', f = tostring(now), w = worker or '',
    o = outcome, e = cutText(err or '', HISTORY_ERROR_BYTES)})
  local key = historyKey(base, id)
  redis.call('LPUSH', key, entry)
  redis.call('LTRIM', key, 0, HISTORY_CAP - 1)
end

-- An idempotency key outlives its job. Before a job that did not succeed is deleted (retention
-- of cancelled jobs, a dead-letter purge), its key is set to `<id>:<outcome>` (TTL kept), so a
-- retry can be told how it ended; a deleted job whose key holds only its id succeeded. So a
-- cancelled or failed job is deleted only through finish, trimFinished or purge.lua.
local function rememberOutcome(base, id, outcome)
  local idem = redis.call('HGET', jobKey(base, id), 'k')
  if not idem then return end
  local key = base .. 'idem:' .. idem
  if redis.call('GET', key) == id then redis.call('SET', key, id .. ':' .. outcome, 'KEEPTTL') end
end

-- The outcome a finished-jobs zset stands for, when it is not success (see rememberOutcome).
local function removedOutcome(base, zkey)
  if zkey == base .. 'cancelled' then return 'cancelled' end
  if zkey == base .. 'dlq' then return 'failed' end
  return nil
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
  local outcome = removedOutcome(base, zkey)
  if keepCount >= 0 then
    local excess = redis.call('ZCARD', zkey) - keepCount
    if excess > 0 then
      local popped = redis.call('ZPOPMIN', zkey, math.min(excess, 200))
      for i = 1, #popped, 2 do
        if outcome then rememberOutcome(base, popped[i], outcome) end
        deleteJob(base, popped[i])
      end
    end
  end
  if keepAgeMs > 0 then
    local old = redis.call('ZRANGEBYSCORE', zkey, '-inf', now - keepAgeMs, 'LIMIT', 0, 200)
    for i = 1, #old do
      if outcome then rememberOutcome(base, old[i], outcome) end
      deleteJob(base, old[i])
    end
    if #old > 0 then
      redis.call('ZREM', zkey, unpack(old))
    end
  end
end

-- Moves a job to a finished zset (success or cancelled), or deletes it when nothing is kept.
-- `extra` (optional) is a flat list of more hash fields written in the same HSET.
local function finish(base, zkey, id, state, now, keepCount, extra)
  if keepCount == 0 then
    if state ~= 'success' then rememberOutcome(base, id, state) end
    deleteJob(base, id)
  else
    local fields = {'s', state, 'f', now}
    if extra then
      for i = 1, #extra do fields[#fields + 1] = extra[i] end
    end
    redis.call('HSET', jobKey(base, id), unpack(fields))
    redis.call('ZADD', zkey, now, id)
  end
end

-- Ends a running job whose cancel was requested (cx, counted in meta `cancels`; see cancel.lua)
-- as cancelled, whatever its attempt did. The caller trims the cancelled zset.
local function endCancelled(base, metaKey, cancelledKey, id, note, now)
  redis.call('HDEL', jobKey(base, id), 'cx')
  redis.call('HINCRBY', metaKey, 'cancels', -1)
  finish(base, cancelledKey, id, 'cancelled', now, 1, {'e', note})
end

local function deadLetter(base, dlqKey, id, err, stack, now)
  redis.call('HSET', jobKey(base, id), 's', 'failed', 'f', now, 'e', err, 'x', stack)
  redis.call('ZADD', dlqKey, now, id)
end

local function scheduleRetry(base, retryKey, id, err, stack, due)
  redis.call('HSET', jobKey(base, id), 's', 'retrying', 'd', due, 'e', err, 'x', stack)
  redis.call('ZADD', retryKey, due, id)
end

-- Appends a state-change event to the queue's capped stream when events are on: the meta
-- field `events` holds the stream's cap (absent or 0: off, and then an event costs one HGET
-- per script call). Extra fields come as a flat list of name, value pairs.
local eventCap = nil
local function eventsOn(base)
  if eventCap == nil then eventCap = tonumber(redis.call('HGET', base .. 'meta', 'events') or '0') end
  return eventCap > 0
end
local function emit(base, event, id, extra)
  if not eventsOn(base) then return end
  redis.call('XADD', base .. 'events', 'MAXLEN', '~', eventCap, '*', 'e', event, 'id', id, unpack(extra or {}))
end

-- Creates one job from the 5 enqueue fields a[o+1] .. a[o+5] (type, payload, maxAttempts,
-- packed options, idempotencyKey; see enqueue.lua). q = {base, seq, prio, delayed, now, idemTtl}. `extra` is an optional flat
-- list of more hash fields (a schedule's job carries sn schedule name, st tick time).
-- Returns id, duplicate (true: the idempotency key was seen, nothing written), and
-- toReady (true: the job is due now at priority 0 and the caller must RPUSH it on ready;
-- callers batch that push).
local function addJob(q, a, o, extra)
  local idem = a[o + 5]
  if idem ~= '' then
    local existing = redis.call('GET', q.base .. 'idem:' .. idem)
    -- the value is the job's id, with `:<outcome>` once a job that did not succeed was deleted
    if existing then return existing:match('^[^:]+'), true, false end
  end
  local now = q.now
  -- a batch reserves its ids with one INCRBY (q.takeId); a lone job takes one with INCR
  local id = q.takeId and q.takeId() or tostring(redis.call('INCR', q.seq))
  -- most jobs take the defaults, and then nothing is parsed: turning text into numbers and
  -- back is a measurable share of an enqueue
  q.nowText = q.nowText or tostring(now)
  local fields = {'t', a[o + 1], 's', 'pending', 'a', '0', 'm', a[o + 3], 'c', q.nowText, 'd', q.nowText}
  local due, priority = now, 0
  if a[o + 4] ~= '' then
    -- delayMs, runAt (-1: now), priority, backoffBase (-1: default), backoffCap, timeoutMs (0: none)
    local delay, runAt, prio, bb, bc, to = a[o + 4]:match('^([^,]+),([^,]+),([^,]+),([^,]+),([^,]+),([^,]+)$')
    priority = tonumber(prio)
    if runAt ~= '-1' then due = tonumber(runAt) elseif delay ~= '0' then due = now + tonumber(delay) end
    if due ~= now then fields[12] = tostring(due) end
    if priority > 0 then fields[#fields + 1] = 'pr'; fields[#fields + 1] = prio end
    if bb ~= '-1' then fields[#fields + 1] = 'bb'; fields[#fields + 1] = bb end
    if bc ~= '-1' then fields[#fields + 1] = 'bc'; fields[#fields + 1] = bc end
    if to ~= '0' then fields[#fields + 1] = 'to'; fields[#fields + 1] = to end
  end
  if idem ~= '' then
    fields[#fields + 1] = 'k'; fields[#fields + 1] = idem
    redis.call('SET', q.base .. 'idem:' .. idem, id, 'PX', q.idemTtl)
  end
  if extra then
    for i = 1, #extra do fields[#fields + 1] = extra[i] end
  end
  redis.call('HSET', jobKey(q.base, id), unpack(fields))
  redis.call('SET', payloadKey(q.base, id), a[o + 2])
  if eventsOn(q.base) then emit(q.base, 'enqueued', id, {'t', a[o + 1]}) end
  if due > now then
    redis.call('ZADD', q.delayed, due, id)
    return id, false, false
  elseif priority > 0 then
    redis.call('ZADD', q.prio, prioScore(priority, id), id)
    return id, false, false
  end
  return id, false, true
end
