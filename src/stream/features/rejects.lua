-- Rejects: per reason (n, n × (reason, count)), and the newest samples (n, n × JSON text), kept to ARGV[5].
n = tonumber(ARGV[i]); i = i + 1
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
