-- Moves a key built in chunks under a temporary name (KEYS[1]) into place (KEYS[2], same hash
-- slot) in one atomic step, but only if the target is as expected: absent (ARGV[1] == ''), or
-- holding exactly the value whose DUMP payload is ARGV[1] (a replace). Readers see no key or the
-- whole new one (or the old one, then the new one), never a part. When the target is not as
-- expected, the temporary key is dropped and the target left untouched: returns 0.
-- ARGV: expectation, expiry (an absolute PEXPIREAT time on this server's clock, as in write.lua;
-- <= 0: persistent).
local ok
if ARGV[1] == '' then
  ok = redis.call('EXISTS', KEYS[2]) == 0
else
  ok = redis.call('DUMP', KEYS[2]) == ARGV[1]
end
if not ok then
  redis.call('UNLINK', KEYS[1])
  return 0
end
redis.call('RENAME', KEYS[1], KEYS[2])
local at = tonumber(ARGV[2])
if at > 0 then
  redis.call('PEXPIREAT', KEYS[2], at)
else
  -- the temporary key carried a safety TTL (so a crashed copy cleans itself up): not the value's
  redis.call('PERSIST', KEYS[2])
end
return 1
