// The waiting room lives in Redis and every change to it is one Lua script, so any replica can
// issue, promote or expire without a lock and without clock skew between pods (TIME is Redis's).
// The key layout is in keys.ts.
import { TOKEN_PREFIX, USER_PREFIX } from './keys';

const NOW = `
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
`;

const TICK = `${NOW}
local function tick(waiting, active, now, max_active, ttl_ms)
  local expired = redis.call('ZRANGEBYSCORE', active, '-inf', now, 'LIMIT', 0, 1000)
  for _, t in ipairs(expired) do
    local tk = '${TOKEN_PREFIX}' .. t
    local u = redis.call('HGET', tk, 'u')
    if u then
      local uk = '${USER_PREFIX}' .. u
      if redis.call('GET', uk) == t then redis.call('DEL', uk) end
      redis.call('HSET', tk, 'e', 'expired')
      redis.call('EXPIRE', tk, 3600)
    end
    redis.call('ZREM', active, t)
  end
  local free = max_active - redis.call('ZCARD', active)
  if free > 0 then
    local popped = redis.call('ZPOPMIN', waiting, free)
    for i = 1, #popped, 2 do
      redis.call('ZADD', active, now + ttl_ms, popped[i])
    end
  end
end
`;

const STATUS_OF = `
local function status_of(waiting, active, t)
  local until_ms = redis.call('ZSCORE', active, t)
  if until_ms then return {'ACTIVE', 0, until_ms} end
  local rank = redis.call('ZRANK', waiting, t)
  if rank then return {'WAITING', rank + 1, ''} end
  return nil
end
`;

const READ = `${STATUS_OF}
-- A token's record and place. An ACTIVE token whose time is up by \`now\` reads as ENDED 'expired',
-- as the tick would have made it (after a tick none is left).
local function read_token(tok, waiting, active, t, now)
  local rec = redis.call('HMGET', tok, 'u', 'e')
  if not rec[1] then return {'INVALID'} end
  if rec[2] then return {'ENDED', rec[1], rec[2]} end
  local s = status_of(waiting, active, t)
  if not s or (s[1] == 'ACTIVE' and tonumber(s[3]) <= now) then return {'ENDED', rec[1], 'expired'} end
  return {s[1], rec[1], s[2], s[3]}
end
`;

/** KEYS: user, new token, seq, waiting, active. ARGV: userId, new token, maxActive, ttlMs.
 *  Returns {created, token, state, position, activeUntilMs}. */
export const ISSUE = `${TICK}${STATUS_OF}
local now = now_ms()
local token = redis.call('GET', KEYS[1])
local created = 0
if not token then
  token = ARGV[2]
  redis.call('SET', KEYS[1], token)
  redis.call('HSET', KEYS[2], 'u', ARGV[1])
  redis.call('ZADD', KEYS[4], redis.call('INCR', KEYS[3]), token)
  created = 1
end
tick(KEYS[4], KEYS[5], now, tonumber(ARGV[3]), tonumber(ARGV[4]))
local s = status_of(KEYS[4], KEYS[5], token)
return {created, token, s[1], s[2], s[3]}
`;

/** KEYS: token hash, waiting, active. ARGV: token, maxActive, ttlMs.
 *  Returns {'INVALID'} | {'ENDED', userId, why} | {state, userId, position, activeUntilMs}. */
export const STATUS = `${TICK}${READ}
local now = now_ms()
tick(KEYS[2], KEYS[3], now, tonumber(ARGV[2]), tonumber(ARGV[3]))
return read_token(KEYS[1], KEYS[2], KEYS[3], ARGV[1], now)
`;

/** KEYS: token hash, waiting, active. ARGV: token. The gate's read: STATUS's answer without its
 *  tick, which only status polling and the periodic tick need (promotion is theirs; a gate that
 *  ticked cost three more commands per seat, hold and payment request).
 *  Returns {'INVALID'} | {'ENDED', userId, why} | {state, userId, position, activeUntilMs}. */
export const GATE = `${NOW}${READ}
return read_token(KEYS[1], KEYS[2], KEYS[3], ARGV[1], now_ms())
`;

/** KEYS: token hash, waiting, active. ARGV: token, why. Ends a token (after payment). */
export const END = `
local u = redis.call('HGET', KEYS[1], 'u')
if not u then return 0 end
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
local uk = '${USER_PREFIX}' .. u
if redis.call('GET', uk) == ARGV[1] then redis.call('DEL', uk) end
redis.call('HSET', KEYS[1], 'e', ARGV[2])
redis.call('EXPIRE', KEYS[1], 3600)
return 1
`;

/** KEYS: waiting, active. ARGV: maxActive, ttlMs. Returns {waiting, active}. */
export const TICK_ONLY = `${TICK}
tick(KEYS[1], KEYS[2], now_ms(), tonumber(ARGV[1]), tonumber(ARGV[2]))
return {redis.call('ZCARD', KEYS[1]), redis.call('ZCARD', KEYS[2])}
`;
