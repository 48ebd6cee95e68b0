-- The snapshot of one key, shared by the scripts that read keys (read.lua, and restore.lua for
-- its read-back): RedisStore puts this in front of each of them.

-- A hash, list, set or sorted set's value is packed into one MessagePack string where the server
-- has cmsgpack (Redis, Valkey): the client then decodes one reply instead of one per element,
-- which was its largest cost. Without it the value is an array as before; the client takes both.
local pack = rawget(_G, 'cmsgpack')
pack = pack and pack.pack
local packs = {hash = true, list = true, set = true, zset = true}

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

-- snapshot(key, dump, maxElements, maxBytes): one key's reply as read.lua documents it; dump is
-- false, true, or 'only' (the payload without the value, see read.lua).
local function snapshot(key, dump, maxElements, maxBytes)
  local t = redis.call('TYPE', key)['ok']
  if t == 'none' then
    return {'none'}
  end
  local ttl = redis.call('PTTL', key)
  if lengths[t] then
    local n = redis.call(lengths[t], key)
    if n > (t == 'string' and maxBytes or maxElements) then
      return {t, ttl, n}
    end
  end
  local head = {t, ttl}
  if dump then
    head[3] = redis.call('DUMP', key)
    -- the client reads the value from the payload itself; a stream's it cannot
    if dump == 'only' and t ~= 'stream' then
      return head
    end
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
  if pack and packs[t] then
    v = pack(v)
  end
  head[#head + 1] = v
  return head
end

