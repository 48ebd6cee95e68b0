-- Write KEYS[1] whole and with its TTL, in one atomic step, but only if it is as expected:
-- absent (ARGV[1] == ''), or holding exactly the value whose DUMP payload is ARGV[1] (a replace).
-- No reader sees it half-written or missing, and a key an application created or changed
-- meanwhile is never touched: the script then returns 0.
-- ARGV: expectation, type, expiry (an absolute PEXPIREAT time on this server's clock; <= 0:
-- persistent; absolute so that a write that waited still expires when its source does), then
-- the value's parts. A stream's parts
-- are: last-generated-id, group count G, G pairs (name, last-delivered-id), then per entry:
-- id, field count N, N pairs (field, value).
-- With ARGV[1] == 'many' (never an expectation: that is '' or a DUMP payload, which ends with
-- ten bytes of version and checksum), KEYS are several keys to create if absent, and ARGV holds
-- for each in turn: type, expiry, the number of its parts, its parts. The reply then lists per
-- key 0 (it existed), the error that key met — one key's failure is its own (what was written
-- before it in the call stays written, as it would have in a call of its own) — or, created,
-- {1, its PTTL}: written whole from exactly these parts in this same atomic step, it holds
-- exactly them, so the read-back needs only its TTL. A stream (XSETID, groups) replies 1 and is
-- read back by the caller.
local function write(key, expected, t, at, first, last)
  if expected == '' then
    if redis.call('EXISTS', key) == 1 then
      return 0
    end
  else
    if redis.call('DUMP', key) ~= expected then
      return 0
    end
    redis.call('DEL', key)
  end
  -- unpack() is limited by Lua's C stack, so long collections go in slices of 1000 arguments
  -- (an even number keeps field/value and score/member pairs together).
  local function push(cmd)
    local i = first
    while i <= last do
      local j = math.min(i + 999, last)
      redis.call(cmd, key, unpack(ARGV, i, j))
      i = j + 1
    end
  end
  if t == 'string' then
    redis.call('SET', key, ARGV[first])
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
    -- One XADD per entry with its explicit id (ids come in order, as XADD demands). An entry's
    -- fields cannot be split over several XADDs, so an entry of more than ~4000 fields fails
    -- on unpack()'s limit (the error propagates).
    while i <= last do
      local nfields = tonumber(ARGV[i + 1])
      redis.call('XADD', key, ARGV[i], unpack(ARGV, i + 2, i + 1 + 2 * nfields))
      i = i + 2 + 2 * nfields
    end
    if redis.call('EXISTS', key) == 0 then
      -- No entries: an empty stream exists in Redis (after XDEL/XTRIM, or made by MKSTREAM)
      -- and must be copied as one. MKSTREAM is the only way to create it without adding an
      -- entry; the helper group is dropped at once, before the real ones are created.
      redis.call('XGROUP', 'CREATE', key, 'keyferry:mkstream', '0', 'MKSTREAM')
      redis.call('XGROUP', 'DESTROY', key, 'keyferry:mkstream')
    end
    -- New ids on the target continue after the source's, even if its last entries were deleted.
    redis.call('XSETID', key, ARGV[first])
    for g = 0, ngroups - 1 do
      redis.call('XGROUP', 'CREATE', key, ARGV[first + 2 + 2 * g], ARGV[first + 3 + 2 * g])
    end
  else
    error({err = 'keyferry: cannot create type ' .. t})
  end
  if at > 0 then
    redis.call('PEXPIREAT', key, at)
  end
  return 1
end

if ARGV[1] ~= 'many' then
  return write(KEYS[1], ARGV[1], ARGV[2], tonumber(ARGV[3]), 4, #ARGV)
end
local done = {}
local at = 2
for i = 1, #KEYS do
  local parts = tonumber(ARGV[at + 2])
  local t = ARGV[at]
  local ok, r = pcall(write, KEYS[i], '', t, tonumber(ARGV[at + 1]), at + 3, at + 2 + parts)
  if not ok then
    done[i] = type(r) == 'table' and r.err or tostring(r)
  elseif r == 1 and t ~= 'stream' then
    done[i] = {1, redis.call('PTTL', KEYS[i])}
  else
    done[i] = r
  end
  at = at + 3 + parts
end
return done
