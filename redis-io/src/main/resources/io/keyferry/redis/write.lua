-- Write KEYS[1] whole and with its TTL, in one atomic step, but only if it is as expected:
-- absent (ARGV[1] == ''), or holding exactly the value whose DUMP payload is ARGV[1] (a replace).
-- No reader sees it half-written or missing, and a key an application created or changed
-- meanwhile is never touched: the script then returns 0.
-- ARGV: expectation, type, ttl ms (<= 0: persistent), then the value's parts. A stream's parts
-- are: last-generated-id, group count G, G pairs (name, last-delivered-id), then per entry:
-- id, field count N, N pairs (field, value).
if ARGV[1] == '' then
  if redis.call('EXISTS', KEYS[1]) == 1 then
    return 0
  end
else
  if redis.call('DUMP', KEYS[1]) ~= ARGV[1] then
    return 0
  end
  redis.call('DEL', KEYS[1])
end
local t = ARGV[2]
local ttl = tonumber(ARGV[3])
local first = 4
-- unpack() is limited by Lua's C stack, so long collections go in slices of 1000 arguments
-- (an even number keeps field/value and score/member pairs together).
local function push(cmd)
  local i = first
  local n = #ARGV
  while i <= n do
    local j = math.min(i + 999, n)
    redis.call(cmd, KEYS[1], unpack(ARGV, i, j))
    i = j + 1
  end
end
if t == 'string' then
  redis.call('SET', KEYS[1], ARGV[first])
elseif t == 'hash' then
  push('HSET')
elseif t == 'list' then
  push('RPUSH')
elseif t == 'set' then
  push('SADD')
elseif t == 'zset' then
  push('ZADD')
elseif t == 'stream' then
  local ngroups = tonumber(ARGV[first + 1])
  local i = first + 2 + 2 * ngroups
  local n = #ARGV
  -- One XADD per entry with its explicit id (ids come in order, as XADD demands). An entry's
  -- fields cannot be split over several XADDs, so an entry of more than ~4000 fields fails
  -- on unpack()'s limit (the error propagates).
  while i <= n do
    local nfields = tonumber(ARGV[i + 1])
    redis.call('XADD', KEYS[1], ARGV[i], unpack(ARGV, i + 2, i + 1 + 2 * nfields))
    i = i + 2 + 2 * nfields
  end
  if redis.call('EXISTS', KEYS[1]) == 0 then
    -- No entries: an empty stream exists in Redis (after XDEL/XTRIM, or made by MKSTREAM)
    -- and must be copied as one. MKSTREAM is the only way to create it without adding an
    -- entry; the helper group is dropped at once, before the real ones are created.
    redis.call('XGROUP', 'CREATE', KEYS[1], 'keyferry:mkstream', '0', 'MKSTREAM')
    redis.call('XGROUP', 'DESTROY', KEYS[1], 'keyferry:mkstream')
  end
  -- New ids on the target continue after the source's, even if its last entries were deleted.
  redis.call('XSETID', KEYS[1], ARGV[first])
  for g = 0, ngroups - 1 do
    redis.call('XGROUP', 'CREATE', KEYS[1], ARGV[first + 2 + 2 * g], ARGV[first + 3 + 2 * g])
  end
else
  return redis.error_reply('keyferry: cannot create type ' .. t)
end
if ttl > 0 then
  redis.call('PEXPIRE', KEYS[1], ttl)
end
return 1
