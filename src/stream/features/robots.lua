-- Robots (the robots filter): the totals, the robot visits per second in the minute hashes (fields
-- "r<s − m>", beside the human "<s − m>"), and each changed per-(day, IP) state in the hash of its day and
-- partition, rb:<day>:<topic>:<partition>, indexed in idx:rb by day. A day's states are over once the
-- latest second passes the end of the day plus the retention (event time, not the wall clock): every
-- later visit of that day is late. States of such a day are not written back.
local robotVisits = tonumber(ARGV[i])
local robotIps = tonumber(ARGV[i + 1])
i = i + 2
if robotVisits > 0 then redis.call('HINCRBY', KEYS[4], 'robots', robotVisits) end
if robotIps > 0 then redis.call('HINCRBY', KEYS[4], 'robot-ips', robotIps) end
local lateRobots = 0
n = tonumber(ARGV[i]); i = i + 1
for _ = 1, n do
  local s = tonumber(ARGV[i])
  local v = tonumber(ARGV[i + 1])
  i = i + 2
  if s <= latest - retention then
    lateRobots = lateRobots + v
  else
    local m = s - s % 60
    redis.call('HINCRBY', base .. 'vps:' .. m, 'r' .. (s - m), v)
    minutes[m] = true
  end
end
if lateRobots > 0 then redis.call('HINCRBY', KEYS[4], 'late-robots', lateRobots) end
n = tonumber(ARGV[i]); i = i + 1
for _ = 1, n do
  local group = ARGV[i]
  local day = tonumber(ARGV[i + 1])
  local m = tonumber(ARGV[i + 2])
  i = i + 3
  if not overDay or day > overDay then
    local key = base .. 'rb:' .. group
    for j = 0, m - 1, 200 do
      local args = {}
      for q = j, math.min(j + 199, m - 1) do
        args[#args + 1] = ARGV[i + 2 * q]
        args[#args + 1] = ARGV[i + 2 * q + 1]
      end
      redis.call('HSET', key, unpack(args))
    end
    redis.call('ZADD', KEYS[11], day, group)
  end
  i = i + 2 * m
end

