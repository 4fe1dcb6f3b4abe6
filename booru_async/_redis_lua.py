"""The Lua scripts behind :class:`booru_async.RedisScheduler` (data, no I/O).

Every decision about a shared bucket runs inside Redis as one atomic script on the server's
clock (``TIME``), so processes on machines with skewed clocks agree and no two processes can
spend the same token. Times are seconds (floats) on that clock; floats go back to Python as
strings because Redis truncates Lua numbers to integers in replies.

Keys of one site host share a hash tag (``prefix:{host}:...``) so every script touches a
single cluster slot. Per bucket (one per endpoint group, plus ``site`` and ``cdn``):

- ``<b>`` hash, the fields of docs/design.md's bucket table under short names: ``lim``,
  ``win`` (the sliding-log budget), ``seed`` (what a lowered limit recovers to), ``pwin``
  (the profile's window), ``mg`` (margin seconds), ``hdr`` (announced), ``xrl``
  (``rl_limit``), ``rem`` / ``rst`` (``remaining`` / ``reset_at``, on the Redis clock),
  ``prov`` (provisional), ``lw`` (learned window), ``lar`` / ``gap`` (the last reset read in
  an answer and the gap before it),
  ``lb`` (last bulk), ``bu`` / ``pa`` / ``prb`` / ``pr`` (the pause, its probe and the probe's
  ticket), ``c429`` (backoff attempt), ``st`` / ``stb`` / ``sts`` / ``str`` / ``bad`` /
  ``cln`` (storm learning and recovery, R7).
- ``<b>:log`` sorted set: the grants (ticket -> grant time), the sliding log.
- ``<b>:fl`` sorted set: tickets in flight (ticket -> lease end; a crashed process's
  tickets expire instead of holding tokens for ever).
- ``<b>:q`` sorted set: the waiters queued in every process (``"<priority>|<id>"`` -> lease
  end), so a lower priority leaves tokens to higher ones waiting anywhere.

Per host: ``guard`` hash (``until``, ``reason``, ``chal``: the challenge/ban breaker),
``rejoin`` (no grants until then: processes coming back from the fallback first report what
they sent), ``procs`` sorted set (live processes, for the fallback share).
"""

from __future__ import annotations

__all__ = ["ACQUIRE", "REFUND", "REJOIN", "SETTLE"]

