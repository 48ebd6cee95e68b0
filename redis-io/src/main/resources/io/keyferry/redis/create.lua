-- Create KEYS[1] only if it does not exist, whole and with its TTL, in one atomic step:
-- no reader sees it half-written, and a key an application created meanwhile is never touched.
-- ARGV: type, ttl ms (<= 0: persistent), then the value's parts.
if redis.call('EXISTS', KEYS[1]) == 1 then
  return 0
end
local t = ARGV[1]
local ttl = tonumber(ARGV[2])
-- unpack() is limited by Lua's C stack, so long collections go in slices of 1000 arguments
-- (an even number keeps field/value and score/member pairs together).
local function push(cmd)
  local i = 3
  local n = #ARGV
  while i <= n do
    local j = math.min(i + 999, n)
    redis.call(cmd, KEYS[1], unpack(ARGV, i, j))
    i = j + 1
  end
end
if t == 'string' then
  redis.call('SET', KEYS[1], ARGV[3])
elseif t == 'hash' then
  push('HSET')
elseif t == 'list' then
  push('RPUSH')
elseif t == 'set' then
  push('SADD')
elseif t == 'zset' then
  push('ZADD')
else
  return redis.error_reply('keyferry: cannot create type ' .. t)
end
if ttl > 0 then
  redis.call('PEXPIRE', KEYS[1], ttl)
end
return 1
