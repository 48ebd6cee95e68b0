-- RESTORE KEYS[1] from a DUMP payload, atomically, only if it is as expected: absent
-- (ARGV[1] == ''), or holding exactly the value whose DUMP payload is ARGV[1] (a replace).
-- Returns 0, touching nothing, when the key is not as expected.
-- ARGV: expectation, expiry (an absolute PEXPIREAT time on this server's clock; <= 0:
-- persistent), payload. Absolute, so that a write that waited (a stalled server, a slow network)
-- still expires when its source does; one in the past leaves no key.
-- With ARGV[1] == 'many' (never an expectation, see write.lua), KEYS are several keys to restore
-- if absent; ARGV[2] and ARGV[3] are read.lua's big-key limits, then ARGV holds an expiry and a
-- payload for each key in turn. The reply lists per key the error that key met, or what it is
-- right after: {1, its PTTL} when restored, {0, its snapshot as read.lua replies it} when it
-- existed (snapshot.lua, put in front of this). RESTORE without REPLACE refuses a key that exists
-- and, when it answers OK, has put exactly the payload's value there: the read-back in the same
-- call needs only the TTL, two commands a key in all.
local function restore(key, expected, at, payload)
  if expected == '' then
    if redis.call('EXISTS', key) == 1 then
      return 0
    end
    redis.call('RESTORE', key, 0, payload)
  else
    if redis.call('DUMP', key) ~= expected then
      return 0
    end
    redis.call('RESTORE', key, 0, payload, 'REPLACE')
  end
  if tonumber(at) > 0 then
    redis.call('PEXPIREAT', key, at)
  end
  return 1
end

if ARGV[1] ~= 'many' then
  return restore(KEYS[1], ARGV[1], ARGV[2], ARGV[3])
end
local maxElements, maxBytes = tonumber(ARGV[2]), tonumber(ARGV[3])
local done = {}
for i = 1, #KEYS do
  local key, at, payload = KEYS[i], ARGV[2 * i + 2], ARGV[2 * i + 3]
  local ok, r
  if tonumber(at) > 0 then
    ok, r = pcall(redis.call, 'RESTORE', key, at, payload, 'ABSTTL')
  else
    ok, r = pcall(redis.call, 'RESTORE', key, 0, payload)
  end
  -- an error comes as a string or, in some versions, as a table with err
  local err = not ok and (type(r) == 'table' and r.err or tostring(r))
  if ok then
    -- -2 when its expiry had passed already: RESTORE then creates nothing
    done[i] = {1, redis.call('PTTL', key)}
  elseif string.sub(err, 1, 7) == 'BUSYKEY' then
    done[i] = {0, snapshot(key, false, maxElements, maxBytes)}
  else
    done[i] = err
  end
end
return done
