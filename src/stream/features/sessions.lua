-- Sessions (stream --sessions): open sessions per partition, ended ones to a capped stream, per-minute
-- aggregates (ended, requests, a duration histogram) that expire with the retention like vps.
n = tonumber(ARGV[i]); i = i + 1
for _ = 1, n do
  local group = ARGV[i]
  local m = tonumber(ARGV[i + 1])
  i = i + 2
  local key = base .. 'ss:' .. group
  for j = 0, m - 1, 200 do
    local set, del = {}, {}
    for q = j, math.min(j + 199, m - 1) do
      local f, v = ARGV[i + 2 * q], ARGV[i + 2 * q + 1]
      if v == '' then del[#del + 1] = f else set[#set + 1] = f; set[#set + 1] = v end
    end
    if #set > 0 then redis.call('HSET', key, unpack(set)) end
    if #del > 0 then redis.call('HDEL', key, unpack(del)) end
  end
  redis.call('SADD', KEYS[12], group)
  i = i + 2 * m
end
n = tonumber(ARGV[i])
local maxlen = ARGV[i + 1]
i = i + 2
for _ = 1, n do
  redis.call('XADD', KEYS[14], 'MAXLEN', '~', maxlen, '*', 's', ARGV[i])
  i = i + 1
end
n = tonumber(ARGV[i]); i = i + 1
for _ = 1, n do
  local minute = tonumber(ARGV[i])
  local key = base .. 'sm:' .. minute
  redis.call('HINCRBY', key, 'n', ARGV[i + 1])
  redis.call('HINCRBY', key, 'r', ARGV[i + 2])
  local k = tonumber(ARGV[i + 3])
  i = i + 4
  for _ = 1, k do
    redis.call('HINCRBY', key, 'd' .. ARGV[i], ARGV[i + 1])
    i = i + 2
  end
  redis.call('ZADD', KEYS[13], minute, minute)
end

