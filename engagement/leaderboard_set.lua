-- Set one referrer's score on a leaderboard that exists; a missing leaderboard is
-- rebuilt from the database when it is next read, so it must not be started half-empty.
-- KEYS[1] = leaderboard, ARGV[1] = score, ARGV[2] = member id
if redis.call("EXISTS", KEYS[1]) == 1 then
  return redis.call("ZADD", KEYS[1], ARGV[1], ARGV[2])
end
return 0
