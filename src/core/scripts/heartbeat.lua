-- heartbeat: renews the leases a worker holds.
-- KEYS[1] active
-- ARGV[1] base   ARGV[2] leaseMs   then pairs: id, leaseToken
-- Returns one status per job: 1 renewed, 0 lease lost (another worker owns it or it finished),
-- 2 renewed and cancellation was requested.
local base = ARGV[1]
local deadline = nowMs() + tonumber(ARGV[2])
local out = {}
for i = 3, #ARGV, 2 do
  local id = ARGV[i]
  local cur = redis.call('HMGET', jobKey(base, id), 's', 'l', 'cx')
  if cur[1] == 'running' and cur[2] == ARGV[i + 1] then
    redis.call('ZADD', KEYS[1], 'XX', deadline, id .. ':' .. ARGV[i + 1])
    out[#out + 1] = (cur[3] == '1') and 2 or 1
  else
    out[#out + 1] = 0
  end
end
return out