# Shared helpers, prepended to every script.
_COMMON = r"""
local function fmt(x) return string.format('%.6f', x) end
local function clock()
  local t = redis.call('TIME')
  return tonumber(t[1]) + tonumber(t[2]) / 1000000
end
local INF = 1e18
local STATE_TTL = 86400000
-- Resets arrive in whole seconds: closer than this they name the same window.
local TOL = 1.0
-- Past an announced reset, wait at most this long for latency (the margin is 2 % else).
local RESET_MARGIN_CAP = 0.05

local function load(key, limit, window, margin)
  local f = redis.call('HMGET', key, 'lim', 'seed', 'win', 'mg', 'hdr', 'xrl', 'rem', 'rst',
    'lb', 'bu', 'pa', 'prb', 'pr', 'c429', 'st', 'stb', 'sts', 'str', 'bad', 'cln', 'lw', 'gap',
    'prov', 'pwin', 'lar')
  local b = {
    lim = tonumber(f[1]), seed = tonumber(f[2]), win = tonumber(f[3]), mg = tonumber(f[4]),
    hdr = tonumber(f[5]) or 0, xrl = tonumber(f[6]), rem = tonumber(f[7]), rst = tonumber(f[8]),
    lb = tonumber(f[9]) or -INF, bu = tonumber(f[10]) or -INF, pa = tonumber(f[11]) or -INF,
    prb = tonumber(f[12]) or 0, pr = f[13] or '', c429 = tonumber(f[14]) or 0,
    st = tonumber(f[15]) or -INF, stb = tonumber(f[16]) or 0, sts = tonumber(f[17]) or 0,
    str = tonumber(f[18]) or 0, bad = tonumber(f[19]) or 0, cln = tonumber(f[20]) or -INF,
    lw = tonumber(f[21]), gap = tonumber(f[22]), prov = tonumber(f[23]) or 0,
    pwin = tonumber(f[24]), lar = tonumber(f[25]), key = key,
  }
  if b.lim == nil then
    b.lim = limit; b.seed = limit; b.win = window; b.pwin = window; b.mg = margin * window
  end
  b.margin = b.mg / b.win
  return b
end

local function save(b)
  redis.call('HSET', b.key, 'lim', b.lim, 'seed', b.seed, 'win', fmt(b.win), 'mg', fmt(b.mg),
    'hdr', b.hdr, 'lb', fmt(b.lb), 'bu', fmt(b.bu), 'pa', fmt(b.pa), 'prb', b.prb, 'pr', b.pr,
    'c429', b.c429, 'st', fmt(b.st), 'stb', b.stb, 'sts', b.sts, 'str', b.str, 'bad', b.bad,
    'cln', fmt(b.cln), 'prov', b.prov, 'pwin', fmt(b.pwin))
  if b.xrl then redis.call('HSET', b.key, 'xrl', b.xrl) end
  if b.lw then redis.call('HSET', b.key, 'lw', fmt(b.lw)) end
  if b.gap then redis.call('HSET', b.key, 'gap', fmt(b.gap)) end
  if b.lar then redis.call('HSET', b.key, 'lar', fmt(b.lar)) end
  if b.rem then
    redis.call('HSET', b.key, 'rem', b.rem, 'rst', fmt(b.rst))
  else
    redis.call('HDEL', b.key, 'rem', 'rst')
  end
  redis.call('PEXPIRE', b.key, STATE_TTL)
end

-- R3: at reset + margin the server's window rolls: it holds X-RL tokens again (less what is
-- in flight), and the next reset is one learned window later (provisional until an answer).
local function roll(b, fl, now)
  if b.hdr == 1 and b.rst ~= nil and b.xrl ~= nil then
    local step = b.lw or b.pwin
    local mg = math.min(b.margin * step, RESET_MARGIN_CAP)
    if now >= b.rst + mg then
      local n = math.floor((now - b.rst - mg) / step) + 1
      b.rst = b.rst + n * step
      redis.call('ZREMRANGEBYSCORE', fl, '-inf', now)
      b.rem = b.xrl - redis.call('ZCARD', fl)
      b.prov = 1
    end
  end
end

local function in_flight(fl, now)
  redis.call('ZREMRANGEBYSCORE', fl, '-inf', now)
  return redis.call('ZCARD', fl)
end

local function interval(b)
  if b.hdr == 1 and b.xrl ~= nil then return (b.lw or b.pwin) / b.xrl end
  return (b.win + b.mg) / b.lim
end

-- (ready_at, free tokens now, why) for one bucket at priority prio.
local function availability(b, log, fl, now, prio)
  local at, why = math.max(now, b.bu), 'pause'
  local free
  if b.prb == 1 and b.pr ~= '' then
    local lease = redis.call('ZSCORE', fl, b.pr)
    if lease and tonumber(lease) > now then return tonumber(lease), 0, 'probe' end
    b.pr = ''  -- the probe's process died: let another probe go
  end
  if b.hdr == 1 and b.rem ~= nil then
    -- R3: the announcement decides; the profile's log plays no part.
    free = b.rem
    local mg = math.min(b.margin * (b.lw or b.pwin), RESET_MARGIN_CAP)
    if b.rem <= 0 and b.rst + mg > at then at = b.rst + mg; why = 'reset' end
    if prio == 2 and b.rem > 0 then
      -- R5: spread what is left of the window evenly to its end.
      local step
      if b.lb > b.rst - (b.lw or b.pwin) then step = (b.rst - b.lb) / b.rem
      else step = (b.lw or b.pwin) / b.xrl end
      if b.lb + step > at then at = b.lb + step; why = 'budget' end
    end
  else
    -- R1: a sliding log of the last `lim` grants within window + margin.
    redis.call('ZREMRANGEBYSCORE', log, '-inf', now - b.win - b.mg)
    local used = redis.call('ZCARD', log)
    free = b.lim - used
    if used >= b.lim then
      local oldest = redis.call('ZRANGE', log, used - b.lim, used - b.lim, 'WITHSCORES')
      local t = tonumber(oldest[2]) + b.win + b.mg
      if t > at then at = t; why = 'budget' end
    end
    if prio == 2 and b.lb + interval(b) > at then at = b.lb + interval(b); why = 'budget' end
  end
  if b.prb == 1 then free = math.min(free, 1) end
  if at > now then free = 0 end
  return at, free, why
end
"""

