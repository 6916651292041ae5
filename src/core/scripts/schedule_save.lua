-- schedule_save: creates or changes a cron schedule's definition and its next run at once.
-- KEYS[1] schedules  KEYS[2] scheduleDue
-- ARGV[1] name  ARGV[2] definition JSON
-- ARGV[3] mode: 'add' (refused if the name exists) | 'upsert' | 'update' (refused if it does not)
-- ARGV[4] 'update': the definition JSON the change was based on ('' : no check)
-- ARGV[5] next run (epoch ms; -1: none, e.g. paused)
-- ARGV[6] '1': keep the stored next run when there is one (the timing did not change)
-- Returns {'OK'} | {'EXISTS'} | {'NOT_FOUND'} | {'STALE'} (changed meanwhile; read again)
local name, json, mode = ARGV[1], ARGV[2], ARGV[3]
local current = redis.call('HGET', KEYS[1], name)
if mode == 'add' and current then return {'EXISTS'} end
if mode == 'update' then
  if not current then return {'NOT_FOUND'} end
  if ARGV[4] ~= '' and ARGV[4] ~= current then return {'STALE'} end
end
redis.call('HSET', KEYS[1], name, json)
local nextRun = tonumber(ARGV[5])
if nextRun < 0 then
  redis.call('ZREM', KEYS[2], name)
elseif not (ARGV[6] == '1' and redis.call('ZSCORE', KEYS[2], name)) then
  redis.call('ZADD', KEYS[2], nextRun, name)
end
return {'OK'}
