-- Reads, atomically, the last applied offset of one partition and the state the stream's feature modules
-- keep for that partition: its robots states (every day still kept) and its open sessions, so that a
-- stream process that takes the partition over starts exactly at the offset it starts fetching after.
-- Called by stream-state.ts (loadPartition); key layout in docs/redis.md.
--
-- KEYS  1 offsets  2 idx:rb
-- ARGV  1 base ("<prefix>{<tag>}:")   2 "topic:partition"
-- Returns {stored offset or -1, {ip, state, ...}, {field, value, ...}}: the encoded robots states
-- (core/robots.ts; each starts with its day) of the hashes rb:<day>:<topic>:<partition>, and the hash
-- ss:<topic>:<partition> of open sessions (core/live-sessions.ts).

local stored = redis.call('HGET', KEYS[1], ARGV[2])
local suffix = ':' .. ARGV[2]
local states = {}
for _, group in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do
  if string.sub(group, -#suffix) == suffix then
    local flat = redis.call('HGETALL', ARGV[1] .. 'rb:' .. group)
    for j = 1, #flat, 2 do
      states[#states + 1] = flat[j]
      states[#states + 1] = flat[j + 1]
    end
  end
end
local sessions = redis.call('HGETALL', ARGV[1] .. 'ss:' .. ARGV[2])
return {stored and tonumber(stored) or -1, states, sessions}
