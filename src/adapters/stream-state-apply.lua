-- Applies the batches of one or more Kafka partitions to a findoc stream namespace, atomically with their
-- offsets. Key layout, TTLs and the exactly-once argument: docs/redis.md. Called by stream-state.ts.
--
-- Exactly-once effect: OFFSETS[topic:partition] is the last offset whose record has been counted. Each
-- range of a call covers one partition's records after offset `follows` up to `last`, contiguous as the
-- consumer fetched them. The call applies only if, for every range, the stored offset IS `follows` (or
-- none is stored and `follows` is -1): then its records are exactly the next ones. Otherwise (a
-- redelivery, a batch another process applied in whole or in part, a write queued behind one that was
-- refused) nothing changes and the stored offsets come back: the caller drops what is applied and calls
-- again. Redis runs a script to the end before any other command, so a crash leaves either all of a call
-- (counts and offsets) or none of it.
--
-- KEYS  1 meta  2 offsets  3 applied-at  4 totals  5 rejects  6 samples  7 top:all  8 idx:sec  9 idx:vps
--       10 all  11 idx:rb  12 idx:ss  13 idx:sm  14 se
--       (every key of a namespace carries the same {hash tag}, so they share one Redis Cluster slot; the
--       per-second keys are named from ARGV[1], the same tagged base, hence in the same slot too)
-- ARGV  1 base ("<prefix>{<tag>}:")   2 filter name   3 retention s   4 CIK horizon s   5 samples kept
--       6 records   7 visits   8 filtered   9 rejected   10 latest event second of the batch ("" if none)
--       11 CIKs the all-time ranking tracks (K, below)
--       then: n, n × ("topic:partition", follows (-1: none), last offset)
--             n, n × (reason, count)          rejects per reason
--             n, n × sample                   reject samples (JSON text)
--             n, members, visits              all-time per CIK: n CIK members of 10 bytes back to back, and
--                                             n visit counts of 4 bytes (big-endian) back to back
--             n, n × (second, visits, CIKs)   per event second; CIKs: one per visit, 5 bytes each
--             robot visits, new robot IPs     (robots filter; 0 and 0 without it)
--             n, n × (second, robot visits)   robot visits per event second
--             n, n × (group, day, m, m × (ip, state))
--                                             robots states per "<day>:<topic>:<partition>" group: the
--                                             encoded per-(day, IP) state (core/robots.ts) of each IP the
--                                             write changed, as it is after the write's last record
--             n, n × ("topic:partition", m, m × (field, value))
--                                             sessions (stream --sessions): the open-session hash of each
--                                             partition the write changed (value "" = the ip has no open
--                                             session any more; field "@clock" = the partition's clock)
--             n, maxlen, n × "ip,first,last,count"
--                                             sessions that ended, XADDed to the capped stream se
--             n, n × (minute, ended, requests, k, k × (duration, sessions))
--                                             per minute of the ended sessions' last request
-- Returns {1, latest} when applied; {0, latest, stored offset or -1 per range} when nothing was; an error
-- "FINDOC_FILTER_MISMATCH <stored filter>" when the namespace counts under another filter.

local base = ARGV[1]
local retention = tonumber(ARGV[3])
local horizon = tonumber(ARGV[4])

local storedFilter = redis.call('HGET', KEYS[1], 'filter')
if storedFilter and storedFilter ~= ARGV[2] then
  return redis.error_reply('FINDOC_FILTER_MISMATCH ' .. storedFilter)
end

local latest = tonumber(redis.call('HGET', KEYS[4], 'latest'))
local nranges = tonumber(ARGV[12])
local conflict = false
local stored = {}
for r = 1, nranges do
  local i = 13 + 3 * (r - 1)
  local s = redis.call('HGET', KEYS[2], ARGV[i])
  stored[r] = s and tonumber(s) or -1
  if stored[r] ~= tonumber(ARGV[i + 1]) then conflict = true end
end
if conflict then
  local out = {0, latest or -1}
  for r = 1, nranges do out[#out + 1] = stored[r] end
  return out
end

local clock = redis.call('TIME')
local nowS = tonumber(clock[1])
local nowMs = nowS * 1000 + math.floor(tonumber(clock[2]) / 1000)

if not storedFilter then
  redis.call('HSET', KEYS[1], 'filter', ARGV[2], 'layout', '1', 'created-ms', nowMs)
end
-- Readers mask seconds outside the retention the writers use.
redis.call('HSET', KEYS[1], 'retention-s', retention)
for r = 1, nranges do
  local i = 13 + 3 * (r - 1)
  redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 2])
  redis.call('HSET', KEYS[3], ARGV[i], nowMs)
