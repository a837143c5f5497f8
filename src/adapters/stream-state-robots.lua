-- Reads, atomically, the last applied offset of one partition and the robots states of that partition
-- (every day still kept), so that a stream process that takes the partition over starts its classifier
-- exactly at the offset it starts fetching after. Called by stream-state.ts (loadRobots); key layout in
-- docs/redis.md.
--
-- KEYS  1 offsets  2 idx:rb
-- ARGV  1 base ("<prefix>{<tag>}:")   2 "topic:partition"
-- Returns {stored offset or -1, {state, state, ...}}: the encoded states (core/robots.ts; each starts with
-- its day), of the hashes rb:<day>:<topic>:<partition>.

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
return {stored and tonumber(stored) or -1, states}
