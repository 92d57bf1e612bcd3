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
--   written ticket entry_id group order_id ticket_ttl       -> the hold settled, entry acked
--   failed  ticket entry_id group code message ticket_ttl    -> stock and quota back, acked

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

local op = ARGV[1]
if op == 'enqueue' then
  return enqueue(ARGV[2], ARGV[3], tonumber(ARGV[4]), ARGV[5], tonumber(ARGV[6]), ARGV[7],
                 ARGV[8], ARGV[9], ARGV[10], ARGV[11])
elseif op == 'written' then
  redis.call('HDEL', holds, ARGV[2])
  finish(ARGV[3], ARGV[4], ARGV[6], 'status', 'written', 'order_id', ARGV[5])
  return 1
elseif op == 'failed' then
  local quantity = drop_hold(ARGV[2], KEYS[3])
  if quantity then return_stock(quantity) end
  finish(ARGV[3], ARGV[4], ARGV[7], 'status', 'failed', 'code', ARGV[5], 'message', ARGV[6])
  return 1
end
return redis.error_reply('unknown operation ' .. tostring(op))
