-- fire: fires ticks of one cron schedule. The caller (any worker's scheduler) computed the
-- ticks and the next run from the definition and next run it read; this script applies them
-- only if both are still what the caller saw (compare-and-set), so of N racing workers
-- exactly one fires a tick, and no lock is left behind by a worker that dies.
-- KEYS[1] seq  KEYS[2] ready  KEYS[3] prio  KEYS[4] delayed  KEYS[5] marker
-- KEYS[6] schedules  KEYS[7] scheduleDue  KEYS[8] scheduleState  KEYS[9] scheduleWaiting
-- KEYS[10] this schedule's history list
-- ARGV[1] base  ARGV[2] schedule name
-- ARGV[3] mode: 'tick' (due ticks; advances the next run), 'trigger' (fire now, no policy),
--   'release' (queue-one: enqueue the held tick once the last run has ended)
-- ARGV[4] the definition JSON the caller planned with (must equal the stored one)
-- ARGV[5] 'tick': the next run the caller saw (must equal the scheduleDue score)
-- ARGV[6] 'tick': the new next run (-1: none, the schedule is done)
-- ARGV[7] overlap: allow | skip | queue-one    ARGV[8] history length kept
-- ARGV[9] idempotency window ms    ARGV[10] caller's clock (ms)    ARGV[11] queue-one recheck ms
-- ARGV[12] first and ARGV[13] last tick dropped by the misfire policy (-1: none)
-- ARGV[14..18] the job's 5 enqueue fields (see enqueue.lua; the idempotency key is set here)
-- ARGV[19] number of ticks, then the ticks (epoch ms, oldest first)
-- Returns {'OK', tick1, outcome1, jobId1, ...} with outcome fired | skipped | queued |
-- triggered, or {'STALE'} (someone else fired or the schedule changed) or {'NOT_FOUND'}.
local base, name, mode = ARGV[1], ARGV[2], ARGV[3]
local stored = redis.call('HGET', KEYS[6], name)
if not stored then return {'NOT_FOUND'} end
if stored ~= ARGV[4] then return {'STALE'} end
if mode == 'tick' then
  local due = redis.call('ZSCORE', KEYS[7], name)
  if not due or tonumber(due) ~= tonumber(ARGV[5]) then return {'STALE'} end
  if tonumber(ARGV[6]) >= 0 then
    redis.call('ZADD', KEYS[7], ARGV[6], name)
  else
    redis.call('ZREM', KEYS[7], name)
  end
end

local overlap, keepHistory, clock = ARGV[7], tonumber(ARGV[8]), ARGV[10]
local lastField, queuedField = name .. ':last', name .. ':queued'
local job = {}
for i = 1, 5 do job[i] = ARGV[13 + i] end
local q = {base = base, seq = KEYS[1], prio = KEYS[3], delayed = KEYS[4], now = nowMs(), idemTtl = tonumber(ARGV[9])}
local out = {'OK'}
local firedAny = false

local function record(tick, outcome, id, extra)
  local entry = '{"tick":' .. tick .. ',"at":' .. clock .. ',"outcome":"' .. outcome .. '","jobId":'
  if id then entry = entry .. '"' .. id .. '"' else entry = entry .. 'null' end
  redis.call('LPUSH', KEYS[10], entry .. (extra or '') .. '}')
  if outcome ~= 'missed' then
    out[#out + 1] = tick; out[#out + 1] = outcome; out[#out + 1] = id or ''
  end
end

local function lastState()
  local last = redis.call('HGET', KEYS[8], lastField)
  if not last then return nil, nil end
  return redis.call('HGET', jobKey(base, last), 's'), last
end

local function fire(tick, outcome, tag)
  job[5] = 'cron:' .. name .. ':' .. tag
  local id, _, toReady = addJob(q, job, 0, {'sn', name, 'st', tick})
  if toReady then redis.call('RPUSH', KEYS[2], id) end
  redis.call('HSET', KEYS[8], lastField, id)
  firedAny = true
  record(tick, outcome, id)
end

-- queue-one: the held tick runs once the run it waited for has ended.
local function release()
  local held = redis.call('HGET', KEYS[8], queuedField)
  if not held then
    redis.call('ZREM', KEYS[9], name)
    return
  end
  local state = lastState()
  if state == 'running' or state == 'retrying' or state == 'pending' then
    redis.call('ZADD', KEYS[9], tonumber(clock) + tonumber(ARGV[11]), name)
    return
  end
  redis.call('HDEL', KEYS[8], queuedField)
  redis.call('ZREM', KEYS[9], name)
  fire(held, 'fired', held)
end

if mode == 'trigger' then
  fire(clock, 'triggered', 'trigger:' .. clock)
elseif mode == 'release' then
  release()
else
  if tonumber(ARGV[12]) >= 0 then
    record(ARGV[13], 'missed', nil, ',"from":' .. ARGV[12])
  end
  if overlap == 'queue-one' then release() end
  for i = 1, tonumber(ARGV[19]) do
    local tick = ARGV[19 + i]
    local state, last = lastState()
    if overlap == 'skip' and (state == 'pending' or state == 'running' or state == 'retrying') then
      record(tick, 'skipped', last)
    elseif overlap == 'queue-one' and (state == 'running' or state == 'retrying') then
      if redis.call('HSETNX', KEYS[8], queuedField, tick) == 1 then
        redis.call('ZADD', KEYS[9], tonumber(clock) + tonumber(ARGV[11]), name)
        record(tick, 'queued', nil)
      else
        record(tick, 'skipped', last)
      end
    elseif overlap == 'queue-one' and state == 'pending' then
      record(tick, 'skipped', last)
    else
      fire(tick, 'fired', tick)
    end
  end
end

redis.call('LTRIM', KEYS[10], 0, keepHistory - 1)
-- Wake a blocked worker for the new job.
if firedAny then redis.call('ZADD', KEYS[5], 0, 'w') end
return out
