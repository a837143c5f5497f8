-- Applies the batches of one or more Kafka partitions to a findoc stream namespace, atomically with their
-- offsets. Key layout, TTLs and the exactly-once argument: docs/redis.md. Called by stream-state.ts.
-- This file is the frame: the filter and offsets check, the offsets, the totals and the latest second.
-- Each count and feature of the stream appends its own part (src/stream/features/<name>.lua: rejects,
-- all-time, seconds, robots, sessions, in WRITE_PARTS' order), then stream-state-apply-end.lua (TTLs,
-- expiry by event time, ingest): the whole is still ONE script, run to the end before any other command.
-- The ARGV layout below is the whole script's, with today's parts.
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

-- The parts after this one (the features' Lua, in the order the writer's StreamState was given them;
-- then stream-state-apply-end.lua) each read their own section of ARGV and
-- share these locals: `i` the ARGV cursor (a part moves it past its section), `n` a scratch count,
-- `minutes` the minute hashes written (their TTLs are renewed at the end), `overDay` the last day whose
-- robots states are over.
local i = 13 + 3 * nranges
local n
local minutes = {}
local overDay = latest and (math.floor((latest - retention) / 86400) - 1) or nil

