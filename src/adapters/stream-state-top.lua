-- Reads what a top-N (or the visits of given CIKs) over a window needs, in one script so that it and
-- `asOf` describe the same moment. Key layout: docs/redis.md. Called by stream-state.ts (readTop,
-- readWindowVisits), which does the counting.
--
-- A sliding window ending at second E: the CIK lists (5 bytes a visit) of the seconds E − W + 1 … E that
-- exist; the caller counts the occurrences — exact: a second outside the window is not read. Redis only
-- copies bytes: for the 1 h window of a 2017 weekday (~200 visits a second), ~3.6 MB.
--
-- All time: the tracked set top:all holds exactly the CIKs with at least `all-floor` visits (see the apply
-- script), so a ranking it has enough members for is exact from it. Ties: members are 10-digit CIKs, so
-- among equal counts Redis orders members by CIK, and the N largest in (visits desc, CIK asc) order are
-- every member whose count is above the N-th largest count S, then the smallest CIKs counting exactly S.
-- A ranking longer than the set ("seconds found" -1, nothing else), or the visits of given CIKs, come
-- from the hash `all`.
--
-- KEYS  1 totals  2 idx:sec  3 top:all  4 all
-- ARGV  1 base   2 window seconds (0 = all time)   3 limit   4 end second ("" = the latest)
--       5 "top" | "visits"   6… CIK members (for "visits" over all time)
-- Returns {} when nothing was applied yet, else {latest, end, seconds found, list}: for a sliding window
-- the CIK lists of the seconds found (false for one that expired meanwhile); for all time, "top" →
-- member, count, member, count … (unsorted beyond the rule above), "visits" → one count or false per CIK.

local latest = redis.call('HGET', KEYS[1], 'latest')
if not latest then return {} end
latest = tonumber(latest)
local width = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
local stop = latest
if ARGV[4] ~= '' then stop = tonumber(ARGV[4]) end

-- In slices: Lua's unpack has a stack limit of a few thousand values.
local function collect(command, key, names, from)
  local out = {}
  for j = from, #names, 1000 do
    local part
    if key then part = redis.call(command, key, unpack(names, j, math.min(j + 999, #names)))
    else part = redis.call(command, unpack(names, j, math.min(j + 999, #names))) end
    for q = 1, #part do out[#out + 1] = part[q] end
  end
  return out
end

if width > 0 then
  local secs = redis.call('ZRANGEBYSCORE', KEYS[2], stop - width + 1, stop)
  local keys = {}
  for j = 1, #secs do keys[j] = ARGV[1] .. 'sec:' .. secs[j] end
  return {latest, stop, #secs, collect('MGET', nil, keys, 1)}
end

if ARGV[5] == 'visits' then
  return {latest, stop, 0, collect('HMGET', KEYS[4], ARGV, 6)}
end
local floor = tonumber(redis.call('HGET', KEYS[1], 'all-floor') or '1')
if floor > 1 and redis.call('ZCARD', KEYS[3]) < limit then return {latest, stop, -1, {}} end
local out = redis.call('ZREVRANGE', KEYS[3], 0, limit - 1, 'WITHSCORES')
if #out == 2 * limit and limit > 0 then
  local s = out[#out]
  out = redis.call('ZRANGEBYSCORE', KEYS[3], '(' .. s, '+inf', 'WITHSCORES')
  local ties = redis.call('ZRANGEBYSCORE', KEYS[3], s, s, 'WITHSCORES', 'LIMIT', 0, limit - #out / 2)
  for j = 1, #ties do out[#out + 1] = ties[j] end
end
return {latest, stop, 0, out}
