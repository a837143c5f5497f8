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