end

local records = tonumber(ARGV[6])
local visits = tonumber(ARGV[7])
redis.call('HINCRBY', KEYS[4], 'records', records)
redis.call('HINCRBY', KEYS[4], 'visits', visits)
redis.call('HINCRBY', KEYS[4], 'filtered', ARGV[8])
redis.call('HINCRBY', KEYS[4], 'rejected', ARGV[9])
redis.call('HSET', KEYS[4], 'updated-ms', nowMs)

-- The latest event second only moves forward.
local before = latest
if ARGV[10] ~= '' then
  local s = tonumber(ARGV[10])
  if not latest or s > latest then
    latest = s
    redis.call('HSET', KEYS[4], 'latest', s)
  end
end

local i = 13 + 3 * nranges
local n = tonumber(ARGV[i]); i = i + 1
for _ = 1, n do
  redis.call('HINCRBY', KEYS[5], ARGV[i], ARGV[i + 1]); i = i + 2
end
n = tonumber(ARGV[i]); i = i + 1
if n > 0 then
  for _ = 1, n do
    redis.call('LPUSH', KEYS[6], ARGV[i]); i = i + 1
  end
  redis.call('LTRIM', KEYS[6], 0, tonumber(ARGV[5]) - 1)
end
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

-- Per event second. A second at or before latest − retention is outside every bucket: its visits are
-- "late" (the all-time counts above still have them). The CIKs of a second's visits are kept only for the
-- seconds the longest sliding window can reach (latest − horizon, latest]: appended to the second's list.
local late = 0
local minutes = {}
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
local overDay = latest and (math.floor((latest - retention) / 86400) - 1) or nil
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

-- Minute hashes: indexed, and their TTL (as above, with the retention) renewed by every write.
for m in pairs(minutes) do
  redis.call('ZADD', KEYS[9], m, m)
  redis.call('EXPIRE', base .. 'vps:' .. m, m + 59 - latest + 2 * retention)
end

-- Expiry by event time, when the latest second moved: drop CIK lists of seconds at or before latest − horizon and
-- minute hashes whose every second is at or before latest − retention. No write above touched them (they
-- are older than what this batch may write), so nothing resurrects them.
local function drop(index, upTo, prefix)
  local old = redis.call('ZRANGEBYSCORE', index, '-inf', upTo)
  for j = 1, #old, 500 do
    local keys = {}
    for q = j, math.min(j + 499, #old) do keys[#keys + 1] = prefix .. old[q] end
    redis.call('UNLINK', unpack(keys))
  end
  if #old > 0 then redis.call('ZREMRANGEBYSCORE', index, '-inf', upTo) end
end
if latest and (not before or latest > before) then
  drop(KEYS[8], latest - horizon, base .. 'sec:')
  drop(KEYS[9], latest - retention - 59, base .. 'vps:')
  drop(KEYS[11], overDay, base .. 'rb:')
  drop(KEYS[13], latest - retention - 59, base .. 'sm:')
end

local ingest = base .. 'ingest:' .. nowS
redis.call('HINCRBY', ingest, 'records', records)
redis.call('HINCRBY', ingest, 'visits', visits)
redis.call('EXPIRE', ingest, 120)

return {1, latest or -1}
