-- The queued flash sale (秒杀排队), appended to the functions of reserve.lua (see mall/flash.py).
-- A flash order is a hold like any other (its id is the ticket), plus an entry in the
-- merchant's stream that the writer turns into the order, plus the ticket's state.
--
-- KEYS[1] item hash, KEYS[2] holds hash, KEYS[3] the member's quota (as in reserve.lua),
-- KEYS[4] the merchant's stream, KEYS[5] the ticket hash {member, status, order_id, code, message}
--
-- ARGV[1] is the operation:
--   enqueue ticket item_id quantity member_id now quota_ttl ticket_ttl address store_id key
--           -> {"QUEUED"} (also when this ticket was queued before: a retried request),
--              {"REGULAR"} (not a flash item: nothing done), or a refusal as reserve's
--   lane    (the order lane in front of Flask, mall/lane.py) enqueue's arguments, then iat answer
--           answered_ttl; KEYS[6..8] the token's denylist keys (auth/tokens.denylist_keys),
--           KEYS[9] the Idempotency-Key's marker (core/idempotency; absent without a key)
--           -> {"DENIED"} (Flask answers 401), {"SEEN", marker} (a replay, or Flask's), or
--              enqueue's answer; once QUEUED the marker keeps `answer` for answered_ttl:
--              the order and its idempotency record are written in one atomic step
--   settle  group ticket_ttl, then per entry: outcome ticket entry_id order_id|code message
--           (KEYS: the five above per entry, in the same order) -> the number settled;
--           "written": the hold settled; "failed": stock and quota back; each entry acked

local stream, ticket = KEYS[4], KEYS[5]

-- Take the entry off the stream: acknowledged and deleted, so the stream's length is the
-- backlog; then record the ticket's outcome.
local function finish(entry_id, group, ttl, ...)
  redis.call('XACK', stream, group, entry_id)
  redis.call('XDEL', stream, entry_id)
  redis.call('HSET', ticket, ...)
  redis.call('EXPIRE', ticket, ttl)
end

local function enqueue(id, item_id, quantity, member_id, now, quota_ttl, ticket_ttl, address,
                       store_id, key)
  if redis.call('EXISTS', ticket) == 1 then return {'QUEUED'} end
  local flash = redis.call('HGET', item, 'flash')
  if not flash then return {'MISSING_ITEM'} end  -- also an item loaded before flash existed
  if flash ~= '1' then return {'REGULAR'} end
  local answer = reserve(id, quantity, member_id, now, quota_ttl)
  if answer[1] ~= 'OK' then return answer end
  redis.call('XADD', stream, '*', 'ticket', id, 'item', item_id, 'quantity', quantity,
             'member', member_id, 'address', address, 'store', store_id, 'key', key)
  redis.call('HSET', ticket, 'member', member_id, 'status', 'queued')
  redis.call('EXPIRE', ticket, ticket_ttl)
  return {'QUEUED'}
end

-- As auth/tokens.denied_by: the jti or the login denied, or the subject denied since `iat`.
local function lane(iat, answer, answered_ttl, ...)
  local since = redis.call('GET', KEYS[8])
  if redis.call('GET', KEYS[6]) or redis.call('GET', KEYS[7])
      or (since and tonumber(iat) <= tonumber(since)) then
    return {'DENIED'}
  end
  local marker = KEYS[9]
  if marker then
    local seen = redis.call('GET', marker)
    if seen then return {'SEEN', seen} end
  end
  local queued = enqueue(...)
  if marker and queued[1] == 'QUEUED' then
    redis.call('SET', marker, answer, 'EX', answered_ttl)
  end
  return queued
end

-- A writer's batch in one call: the functions above read the keys through the chunk's
-- locals (item, holds, stream, ticket), so each entry points them at its own keys first.
local function settle(group, ttl)
  local count = (#ARGV - 3) / 5
  for i = 0, count - 1 do
    local outcome, id, entry_id, a, b = unpack(ARGV, 4 + i * 5, 8 + i * 5)
    item, holds, stream, ticket = KEYS[i * 5 + 1], KEYS[i * 5 + 2], KEYS[i * 5 + 4],
                                  KEYS[i * 5 + 5]
    if outcome == 'written' then
      redis.call('HDEL', holds, id)
      finish(entry_id, group, ttl, 'status', 'written', 'order_id', a)
    else
      local quantity = drop_hold(id, KEYS[i * 5 + 3])
      if quantity then return_stock(quantity) end
      finish(entry_id, group, ttl, 'status', 'failed', 'code', a, 'message', b)
    end
  end
  return count
end

local op = ARGV[1]
if op == 'enqueue' then
  return enqueue(ARGV[2], ARGV[3], tonumber(ARGV[4]), ARGV[5], tonumber(ARGV[6]), ARGV[7],
                 ARGV[8], ARGV[9], ARGV[10], ARGV[11])
elseif op == 'lane' then
  return lane(ARGV[12], ARGV[13], ARGV[14], ARGV[2], ARGV[3], tonumber(ARGV[4]), ARGV[5],
              tonumber(ARGV[6]), ARGV[7], ARGV[8], ARGV[9], ARGV[10], ARGV[11])
elseif op == 'settle' then
  return settle(ARGV[2], ARGV[3])
end
return redis.error_reply('unknown operation ' .. tostring(op))
