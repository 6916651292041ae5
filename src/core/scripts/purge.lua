-- purge: deletes up to ARGV[3] jobs of a finished-jobs zset whose score (finish time) is
-- at most ARGV[2]; callers loop until it returns 0, so no call blocks Redis for long.
-- KEYS[1] the zset (dlq, done or cancelled)
-- ARGV[1] base   ARGV[2] cutoff score ('+inf' for all)   ARGV[3] chunk size
-- Returns how many jobs were deleted.
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[2], 'LIMIT', 0, tonumber(ARGV[3]))
if #ids == 0 then return 0 end
local outcome = removedOutcome(ARGV[1], KEYS[1])
for _, id in ipairs(ids) do
  if outcome then rememberOutcome(ARGV[1], id, outcome) end
  deleteJob(ARGV[1], id)
end
redis.call('ZREM', KEYS[1], unpack(ids))
return #ids
