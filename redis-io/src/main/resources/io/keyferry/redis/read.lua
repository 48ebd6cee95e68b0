-- One consistent snapshot of a key: type, remaining TTL and whole value, read atomically.
local t = redis.call('TYPE', KEYS[1])['ok']
if t == 'none' then
  return {'none'}
end
local ttl = redis.call('PTTL', KEYS[1])
local v
if t == 'string' then
  v = redis.call('GET', KEYS[1])
elseif t == 'hash' then
  v = redis.call('HGETALL', KEYS[1])
elseif t == 'list' then
  v = redis.call('LRANGE', KEYS[1], 0, -1)
elseif t == 'set' then
  v = redis.call('SMEMBERS', KEYS[1])
elseif t == 'zset' then
  v = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
else
  return {t, ttl}
end
return {t, ttl, v}
