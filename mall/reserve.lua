-- Stock and per-member limits of one mall item, changed atomically.
-- All keys carry the merchant's hash tag, so they live in one Redis Cluster slot.
--
-- KEYS[1]  item hash: stock (= database stock - live holds), status, starts, ends
--          (epoch seconds, 0 = open), per_order, per_day, per_total (0 = no limit),
--          utc_offset (seconds; the merchant's calendar day for per_day), version (goes up
--          whenever stock comes back or the rules change: what may turn a refusal into a yes;
--          each new version is published to the processes' mirrors, see core/mirror.py)
-- KEYS[2]  holds hash: reservation id -> "quantity member_id day_no created_epoch"
-- KEYS[3…] quota hashes {total, day, day_no}: units a member holds in live orders
--
-- ARGV[1] is the operation:
--   reserve   id quantity member_id now ttl -> {"OK"}, {"LIMIT_EXCEEDED", limit name},
--             {"NOT_ON_SALE" | "OUT_OF_STOCK", version, the next sale start or end (0: none)}
--   release   id                            -> 1 when the hold existed (stock and quota back)
--   give_back quantity day_no               -> stock and quota back after a cancel or refund
--   quota     total day day_no ttl          -> load a missing quota
--   sync      plan (JSON)                   -> {stock before, stock after}

local item, holds = KEYS[1], KEYS[2]

local function num(value)
  return tonumber(value) or 0
end

-- A new version of the item, announced on core/mirror.py's CHANNEL (key, value, expiry).
local function bump()
  local version = redis.call('HINCRBY', item, 'version', 1)
  local clock = redis.call('TIME')
  redis.call('PUBLISH', 'jifen:mirror',
             string.format('%s:version\t%d\t%d', item, version, tonumber(clock[1]) + 60))
end

local function read(key)
  local flat, fields = redis.call('HGETALL', key), {}
  for i = 1, #flat, 2 do fields[flat[i]] = flat[i + 1] end
  return fields
end

local function return_quota(quota, quantity, day_no)
  if redis.call('EXISTS', quota) == 1 then
    redis.call('HINCRBY', quota, 'total', -quantity)
    if redis.call('HGET', quota, 'day_no') == day_no then
      redis.call('HINCRBY', quota, 'day', -quantity)
    end
  end
end

local function return_stock(quantity)
  if redis.call('EXISTS', item) == 1 then
    redis.call('HINCRBY', item, 'stock', quantity)
    bump()
  end
end

-- Forget a hold and give back its quota; returns its quantity (nil when already gone).
local function drop_hold(id, quota)
  local hold = redis.call('HGET', holds, id)
  if not hold then return nil end
  redis.call('HDEL', holds, id)
  local quantity, _, day_no = string.match(hold, '(%d+) (%d+) (%d+)')
  return_quota(quota, tonumber(quantity), day_no)
  return tonumber(quantity)
end

local function on_sale(it, now)
  return it.status == 'on_sale' and (num(it.starts) == 0 or now >= num(it.starts))
      and (num(it.ends) == 0 or now < num(it.ends))
end

-- Check and count the member's limits; nil when allowed, else the refusal.
local function take_quota(it, quota, quantity, day_no, ttl)
  local limited = num(it.per_day) > 0 or num(it.per_total) > 0
  if redis.call('EXISTS', quota) == 0 then
    if limited then return {'MISSING_QUOTA'} end
    return nil
  end
  local q = read(quota)
  local today = (q.day_no == day_no) and num(q.day) or 0
  if num(it.per_total) > 0 and num(q.total) + quantity > num(it.per_total) then
    return {'LIMIT_EXCEEDED', 'limit_per_member_total'}
  end
  if num(it.per_day) > 0 and today + quantity > num(it.per_day) then
    return {'LIMIT_EXCEEDED', 'limit_per_member_day'}
  end
  redis.call('HSET', quota, 'total', num(q.total) + quantity, 'day', today + quantity,
             'day_no', day_no)
  redis.call('EXPIRE', quota, ttl)
  return nil
end

-- A refusal that holds for every member until the version changes or the sale window
-- reaches its next boundary (the processes remember it: mall/stock.py).
local function refusal(it, code, now)
  local boundary = 0
  for _, moment in ipairs({num(it.starts), num(it.ends)}) do
    if moment > now and (boundary == 0 or moment < boundary) then boundary = moment end
  end
  return {code, num(it.version), boundary}
end

local function reserve(id, quantity, member_id, now, ttl)
  if redis.call('EXISTS', item) == 0 then return {'MISSING_ITEM'} end
  local it = read(item)
  if not on_sale(it, now) then return refusal(it, 'NOT_ON_SALE', now) end
  if num(it.per_order) > 0 and quantity > num(it.per_order) then
    return {'LIMIT_EXCEEDED', 'limit_per_order'}
  end
  if num(it.stock) < quantity then return refusal(it, 'OUT_OF_STOCK', now) end
  local day_no = tostring(math.floor((now + num(it.utc_offset)) / 86400))
  local refusal = take_quota(it, KEYS[3], quantity, day_no, ttl)
  if refusal then return refusal end
  redis.call('HINCRBY', item, 'stock', -quantity)
  redis.call('HSET', holds, id, table.concat({quantity, member_id, day_no, now}, ' '))
  return {'OK'}
end

-- Agree with the database: drop holds whose orders committed ("settled"), release holds a
-- crash left behind ("abandoned", quota keys in KEYS[3…] in the same order), then
-- stock = database stock - the holds still live.
local function sync(plan)
  for _, id in ipairs(plan.settled) do redis.call('HDEL', holds, id) end
  for i, id in ipairs(plan.abandoned) do drop_hold(id, KEYS[2 + i]) end
  local held = 0
  for _, hold in ipairs(redis.call('HVALS', holds)) do
    held = held + tonumber(string.match(hold, '%d+'))
  end
  local before = redis.call('HGET', item, 'stock') or ''
  local fields = {'stock', plan.stock - held}
  for name, value in pairs(plan.fields) do
    table.insert(fields, name)
    table.insert(fields, value)
  end
  local fresh = redis.call('EXISTS', item) == 0
  redis.call('HSET', item, unpack(fields))
  if fresh then  -- a reloaded item must not repeat an old incarnation's versions
    local clock = redis.call('TIME')
    redis.call('HSET', item, 'version', clock[1] * 1000000 + clock[2])
  end
  bump()
  return {before, plan.stock - held}
end

-- Operations (mall/flash.lua takes the place of what follows: keep this line)
local op = ARGV[1]
if op == 'reserve' then
  return reserve(ARGV[2], tonumber(ARGV[3]), ARGV[4], tonumber(ARGV[5]), ARGV[6])
elseif op == 'release' then
  local quantity = drop_hold(ARGV[2], KEYS[3])
  if not quantity then return 0 end
  return_stock(quantity)
  return 1
elseif op == 'give_back' then
  return_stock(tonumber(ARGV[2]))
  return_quota(KEYS[3], tonumber(ARGV[2]), ARGV[3])
  return 1
elseif op == 'quota' then
  if redis.call('EXISTS', KEYS[3]) == 0 then
    redis.call('HSET', KEYS[3], 'total', ARGV[2], 'day', ARGV[3], 'day_no', ARGV[4])
    redis.call('EXPIRE', KEYS[3], ARGV[5])
  end
  return 1
elseif op == 'sync' then
  return sync(cjson.decode(ARGV[2]))
end
return redis.error_reply('unknown operation ' .. tostring(op))