#: KEYS: guard, rejoin, procs, then per bucket: hash, log, fl, q; then the epoch key.
#: ARGV: mode ("grant" | "peek"), n buckets, priority, waiter id, ticket, lease, process id,
#: max_wait (seconds left, "" = no limit), then per bucket: limit, window, margin (fraction).
#: Reply: {"ok", now, procs, challenged_ago} | {"wait", seconds, procs, reason, now}
#: | {"ban", seconds, procs} | {"long", seconds, procs, reason}. For reason "probe" the
#: seconds are the probe's lease end: its answer normally comes much sooner, so the caller
#: polls rather than sleeping that long.
ACQUIRE = (
    _COMMON
    + r"""
local now = clock()
local mode, n, prio = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local waiter, ticket, lease, proc = ARGV[4], ARGV[5], tonumber(ARGV[6]), ARGV[7]
-- nil: no limit. A limit of 0 or less means "only a grant now".
local max_wait = tonumber(ARGV[8])

redis.call('ZADD', KEYS[3], now + 60, proc)
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
redis.call('PEXPIRE', KEYS[3], 120000)
local procs = redis.call('ZCARD', KEYS[3])

-- The state's epoch: a Redis that restarted (or was flushed) has lost every log. A caller
-- that knew another epoch is told so before anything is granted on the empty state; it
-- reports its recent grants (REJOIN) and asks again.
local ekey, known = KEYS[4 + 4 * n], ARGV[9 + 3 * n]
local ep = redis.call('GET', ekey)
if not ep then
  ep = ARGV[10 + 3 * n]
  redis.call('SET', ekey, ep)
end
local function with_epoch(t) t[#t + 1] = ep; return t end
if known ~= '' and known ~= ep then return with_epoch({'epoch', '0', procs}) end

local g = redis.call('HMGET', KEYS[1], 'until', 'reason', 'chal')
local g_until, g_reason = tonumber(g[1]) or -INF, g[2]
local chal_ago = now - (tonumber(g[3]) or -INF)
if g_reason == 'ban' and now < g_until then
  return with_epoch({'ban', fmt(g_until - now), procs})
end
local at, reason = math.max(now, g_until), 'guard'
local rejoin = tonumber(redis.call('GET', KEYS[2]) or '-1')
if rejoin > at then at = rejoin; reason = 'rejoin' end

local buckets = {}
for i = 1, n do
  local k = 3 + (i - 1) * 4
  local j = 8 + (i - 1) * 3
  local b = load(KEYS[k + 1], tonumber(ARGV[j + 1]), tonumber(ARGV[j + 2]),
    tonumber(ARGV[j + 3]))
  local log, fl, q = KEYS[k + 2], KEYS[k + 3], KEYS[k + 4]
  roll(b, fl, now)
  local b_at, free, why = availability(b, log, fl, now, prio)
  if b_at > at then at = b_at; reason = why end
  -- Waiters of a higher priority anywhere keep the tokens they need.
  redis.call('ZREMRANGEBYSCORE', q, '-inf', now)
  local higher = 0
  for _, member in ipairs(redis.call('ZRANGE', q, 0, -1)) do
    local p = tonumber(string.sub(member, 1, 1))
    if p < prio then higher = higher + 1 end
  end
  if higher > 0 and free <= higher then
    local after = math.max(now, b_at) + math.min(interval(b), 1.0)
    if after > at then at = after; reason = 'priority' end
  end
  buckets[i] = {b = b, log = log, fl = fl, q = q}
end

if at > now then
  -- A probe's lease end is a bound, not a forecast: a caller with a max_wait polls until
  -- its own deadline instead of being refused at once.
  if max_wait ~= nil and (at - now > max_wait and (reason ~= 'probe' or max_wait <= 0)) then
    return with_epoch({'long', fmt(at - now), procs, reason})
  end
  if mode == 'grant' then
    for i = 1, n do
      local e = buckets[i]
      local until_ = at + 2 + math.min(at - now, 60)
      redis.call('ZADD', e.q, until_, prio .. '|' .. waiter)
      -- The key outlives its latest member (a long max_pause wait included).
      local ttl = math.ceil((until_ - now) * 1000) + 1000
      if redis.call('PTTL', e.q) < ttl then redis.call('PEXPIRE', e.q, ttl) end
      save(e.b)
    end
  end
  return with_epoch({'wait', fmt(at - now), procs, reason, fmt(now)})
end
if mode == 'peek' then return with_epoch({'wait', fmt(0), procs, 'none', fmt(now)}) end

for i = 1, n do
  local e = buckets[i]
  local b = e.b
  redis.call('ZREM', e.q, prio .. '|' .. waiter)
  redis.call('ZADD', e.log, now, ticket)
  -- Trimmed on every grant: an announced (header-driven) bucket never reads the log in
  -- availability(), so nothing else would bound it.
  redis.call('ZREMRANGEBYSCORE', e.log, '-inf', now - b.win - b.mg)
  redis.call('PEXPIRE', e.log, math.ceil((b.win + b.mg + 60) * 1000))
  redis.call('ZADD', e.fl, now + lease, ticket)
  redis.call('PEXPIRE', e.fl, math.ceil((lease + 60) * 1000))
  if b.rem ~= nil then b.rem = b.rem - 1 end
  if prio == 2 then b.lb = now end
  if b.prb == 1 and b.pr == '' then b.pr = ticket end
  save(b)
end
return with_epoch({'ok', fmt(now), procs, fmt(chal_ago)})
"""
)

