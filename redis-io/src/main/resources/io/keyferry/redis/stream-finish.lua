-- The bookkeeping of a stream copied in chunks (KEYS[1], its entries already added): new ids
-- continue after the source's (ARGV[1], its last-generated-id), and each consumer group starts
-- where the source's stood (ARGV[2..]: name, last-delivered-id pairs).
redis.call('XSETID', KEYS[1], ARGV[1])
for i = 2, #ARGV, 2 do
  redis.call('XGROUP', 'CREATE', KEYS[1], ARGV[i], ARGV[i + 1])
end
return 1
