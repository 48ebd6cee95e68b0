-- A stream's bookkeeping without its entries (those are read in XRANGE windows):
-- {last-generated-id, {group name, last-delivered-id, ...}}. Scripts see XINFO's maps as flat
-- name/value arrays whatever the connection's protocol, which is why this is a script.
local function field(map, name)
  for i = 1, #map, 2 do
    if map[i] == name then
      return map[i + 1]
    end
  end
  return nil
end
local groups = {}
for _, g in ipairs(redis.call('XINFO', 'GROUPS', KEYS[1])) do
  groups[#groups + 1] = field(g, 'name')
  groups[#groups + 1] = field(g, 'last-delivered-id')
end
return {field(redis.call('XINFO', 'STREAM', KEYS[1]), 'last-generated-id'), groups}
