-- dlq_retry: failed -> pending with attempts reset, for each given id.
-- KEYS[1] dlq  KEYS[2] ready  KEYS[3] prio  KEYS[4] marker
-- ARGV[1] base   then job ids
-- Returns one status per id: 1 retried, 0 not failed, -1 not found; then the states of the
-- refused ones as a second array.
local base = ARGV[1]
local now = nowMs()
local out, states = {}, {}
local any = false
for i = 2, #ARGV do
  local id = ARGV[i]
  local key = jobKey(base, id)
  local cur = redis.call('HMGET', key, 's', 'pr')
  if not cur[1] then
    out[#out + 1] = -1; states[#states + 1] = ''
  elseif cur[1] ~= 'failed' then
    out[#out + 1] = 0; states[#states + 1] = cur[1]
  else
    redis.call('ZREM', KEYS[1], id)
    redis.call('HSET', key, 's', 'pending', 'a', 0, 'd', now)
    redis.call('HDEL', key, 'f', 'sa', 'e', 'x', 'r', 'g', 'cx', 'w')
    pushReady(KEYS[2], KEYS[3], id, tonumber(cur[2] or '0'))
    emit(base, 'enqueued', id, {'t', redis.call('HGET', key, 't'), 'retry', 'dlq'})
    out[#out + 1] = 1; states[#states + 1] = 'pending'
    any = true
  end
end
if any then redis.call('ZADD', KEYS[4], 0, 'w') end
return {out, states}
