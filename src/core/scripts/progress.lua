-- progress: stores a running job's progress report, fenced by its lease token.
-- KEYS none   ARGV[1] base   ARGV[2] id   ARGV[3] leaseToken   ARGV[4] progress JSON
-- Returns 1 stored, 0 lease lost.
local key = jobKey(ARGV[1], ARGV[2])
local cur = redis.call('HMGET', key, 's', 'l')
if cur[1] ~= 'running' or cur[2] ~= ARGV[3] then return 0 end
redis.call('HSET', key, 'g', ARGV[4])
return 1
