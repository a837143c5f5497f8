-- All-time: ALL (hash) holds every CIK's visits; TOP:ALL (sorted set) exactly the CIKs with at least
-- `all-floor` visits (totals field, 1 at first: then every CIK), with the same counts. A HINCRBY costs a
-- third of a ZINCRBY on a set of 100k+ members, and most CIKs of a write are rare ones below the floor.
-- Once the set passes 2K members, the floor rises to the K-th largest count and the members below it go,
-- so a ranking of up to K (at least) is read from the set; a longer one from the hash (readTop).
local floor = tonumber(redis.call('HGET', KEYS[4], 'all-floor') or '1')
n = tonumber(ARGV[i])
local members, counts = ARGV[i + 1], ARGV[i + 2]
i = i + 3
for j = 0, n - 1 do
  local member = string.sub(members, 10 * j + 1, 10 * j + 10)
  local c = redis.call('HINCRBY', KEYS[10], member, (struct.unpack('>I4', counts, 4 * j + 1)))
  if c >= floor then redis.call('ZADD', KEYS[7], c, member) end
end
local tracked = tonumber(ARGV[11])
if redis.call('ZCARD', KEYS[7]) > 2 * tracked then
  local kth = redis.call('ZREVRANGE', KEYS[7], tracked - 1, tracked - 1, 'WITHSCORES')
  local raised = tonumber(kth[2])
  if raised > floor then
    redis.call('ZREMRANGEBYSCORE', KEYS[7], '-inf', '(' .. raised)
    redis.call('HSET', KEYS[4], 'all-floor', raised)
  end
end

