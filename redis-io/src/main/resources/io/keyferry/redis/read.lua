-- One consistent snapshot of a key: type, remaining TTL and whole value, read atomically.
-- ARGV[1] == 'dump' also returns DUMP's payload, from the same instant as the value, so that
-- what is restored and what is hashed cannot differ.
-- A key over the limits ARGV[2] (elements of a collection) or ARGV[3] (bytes of a string) is
-- not read here at all: the reply is {type, ttl, length} (length an integer), and the caller
-- reads it in chunks.
-- Reply: {type, ttl, value} or, with 'dump', {type, ttl, payload, value}; value is missing
-- for a type with no struct form, {'none'} for a missing key.
-- With ARGV[4] == 'many', KEYS are several keys (a standalone server, or one slot) and the reply
-- is the list of their replies, in order: one call instead of one per key saves each key the
-- command's round of work in the client and the server.

local lengths = {string = 'STRLEN', hash = 'HLEN', list = 'LLEN', set = 'SCARD', zset = 'ZCARD', stream = 'XLEN'}

-- XINFO replies are maps, flattened to name/value arrays for scripts (RESP2): look names up.
local function field(map, name)
  for i = 1, #map, 2 do
    if map[i] == name then
      return map[i + 1]
    end
  end
  return nil
end

local function read(key)
  local t = redis.call('TYPE', key)['ok']
  if t == 'none' then
    return {'none'}
  end
  local ttl = redis.call('PTTL', key)
  if lengths[t] then
    local n = redis.call(lengths[t], key)
    if n > tonumber(t == 'string' and ARGV[3] or ARGV[2]) then
      return {t, ttl, n}
    end
  end
  local head = {t, ttl}
  if ARGV[1] == 'dump' then
    head[3] = redis.call('DUMP', key)
  end

  local v
  if t == 'string' then
    v = redis.call('GET', key)
  elseif t == 'hash' then
    v = redis.call('HGETALL', key)
  elseif t == 'list' then
    v = redis.call('LRANGE', key, 0, -1)
  elseif t == 'set' then
    v = redis.call('SMEMBERS', key)
  elseif t == 'zset' then
    v = redis.call('ZRANGE', key, 0, -1, 'WITHSCORES')
  elseif t == 'stream' then
    -- {entries, last-generated-id, {group name, last-delivered-id, ...}}
    local groups = {}
    for _, g in ipairs(redis.call('XINFO', 'GROUPS', key)) do
      groups[#groups + 1] = field(g, 'name')
      groups[#groups + 1] = field(g, 'last-delivered-id')
    end
    v = {redis.call('XRANGE', key, '-', '+'),
         field(redis.call('XINFO', 'STREAM', key), 'last-generated-id'),
         groups}
  else
    return head
  end
  head[#head + 1] = v
  return head
end

if ARGV[4] == 'many' then
  local all = {}
  for i = 1, #KEYS do
    all[i] = read(KEYS[i])
  end
  return all
end
return read(KEYS[1])
