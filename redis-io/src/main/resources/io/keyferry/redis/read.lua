-- One consistent snapshot of a key: type, remaining TTL and whole value, read atomically.
-- ARGV[1] == 'dump' also returns DUMP's payload, from the same instant as the value, so that
-- what is restored and what is hashed cannot differ. ARGV[1] == 'dump-only' returns the payload
-- without the value (but a stream's): the client reads the value from the payload itself.
-- A key over the limits ARGV[2] (elements of a collection) or ARGV[3] (bytes of a string) is
-- not read here at all: the reply is {type, ttl, length} (length an integer), and the caller
-- reads it in chunks.
-- Reply: {type, ttl, value} or, with 'dump', {type, ttl, payload, value}; value is missing
-- with 'dump-only' and for a type with no struct form; {'none'} for a missing key; a packed value
-- (below) is a string.
-- With ARGV[4] == 'many', KEYS are several keys (a standalone server, or one slot) and the reply
-- is the list of their replies, in order: one call instead of one per key saves each key the
-- command's round of work in the client and the server.

local flags = {dump = true, ['dump-only'] = 'only'}

local function read(key)
  return snapshot(key, flags[ARGV[1]] or false, tonumber(ARGV[2]), tonumber(ARGV[3]))
end

if ARGV[4] == 'many' then
  local all = {}
  for i = 1, #KEYS do
    all[i] = read(KEYS[i])
  end
  return all
end
return read(KEYS[1])
