-- RESTORE KEYS[1] from a DUMP payload, atomically, only if it is as expected: absent
-- (ARGV[1] == ''), or holding exactly the value whose DUMP payload is ARGV[1] (a replace).
-- Returns 0, touching nothing, when the key is not as expected.
-- ARGV: expectation, expiry (an absolute PEXPIREAT time on this server's clock; <= 0:
-- persistent), payload. Absolute, so that a write that waited (a stalled server, a slow network)
-- still expires when its source does; one in the past leaves no key.
-- With ARGV[1] == 'many' (never an expectation, see write.lua), KEYS are several keys to restore
-- if absent; ARGV[2] and ARGV[3] are read.lua's big-key limits, then ARGV holds an expiry and a
-- payload for each key in turn. The reply lists per key the error that key met, or {done, look}:
-- done 1 or 0 (as above) and the key as it is right after — its PTTL alone when done is 1 and
-- its DUMP is the payload restored (the usual case, and proof that it holds exactly the
-- source's value), else its snapshot as read.lua replies it (snapshot.lua, put in front of this).
-- The read-back in the same call spares the client a round trip and, mostly, a value to decode.
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
  local key, payload = KEYS[i], ARGV[2 * i + 3]
  local ok, r = pcall(restore, key, '', ARGV[2 * i + 2], payload)
  if not ok then
    done[i] = type(r) == 'table' and r.err or tostring(r)
  elseif r == 1 and redis.call('DUMP', key) == payload then
    done[i] = {1, redis.call('PTTL', key)}
  else
    done[i] = {r, snapshot(key, false, maxElements, maxBytes)}
  end
end
return done