#: KEYS: guard, the guard's clock offsets (list), then per bucket: hash, log, fl.
#: ARGV: n, ticket, status (-1: no answer), target bucket index for a 429 (0 = none),
#: hints bucket index (0 = none), limit, remaining, reset_after, retry_after ("" = absent),
#: empty body (0/1), html (0/1), backoff base, backoff cap, jitter (0..1), challenge pause,
#: ban period, ban window, seconds since the answer, Date epoch, absolute reset epoch.
#: Reply: {wait after a 429 or -1, guard seconds left, guard reason, limit of the target,
#: the hinted bucket's X-RL ("" = none) and window (learned, else the profile's)}.
SETTLE = (
    _COMMON
    + r"""
local now = clock()
local n, ticket, status = tonumber(ARGV[1]), ARGV[2], tonumber(ARGV[3])
local target, hinted = tonumber(ARGV[4]), tonumber(ARGV[5])
local h_limit, h_rem = tonumber(ARGV[6]), tonumber(ARGV[7])
local h_reset, h_retry = tonumber(ARGV[8]), tonumber(ARGV[9])
local empty, html = ARGV[10] == '1', ARGV[11] == '1'
local base, cap, jitter = tonumber(ARGV[12]), tonumber(ARGV[13]), tonumber(ARGV[14])
local chal_pause, ban_period, ban_window = tonumber(ARGV[15]), tonumber(ARGV[16]),
  tonumber(ARGV[17])

-- ARGV[18]: seconds since the answer came; ARGV[19]: its Date as epoch ("" = none);
-- ARGV[20]: the reset as a server epoch when it was absolute ("" = relative or none);
-- ARGV[21]: the in-flight lease the grants were given (grant time = lease end - lease).
local receipt = now - tonumber(ARGV[18])
local date, reset_abs = tonumber(ARGV[19]), tonumber(ARGV[20])
local lease = tonumber(ARGV[21])
if date ~= nil then
  -- R9: Date has whole seconds and arrives late, so each sample is at most the true
  -- offset; the largest of the last 32 converges from below, and a reset converted with
  -- it is never early.
  redis.call('LPUSH', KEYS[2], fmt(date - receipt))
  redis.call('LTRIM', KEYS[2], 0, 31)
  redis.call('PEXPIRE', KEYS[2], STATE_TTL)
end
if h_reset ~= nil then
  if reset_abs ~= nil and date ~= nil then
    local off = -INF
    for _, v in ipairs(redis.call('LRANGE', KEYS[2], 0, -1)) do
      off = math.max(off, tonumber(v))
    end
    h_reset = reset_abs - off - now
  else
    h_reset = receipt + h_reset - now
  end
end
if h_retry ~= nil then h_retry = math.max(0, receipt + h_retry - now) end

local waited, limit_out = -1, -1
local xrl_out, win_out = '', ''  -- the fallback's share follows the announced limit
for i = 1, n do
  local k = 2 + (i - 1) * 3
  local key, log, fl = KEYS[k + 1], KEYS[k + 2], KEYS[k + 3]
  redis.call('ZREM', fl, ticket)
  if status >= 0 and redis.call('EXISTS', key) == 1 then
    local b = load(key, 1, 1, 0)
    roll(b, fl, now)
    local granted = tonumber(redis.call('ZSCORE', log, ticket) or now)
    if i == hinted then
      local changed = h_limit ~= nil and b.xrl ~= nil and h_limit ~= b.xrl
      if h_limit ~= nil and h_limit ~= b.seed and (h_rem == nil or h_reset == nil) then
        -- R1: an X-RL alone replaces the sliding log's limit.
        b.seed = h_limit; b.lim = h_limit
      end
      if h_rem ~= nil and h_reset ~= nil then
        -- R2: the announcement is the authority.
        local reset = now + h_reset
        -- The server has not counted the requests granted after this one and still in
        -- flight (those granted before it reached the server first, and are counted).
        redis.call('ZREMRANGEBYSCORE', fl, '-inf', now)
        local newer = redis.call('ZCOUNT', fl, '(' .. fmt(granted + lease), '+inf')
        local est = math.max(0, h_rem - newer)
        if b.lar == nil or reset >= b.lar + TOL then
          -- R4: the gap between successive resets read in answers (never a rolled one)
          -- is the window length; a longer gap only when it repeats.
          if b.lar ~= nil then
            local gap = reset - b.lar
            if b.lw == nil or gap <= 1.5 * b.lw
              or (b.gap ~= nil and math.abs(gap - b.gap) <= TOL) then
              b.lw = gap
            end
            b.gap = gap
          end
          b.lar = reset
        end
        if b.hdr == 0 or b.rst == nil then
          b.rem = est; b.rst = reset; b.prov = 0
        elseif reset > b.rst + TOL then
          b.rem = est; b.rst = reset; b.prov = 0
        elseif reset >= b.rst - TOL then
          if changed then b.rem = est else b.rem = math.min(b.rem or est, est) end
          -- Whole seconds on the wire, rounded up: the earliest bound is the tightest.
          if b.prov == 0 then b.rst = math.min(b.rst, reset) else b.rst = reset end
          b.prov = 0
        elseif b.prov == 1 or changed then
          b.rem = est; b.rst = reset; b.prov = 0
        end
        b.hdr = 1
        b.xrl = h_limit or b.xrl or b.lim
      elseif h_limit ~= nil then
        b.xrl = h_limit
      end
      if b.xrl ~= nil then xrl_out = b.xrl; win_out = fmt(b.lw or b.pwin) end
    end
    if status == 429 and i == target then
      -- R6: pause, then exactly one probe.
      local fresh = granted >= b.pa
      if fresh then b.c429 = b.c429 + 1 end
      local wait = h_retry or h_reset
      if wait == nil then
        local ceiling = math.min(cap, base * 2 ^ math.min(b.c429 - 1, 32))
        wait = math.max(base / 2, jitter * ceiling)
      end
      if fresh or now + wait > b.bu then b.bu = now + wait end
      b.pa = now; b.prb = 1; b.pr = ''
      if i == hinted and h_rem ~= nil and h_reset ~= nil then
        b.rem = 0
      elseif h_limit == nil then
        -- R7: a storm of 429s that name no limit lowers the limit once.
        if granted > b.st then
          b.st = now; b.stb = b.lim; b.str = 0
          b.sts = redis.call('ZCOUNT', log, now - b.win - b.mg, '+inf')
        end
        b.str = b.str + 1
        local accepted = b.sts - b.str
        local half = math.ceil(b.stb / 2)
        if accepted >= half then
          b.lim = math.min(b.stb - 1, accepted); b.bad = accepted + 1
        else
          b.lim = half; b.bad = b.stb
        end
        b.lim = math.max(1, b.lim)
        b.cln = now
      end
      waited = b.bu - now
      limit_out = b.lim
    elseif status ~= 429 then
      if b.prb == 1 and granted >= b.pa then
        b.prb = 0; b.c429 = 0; b.pr = ''
      end
      if b.lim < b.seed and now >= b.cln + b.win then
        -- R7 recovery: double up to just below the level that failed, then one token
        -- per clean window up to the seed.
        if b.lim < b.bad - 1 then b.lim = math.min(b.lim * 2, b.bad - 1, b.seed)
        else b.lim = math.min(b.lim + 1, b.seed) end
        b.cln = now
      end
    end
    save(b)
  end
end

local g = redis.call('HMGET', KEYS[1], 'until', 'reason', 'chal')
local g_until, g_reason, chal = tonumber(g[1]) or -INF, g[2] or '', tonumber(g[3]) or -INF
if status == 501 and html then
  chal = now
  g_until = math.max(g_until, now + chal_pause)
  if g_reason ~= 'ban' or now >= g_until then g_reason = 'challenge' end
elseif status == 500 and empty and now - chal <= ban_window then
  g_until = now + ban_period
  g_reason = 'ban'
end
if g_until > now then
  redis.call('HSET', KEYS[1], 'until', fmt(g_until), 'reason', g_reason, 'chal', fmt(chal))
  redis.call('PEXPIRE', KEYS[1], math.ceil((g_until - now + ban_window + 60) * 1000))
elseif chal > -INF then
  redis.call('HSET', KEYS[1], 'chal', fmt(chal))
  redis.call('PEXPIRE', KEYS[1], math.ceil((ban_window + 60) * 1000))
end
return {fmt(waited), fmt(math.max(0, g_until - now)), g_reason, limit_out, xrl_out, win_out}
"""
)

