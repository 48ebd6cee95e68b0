-- A stream's bookkeeping without its entries (those are read in XRANGE windows):
-- {last-generated-id, {group name, last-delivered-id, ...}}. Scripts see XINFO's maps as flat
-- name/value arrays whatever the connection's protocol, which is why this is a script.
-- field() is snapshot.lua's, put in front of this.
local groups = {}
for _, g in ipairs(redis.call('XINFO', 'GROUPS', KEYS[1])) do
  groups[#groups + 1] = field(g, 'name')
  groups[#groups + 1] = field(g, 'last-delivered-id')
end
return {field(redis.call('XINFO', 'STREAM', KEYS[1]), 'last-generated-id'), groups}
