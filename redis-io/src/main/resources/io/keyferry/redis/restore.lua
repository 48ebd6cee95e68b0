-- RESTORE KEYS[1] from a DUMP payload, atomically, only if it is as expected: absent
-- (ARGV[1] == ''), or holding exactly the value whose DUMP payload is ARGV[1] (a replace).
-- Returns 0, touching nothing, when the key is not as expected.
-- ARGV: expectation, ttl ms (<= 0: persistent), payload.
if ARGV[1] == '' then
  if redis.call('EXISTS', KEYS[1]) == 1 then
    return 0
  end
  redis.call('RESTORE', KEYS[1], math.max(tonumber(ARGV[2]), 0), ARGV[3])
else
  if redis.call('DUMP', KEYS[1]) ~= ARGV[1] then
    return 0
  end
  redis.call('RESTORE', KEYS[1], math.max(tonumber(ARGV[2]), 0), ARGV[3], 'REPLACE')
end
return 1
