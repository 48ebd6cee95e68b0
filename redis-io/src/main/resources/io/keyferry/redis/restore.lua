-- RESTORE KEYS[1] from a DUMP payload, atomically, only if it is as expected: absent
-- (ARGV[1] == ''), or holding exactly the value whose DUMP payload is ARGV[1] (a replace).
-- Returns 0, touching nothing, when the key is not as expected.
-- ARGV: expectation, ttl ms (<= 0: persistent), payload.
-- With ARGV[1] == 'many' (never an expectation, see write.lua), KEYS are several keys to restore
-- if absent and ARGV holds a ttl and a payload for each in turn; the reply lists per key 1, 0 or
-- the error that key met.
local function restore(key, expected, ttl, payload)
  if expected == '' then
    if redis.call('EXISTS', key) == 1 then
      return 0
    end
    redis.call('RESTORE', key, math.max(tonumber(ttl), 0), payload)
  else
    if redis.call('DUMP', key) ~= expected then
      return 0
    end
    redis.call('RESTORE', key, math.max(tonumber(ttl), 0), payload, 'REPLACE')
  end
  return 1
end

if ARGV[1] ~= 'many' then
  return restore(KEYS[1], ARGV[1], ARGV[2], ARGV[3])
end
local done = {}
for i = 1, #KEYS do
  local ok, r = pcall(restore, KEYS[i], '', ARGV[2 * i], ARGV[2 * i + 1])
  done[i] = ok and r or (type(r) == 'table' and r.err or tostring(r))
end
return done
