-- claim: the worker's one round trip. Settles finished jobs, claims up to N ready jobs, and
-- does the queue's upkeep (recover expired leases, promote due delayed/retrying jobs, trim by
-- age) when asked or when the ready jobs ran short, so a busy worker pays for upkeep only
-- every so often instead of on every call.
-- KEYS[1] ready  KEYS[2] prio  KEYS[3] delayed  KEYS[4] retry  KEYS[5] active
-- KEYS[6] done   KEYS[7] dlq   KEYS[8] cancelled KEYS[9] meta  KEYS[10] marker
-- ARGV[1] base   ARGV[2] leaseMs   ARGV[3] how many jobs to claim
-- ARGV[4] keep-finished count (-1: all, 0: none)   ARGV[5] keep-finished age ms (0: no limit)
-- ARGV[6] upkeep: '1' to do it in any case
-- ARGV[7] the claiming worker's registration id ('' none), stamped on each job it takes
-- ARGV[8] number of outcomes; then 5 fields per outcome: id, leaseToken, kind, a, b
--   kind 'ok':   a = result JSON ('' none)
--   kind 'fail': a = error message, b = stack; the field after b: retry delay ms (-1: permanent)
--   kind 'back': hand the job back unstarted or unfinished, attempt not counted; a = a note for
--                the job's error field ('' none); the field after b: delay ms (0: at once, at the
--                head of its priority; more: scheduled that much later)
-- (a 'fail' or 'back' outcome has a 6th field, so outcomes are read with a cursor.)
-- A job whose cancel was requested (cx) ends cancelled whatever its outcome says.
-- Every outcome but a success, and every expired lease, adds an entry to the job's attempt
-- history (recordAttempt); a success adds nothing.
-- Returns { settled statuses (1 applied, 0 lease lost, 2 applied as cancelled), claimed jobs
--   flattened (id, token, type, payload, attempts, maxAttempts, timeout, backoffBase,
--   backoffCap, createdAt, due), ms until the next delayed job, retry or lease deadline is due
--   (-1 none, only when fewer jobs than asked were claimed), paused (0/1), upkeep done (0/1),
--   the server's time in ms }
local base = ARGV[1]
local leaseMs = tonumber(ARGV[2])
local want = tonumber(ARGV[3])
local keepCount = tonumber(ARGV[4])
local keepAge = tonumber(ARGV[5])
local upkeepAsked = ARGV[6] == '1'
local workerId = ARGV[7]
local nOutcomes = tonumber(ARGV[8])
local now = nowMs()
local meta = redis.call('HMGET', KEYS[9], 'paused', 'events', 'cancels')
local paused = meta[1] == '1'
eventCap = tonumber(meta[2] or '0')
-- while no running job has a cancel request, a success is recorded without reading its job
local cancelsAsked = tonumber(meta[3] or '0') > 0

-- 1. settle outcomes, each fenced by its lease: the active zset holds `id:token` exactly while
-- that attempt owns the job, so one batched lookup tells which outcomes still count.
local ids, tokens, kinds, as, bs, delays, members = {}, {}, {}, {}, {}, {}, {}
local cursor = 9
for i = 1, nOutcomes do
  ids[i], tokens[i], kinds[i] = ARGV[cursor], ARGV[cursor + 1], ARGV[cursor + 2]
  as[i], bs[i], delays[i] = ARGV[cursor + 3], ARGV[cursor + 4], -1
  cursor = cursor + 5
  if kinds[i] ~= 'ok' then
    delays[i] = tonumber(ARGV[cursor])
    cursor = cursor + 1
  end
  members[i] = ids[i] .. ':' .. tokens[i]
end
local held = {}
if nOutcomes == 1 then
  held[1] = redis.call('ZREM', KEYS[5], members[1]) == 1
elseif nOutcomes > 1 then
  held = callMany('ZMSCORE', KEYS[5], members)
  local owned = {}
  for i = 1, nOutcomes do
    if held[i] then owned[#owned + 1] = members[i] end
  end
  if #owned > 0 then callMany('ZREM', KEYS[5], owned) end
end

-- Back to pending, the attempt not counted: at the head of its priority at once (shutdown), or
-- scheduled `delay` ms later (no handler on this worker, or this worker still runs an older
-- attempt of it).
local function handBack(id, key, attempts, priority, note, delay)
  local fields = {'s', 'pending', 'a', attempts - 1, 'd', now + delay}
  if note ~= '' then fields[#fields + 1] = 'e'; fields[#fields + 1] = note end
  redis.call('HSET', key, unpack(fields))
  if delay > 0 then
    redis.call('ZADD', KEYS[3], now + delay, id)
    -- idle workers recompute how long to wait
    redis.call('ZADD', KEYS[10], 0, 'w')
  elseif priority > 0 then
    redis.call('ZADD', KEYS[2], prioScore(priority, id), id)
  else
    redis.call('LPUSH', KEYS[1], id)
  end
end

local statuses = {}
local doomed = {}
local finishedSome, cancelledSome = false, false
for i = 1, nOutcomes do
  local id, kind, a, b = ids[i], kinds[i], as[i], bs[i]
  local key = jobKey(base, id)
  if not held[i] then
    statuses[i] = 0
  elseif kind == 'ok' and keepCount == 0 and eventCap <= 0 and not cancelsAsked then
    -- the common fast path: nothing to record, nothing to tell
    doomed[#doomed + 1] = key
    doomed[#doomed + 1] = payloadKey(base, id)
    -- an earlier attempt may have failed
    doomed[#doomed + 1] = historyKey(base, id)
    statuses[i] = 1
  else
    local cur = redis.call('HMGET', key, 'a', 'm', 'cx', 't', 'e', 'pr', 'sa', 'w')
    local ev = {'t', cur[4], 'a', cur[1]}
    statuses[i] = 1
    local function record(outcome, err) recordAttempt(base, id, cur[1], cur[7], cur[8], outcome, err, now) end
    if cur[3] == '1' then
      -- cancel requested before this outcome was recorded: cancelled, whatever the attempt did
      local note = a
      if kind == 'ok' then
        note = 'cancelled; the handler had already finished'
        if a ~= '' and keepCount ~= 0 then redis.call('HSET', key, 'r', a) end
      elseif kind == 'back' then
        note = 'cancelled; the worker had stopped the attempt unfinished'
      end
      record('cancelled', note)
      endCancelled(base, KEYS[9], KEYS[8], id, note, now)
      cancelledSome = true
      emit(base, 'cancelled', id, ev)
      statuses[i] = 2
    elseif kind == 'ok' then
      -- a success keeps no error of an earlier attempt
      if cur[5] then redis.call('HDEL', key, 'e', 'x') end
      finish(base, KEYS[6], id, 'success', now, keepCount, (a ~= '' and keepCount ~= 0) and {'r', a} or nil)
      finishedSome = true
      emit(base, 'succeeded', id, ev)
    elseif kind == 'back' then
      record('handed-back', a)
      handBack(id, key, tonumber(cur[1]), tonumber(cur[6] or '0'), a, delays[i])
    else
      ev[#ev + 1] = 'err'; ev[#ev + 1] = a
      emit(base, 'failed', id, ev)
      if delays[i] >= 0 and tonumber(cur[1]) < tonumber(cur[2]) then
        record('retrying', a)
        scheduleRetry(base, KEYS[4], id, a, b, now + delays[i])
        -- idle workers recompute how long to wait: the retry may be due before they would look
        redis.call('ZADD', KEYS[10], 0, 'w')
        ev[#ev + 1] = 'due'; ev[#ev + 1] = now + delays[i]
        emit(base, 'retrying', id, ev)
      else
        record('failed', a)
        deadLetter(base, KEYS[7], id, a, b, now)
        emit(base, 'dead-lettered', id, ev)
      end
    end
  end
end
if #doomed > 0 then callMany('DEL', nil, doomed) end
if finishedSome and keepCount > 0 then trimFinished(base, KEYS[6], keepCount, 0, now) end

-- 2. upkeep: recover jobs whose lease expired (their worker died or froze)
local function recoverExpired()
  local expired = redis.call('ZRANGEBYSCORE', KEYS[5], '-inf', now, 'LIMIT', 0, 100)
  for _, member in ipairs(expired) do
    redis.call('ZREM', KEYS[5], member)
    local id = leaseJobId(member)
    local key = jobKey(base, id)
    local cur = redis.call('HMGET', key, 'a', 'm', 'cx', 't', 'sa', 'w')
    local msg = 'lease expired: the worker running this job stopped responding'
    recordAttempt(base, id, cur[1], cur[5], cur[6], 'lease-expired', msg, now)
    local ev = {'t', cur[4] or '', 'a', cur[1] or '0', 'err', msg}
    emit(base, 'stalled', id, ev)
    if cur[3] == '1' then
      endCancelled(base, KEYS[9], KEYS[8], id, msg, now)
      cancelledSome = true
      emit(base, 'cancelled', id, ev)
    elseif tonumber(cur[1]) < tonumber(cur[2]) then
      scheduleRetry(base, KEYS[4], id, msg, '', now)
      emit(base, 'retrying', id, ev)
    else
      deadLetter(base, KEYS[7], id, msg, '', now)
      emit(base, 'dead-lettered', id, ev)
    end
  end
end

-- 3. upkeep: promote due delayed and retrying jobs
local function promote(zkey)
  local due = redis.call('ZRANGEBYSCORE', zkey, '-inf', now, 'LIMIT', 0, 500)
  if #due == 0 then return end
  for _, id in ipairs(due) do
    local key = jobKey(base, id)
    redis.call('HSET', key, 's', 'pending')
    pushReady(KEYS[1], KEYS[2], id, tonumber(redis.call('HGET', key, 'pr') or '0'))
  end
  redis.call('ZREM', zkey, unpack(due))
end

local upkeepDone = false
local function upkeep()
  upkeepDone = true
  recoverExpired()
  promote(KEYS[3])
  promote(KEYS[4])
  if keepAge > 0 and keepCount ~= 0 then
    trimFinished(base, KEYS[6], -1, keepAge, now)
    trimFinished(base, KEYS[8], -1, keepAge, now)
  end
end
if upkeepAsked then upkeep() end

-- 4. claim
local claimed = {}
local got = 0
-- leases (score, member pairs) and payload keys of the jobs taken, written and read in one
-- call each once the claim is done
local leases, payloadKeys = {}, {}
local nowText, deadlineText = tostring(now), tostring(now + leaseMs)
local function take(id)
  local key = jobKey(base, id)
  local j = redis.call('HMGET', key, 's', 't', 'a', 'm', 'to', 'bb', 'bc', 'c', 'd', 'l')
  if j[1] ~= 'pending' then return false end
  local attempts = tostring(tonumber(j[3]) + 1)
  local token = tostring(tonumber(j[10] or '0') + 1)
  redis.call('HSET', key, 's', 'running', 'sa', nowText, 'a', attempts, 'l', token, 'w', workerId)
  leases[#leases + 1] = deadlineText
  leases[#leases + 1] = id .. ':' .. token
  payloadKeys[#payloadKeys + 1] = payloadKey(base, id)
  emit(base, 'started', id, {'t', j[2], 'a', attempts})
  local n = #claimed
  claimed[n + 1] = id; claimed[n + 2] = token; claimed[n + 3] = j[2]; claimed[n + 4] = 'null'
  claimed[n + 5] = attempts; claimed[n + 6] = j[4]; claimed[n + 7] = j[5] or '0'
  claimed[n + 8] = j[6] or '-1'; claimed[n + 9] = j[7] or '-1'; claimed[n + 10] = j[8]; claimed[n + 11] = j[9]
  return true
end
local function claimReady()
  if paused or got >= want then return end
  local high = redis.call('ZPOPMIN', KEYS[2], want - got)
  for i = 1, #high, 2 do
    if take(high[i]) then got = got + 1 end
  end
  while got < want do
    local ids = redis.call('LPOP', KEYS[1], want - got)
    if not ids then break end
    for _, id in ipairs(ids) do
      if take(id) then
        got = got + 1
      else
        -- a cancelled job left in the list: forget it
        redis.call('HINCRBY', KEYS[9], 'stale', -1)
      end
    end
  end
end
claimReady()
-- ran short: due delayed or retrying jobs may be waiting to be promoted
if got < want and not upkeepDone then
  upkeep()
  claimReady()
end

if got > 0 then
  callMany('ZADD', KEYS[5], leases)
  local payloads = callMany('MGET', nil, payloadKeys)
  for i = 1, got do
    if payloads[i] then claimed[(i - 1) * 11 + 4] = payloads[i] end
  end
end

-- jobs cancelled through a worker obey the retention of cancelled jobs too
if cancelledSome and keepCount >= 0 then trimFinished(base, KEYS[8], keepCount, 0, now) end

-- how long until the next due time, on this server's clock: a worker never compares Redis
-- times with its own clock
local nextDueIn = -1
if got < want then
  for _, zkey in ipairs({KEYS[3], KEYS[4], KEYS[5]}) do
    local first = redis.call('ZRANGE', zkey, 0, 0, 'WITHSCORES')
    if first[2] then
      local dueIn = math.max(0, tonumber(first[2]) - now)
      if nextDueIn < 0 or dueIn < nextDueIn then nextDueIn = dueIn end
    end
  end
elseif not paused and want > 0 then
  -- perhaps more work is waiting: let another blocked worker look
  redis.call('ZADD', KEYS[10], 0, 'w')
end
return {statuses, claimed, nextDueIn, paused and 1 or 0, upkeepDone and 1 or 0, now}
