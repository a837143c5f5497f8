-- Per event second. A second at or before latest − retention is outside every bucket: its visits are
-- "late" (the all-time counts above still have them). The CIKs of a second's visits are kept only for the
-- seconds the longest sliding window can reach (latest − horizon, latest]: appended to the second's list.
local late = 0
n = tonumber(ARGV[i]); i = i + 1
for _ = 1, n do
  local s = tonumber(ARGV[i])
  local v = tonumber(ARGV[i + 1])
  local ciks = ARGV[i + 2]
  i = i + 3
  if s <= latest - retention then
    late = late + v
  else
    local m = s - s % 60
    redis.call('HINCRBY', base .. 'vps:' .. m, s - m, v)
    minutes[m] = true
    if s > latest - horizon then
      local key = base .. 'sec:' .. s
      if redis.call('APPEND', key, ciks) == #ciks then
        -- Created by this write: index it, and give it its TTL (the event time it has left before it
        -- leaves the horizon, plus one more horizon of grace).
        redis.call('ZADD', KEYS[8], s, s)
        redis.call('EXPIRE', key, s - latest + 2 * horizon)
      end
    end
  end
end
if late > 0 then redis.call('HINCRBY', KEYS[4], 'late', late) end

