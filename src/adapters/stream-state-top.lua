-- Reads a top-N (or given CIKs' visits) over a window, in one script so that the counts and `asOf`
-- describe the same moment. Key layout: docs/redis.md. Called by stream-state.ts (readTop, readWindowVisits).
--
-- A sliding window ending at second E sums the per-second per-CIK sets of the seconds E − W + 1 … E that
-- exist (ZUNIONSTORE into a scratch key, dropped before returning). Cost: O(total members of those sets)
-- plus O(M log M) for M distinct CIKs — for the 1 h window of a 2017 weekday (~170 CIKs per second),
-- ~600k members, measured ~0.25 s on this machine. The `all` window reads the all-time set directly.
--
-- Ties: members are 10-digit CIKs, so among equal counts Redis orders members by CIK. The N largest in
-- (visits desc, CIK asc) order are: every member whose count is above the N-th largest count S, then the
-- smallest CIKs among those counting exactly S.
--
-- All time: the tracked set top:all holds exactly the CIKs with at least `all-floor` visits (see the apply
-- script), so a ranking it has enough members for is exact from it; a longer one — or the visits of given
-- CIKs — comes from the hash `all`. For a ranking longer than the set, "seconds found" is -1 and nothing
-- else: the caller reads the hash.
--
-- KEYS  1 totals  2 idx:sec  3 top:all  4 scratch key  5 all
-- ARGV  1 base   2 window seconds (0 = all time)   3 limit   4 end second ("" = the latest)
--       5 "top" | "visits"   6… CIK members (for "visits")
-- Returns {} when nothing was applied yet, else {latest, end, seconds found, flat list}: "top" →
-- member, count, member, count … (unsorted beyond the rule above); "visits" → one count or false per CIK.

local latest = redis.call('HGET', KEYS[1], 'latest')
if not latest then return {} end
latest = tonumber(latest)
local width = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
local stop = latest
if ARGV[4] ~= '' then stop = tonumber(ARGV[4]) end

local source = KEYS[3]
local found = 0
if width == 0 then
  if ARGV[5] == 'visits' then
    local counts = {}
    for j = 6, #ARGV, 1000 do
      local part = redis.call('HMGET', KEYS[5], unpack(ARGV, j, math.min(j + 999, #ARGV)))
      for q = 1, #part do counts[#counts + 1] = part[q] end
    end
    return {latest, stop, 0, counts}
  end
  local floor = tonumber(redis.call('HGET', KEYS[1], 'all-floor') or '1')
  if floor > 1 and redis.call('ZCARD', KEYS[3]) < limit then return {latest, stop, -1, {}} end
else
  local secs = redis.call('ZRANGEBYSCORE', KEYS[2], stop - width + 1, stop)
  found = #secs
  if found == 0 then return {latest, stop, 0, {}} end
  if found == 1 then
    source = ARGV[1] .. 'sec:' .. secs[1]
  else
    -- In slices: Lua's unpack has a stack limit of a few thousand values.
    source = KEYS[4]
    redis.call('DEL', source)
    for j = 1, found, 1000 do
      local keys = {}
      if j > 1 then keys[1] = source end
      for q = j, math.min(j + 999, found) do keys[#keys + 1] = ARGV[1] .. 'sec:' .. secs[q] end
      redis.call('ZUNIONSTORE', source, #keys, unpack(keys))
    end
  end
end

local out
if ARGV[5] == 'visits' then
  out = {}
  for j = 6, #ARGV do out[#out + 1] = redis.call('ZSCORE', source, ARGV[j]) end
else
  out = redis.call('ZREVRANGE', source, 0, limit - 1, 'WITHSCORES')
  if #out == 2 * limit and limit > 0 then
    local s = out[#out]
    out = redis.call('ZRANGEBYSCORE', source, '(' .. s, '+inf', 'WITHSCORES')
    local ties = redis.call('ZRANGEBYSCORE', source, s, s, 'WITHSCORES', 'LIMIT', 0, limit - #out / 2)
    for j = 1, #ties do out[#out + 1] = ties[j] end
  end
end
if source == KEYS[4] then redis.call('UNLINK', source) end
return {latest, stop, found, out}
