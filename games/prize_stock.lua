-- Stock of one lottery's limited prizes, held atomically.
-- Both keys carry the merchant's hash tag, so they live in one Redis Cluster slot.
--
-- KEYS[1]  stock hash: prize id -> units left (= database stock - live holds)
-- KEYS[2]  holds hash: hold id -> "prize_id created_epoch"
--
-- ARGV[1] is the operation:
--   take    id prize_id now -> "OK", "EMPTY" (none left) or "MISSING" (not loaded)
--   release id              -> 1 when the hold existed (its unit back)
--   sync    plan (JSON)     -> 1; plan = {stock: {prize_id: db stock}, settled: [hold ids],
--                              abandoned: [hold ids]}; stock = database stock - live holds

local stock, holds = KEYS[1], KEYS[2]

local function take(id, prize_id, now)
  if redis.call('EXISTS', stock) == 0 then return 'MISSING' end
  local left = redis.call('HGET', stock, prize_id)
  if not left then return 'MISSING' end
  if tonumber(left) < 1 then return 'EMPTY' end
  redis.call('HINCRBY', stock, prize_id, -1)
  redis.call('HSET', holds, id, prize_id .. ' ' .. now)
  return 'OK'
end

local function release(id)
  local hold = redis.call('HGET', holds, id)
  if not hold then return 0 end
  redis.call('HDEL', holds, id)
  local prize_id = string.match(hold, '(%d+)')
  if redis.call('HEXISTS', stock, prize_id) == 1 then
    redis.call('HINCRBY', stock, prize_id, 1)
  end
  return 1
end

local function sync(plan)
  for _, id in ipairs(plan.settled) do redis.call('HDEL', holds, id) end
  for _, id in ipairs(plan.abandoned) do redis.call('HDEL', holds, id) end
  local held = {}
  for _, hold in ipairs(redis.call('HVALS', holds)) do
    local prize_id = string.match(hold, '(%d+)')
    held[prize_id] = (held[prize_id] or 0) + 1
  end
  redis.call('DEL', stock)
  local fields = {'loaded', 1}
  for prize_id, units in pairs(plan.stock) do
    table.insert(fields, prize_id)
    table.insert(fields, math.max(units - (held[prize_id] or 0), 0))
  end
  redis.call('HSET', stock, unpack(fields))
  return 1
end

local op = ARGV[1]
if op == 'take' then
  return take(ARGV[2], ARGV[3], ARGV[4])
elseif op == 'release' then
  return release(ARGV[2])
elseif op == 'sync' then
  return sync(cjson.decode(ARGV[2]))
end
return redis.error_reply('unknown operation ' .. tostring(op))