#: KEYS: per bucket: hash, log, fl, q. ARGV: n, ticket, waiter ("" = none), priority.
#: Gives back a token that never reached the server, or withdraws a waiter.
REFUND = (
    _COMMON
    + r"""
local now = clock()
local n, ticket, waiter, prio = tonumber(ARGV[1]), ARGV[2], ARGV[3], ARGV[4]
for i = 1, n do
  local k = (i - 1) * 4
  local key, log, fl, q = KEYS[k + 1], KEYS[k + 2], KEYS[k + 3], KEYS[k + 4]
  if waiter ~= '' then redis.call('ZREM', q, prio .. '|' .. waiter) end
  if ticket ~= '' and redis.call('ZSCORE', fl, ticket) then
    -- Roll first, with the ticket still in flight: a window that rolled now starts at
    -- X-RL less what is in flight, this ticket included, so giving it back below counts
    -- it once (rolling after removing it counted it twice).
    local b = nil
    if redis.call('EXISTS', key) == 1 then
      b = load(key, 1, 1, 0)
      roll(b, fl, now)
    end
    if redis.call('ZREM', fl, ticket) == 1 then
      redis.call('ZREM', log, ticket)
      if b ~= nil then
        if b.rem ~= nil then b.rem = b.rem + 1 end
        if b.pr == ticket then b.pr = '' end
      end
    end
    if b ~= nil then save(b) end
  end
end
return 1
"""
)

