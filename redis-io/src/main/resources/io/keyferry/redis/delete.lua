-- Delete KEYS[1] only if it still holds exactly the value whose DUMP payload is ARGV[1]:
-- rollback never removes what someone else wrote after the run. Returns 1 when deleted.
if redis.call('DUMP', KEYS[1]) ~= ARGV[1] then
  return 0
end
redis.call('DEL', KEYS[1])
return 1
