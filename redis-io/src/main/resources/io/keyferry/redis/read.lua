-- One consistent snapshot of a key: type, remaining TTL and whole value, read atomically.
-- ARGV[1] == 'dump' also returns DUMP's payload, from the same instant as the value, so that
-- what is restored and what is hashed cannot differ.
-- A key over the limits ARGV[2] (elements of a collection) or ARGV[3] (bytes of a string) is
-- not read here at all: the reply is {type, ttl, length} (length an integer), and the caller
-- reads it in chunks.
-- Reply: {type, ttl, value} or, with 'dump', {type, ttl, payload, value}; value is missing
-- for a type with no struct form, {'none'} for a missing key.
local t = redis.call('TYPE', KEYS[1])['ok']
if t == 'none' then
  return {'none'}
end
local ttl = redis.call('PTTL', KEYS[1])
local lengths = {string = 'STRLEN', hash = 'HLEN', list = 'LLEN', set = 'SCARD', zset = 'ZCARD', stream = 'XLEN'}
if lengths[t] then
  local n = redis.call(lengths[t], KEYS[1])
  if n > tonumber(t == 'string' and ARGV[3] or ARGV[2]) then
    return {t, ttl, n}
  end
end
local head = {t, ttl}
if ARGV[1] == 'dump' then
  head[3] = redis.call('DUMP', KEYS[1])
end

-- XINFO replies are maps, flattened to name/value arrays for scripts (RESP2): look names up.
local function field(map, name)
  for i = 1, #map, 2 do
    if map[i] == name then
      return map[i + 1]
    end
  end
  return nil
end

local v
if t == 'string' then
  v = redis.call('GET', KEYS[1])
elseif t == 'hash' then
  v = redis.call('HGETALL', KEYS[1])
elseif t == 'list' then
  v = redis.call('LRANGE', KEYS[1], 0, -1)
elseif t == 'set' then
  v = redis.call('SMEMBERS', KEYS[1])
elseif t == 'zset' then
  v = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
elseif t == 'stream' then
  -- {entries, last-generated-id, {group name, last-delivered-id, ...}}
  local groups = {}
  for _, g in ipairs(redis.call('XINFO', 'GROUPS', KEYS[1])) do
    groups[#groups + 1] = field(g, 'name')
    groups[#groups + 1] = field(g, 'last-delivered-id')
  end
  v = {redis.call('XRANGE', KEYS[1], '-', '+'),
       field(redis.call('XINFO', 'STREAM', KEYS[1]), 'last-generated-id'),
       groups}
else
  return head
end
head[#head + 1] = v
return head