#: KEYS: rejoin, guard, then per bucket: hash, log, fl.
#: ARGV: grace, n, guard seconds left ("" = none), guard reason, seconds since the last
#: challenge ("" = none), ban window, then per bucket: limit, window, margin, pause seconds
#: left ("" = none), count m and m pairs (ticket, age in seconds), count k and k tickets.
#: Back from the fallback: report what this process learnt and sent while Redis was away,
#: which the settles it could not send would have told:
#: - the grants of the last window (a restarted Redis lost them);
#: - the tickets it settled or refunded meanwhile (still in flight here until their lease
#:   ends otherwise);
#: - a 429 pause (it starts one probe, as SETTLE does) and the challenge/ban breaker.
#: Then every grant is held for ``grace`` so the other processes report theirs before
#: anyone spends the window again.
REJOIN = (
    _COMMON
    + r"""
local now = clock()
local grace, n = tonumber(ARGV[1]), tonumber(ARGV[2])
local g_left, g_reason, chal_ago = tonumber(ARGV[3]), ARGV[4], tonumber(ARGV[5])
local ban_window = tonumber(ARGV[6])
if g_left ~= nil or chal_ago ~= nil then
  local g = redis.call('HMGET', KEYS[2], 'until', 'reason', 'chal')
  local g_until, reason, chal = tonumber(g[1]) or -INF, g[2] or '', tonumber(g[3]) or -INF
  if g_left ~= nil and now + g_left > g_until then
    -- A running ban is never downgraded to a challenge pause.
    if g_reason == 'ban' or reason ~= 'ban' or now >= g_until then reason = g_reason end
    g_until = now + g_left
  end
  if chal_ago ~= nil then chal = math.max(chal, now - chal_ago) end
  redis.call('HSET', KEYS[2], 'until', fmt(g_until), 'reason', reason, 'chal', fmt(chal))
  redis.call('PEXPIRE', KEYS[2],
    math.ceil((math.max(g_until - now, 0) + ban_window + 60) * 1000))
end
local a = 7
for i = 1, n do
  local k = 2 + (i - 1) * 3
  local key, log, fl = KEYS[k + 1], KEYS[k + 2], KEYS[k + 3]
  local limit, window, margin = tonumber(ARGV[a]), tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2])
  local pause = tonumber(ARGV[a + 3])
  a = a + 4
  local m = tonumber(ARGV[a]); a = a + 1
  for _ = 1, m do
    redis.call('ZADD', log, 'NX', now - tonumber(ARGV[a + 1]), ARGV[a])
    a = a + 2
  end
  if m > 0 then redis.call('PEXPIRE', log, 3600000) end
  local settled = tonumber(ARGV[a]); a = a + 1
  for _ = 1, settled do
    redis.call('ZREM', fl, ARGV[a])
    a = a + 1
  end
  if pause ~= nil then
    local b = load(key, limit, window, margin)
    if now + pause > b.bu then b.bu = now + pause end
    b.pa = now; b.prb = 1; b.pr = ''
    save(b)
  end
end
local until_ = now + grace
local current = tonumber(redis.call('GET', KEYS[1]) or '-1')
if current < until_ then
  redis.call('SET', KEYS[1], fmt(until_), 'PX', math.ceil(grace * 1000) + 1000)
end
return fmt(now)
"""
)
