"""The frontier of a crawl shared by many workers, in Redis: every URL seen
once, per-host FIFO queues, and each host's politeness gate, changed only by
Lua scripts so that every decision is atomic and timed by the Redis clock.

A host with queued URLs and no lease waits in the `hosts` heap, scored by
the earliest time its next request may start. `claim` takes due hosts out of
the heap and leases each to one worker with the head of its queue, so at
most one request per host is in flight across all workers. `start`, called
just before a request is really sent, refuses a worker that no longer holds
the lease and stores the start time; `release` puts the host back at

    max(last start + gap, last response began + gap, now + pause)

where the worker passes the gap (DOWNLOAD_DELAY, Crawl-delay, slow-down) and
how long ago the response began by its own monotonic clock: no worker's wall
clock ever decides a gap.

A URL moves queued -> claimed (`fly:<w>`) -> parsed with its document in an
open shard (`held:<w>`) -> done, once the shard is committed, or at once
when it needs no document. Nothing is popped for good: a worker whose
liveness key expires is reaped by any other, its claimed and held URLs go
back to the head of their queues and its leases are freed. `commit` is the
point where a document becomes stored: it refuses a worker that was reaped,
and records the shard until the worker confirms its rename, so that a reaper
can finish the rename of a worker killed in between.

Keys are prefixed `crawl:<crawl_id>:` and built inside the scripts: one Redis
server (or a primary with replicas), not Redis Cluster. No request is ever
pickled into Redis: whoever can write a key would run code in every worker.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import redis

from crawler.errors import ConfigError, WorkerFenced
from crawler.shards import fsync_dir

logger = logging.getLogger(__name__)

#: The seen set is split into 2**SEEN_BUCKET_BITS sets of signed 64-bit
#: fingerprints, bucketed by their top bits: each stays small enough for
#: Redis's compact integer-set encoding (8 bytes a URL instead of ~50).
SEEN_BUCKET_BITS = 18
_SIGNED = 1 << 63

_LUA_HEAD = """
local P = ARGV[1]
local function now_us()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000000 + tonumber(t[2])
end
local function s(x) return string.format('%d', x) end
local function split(text, sep)
  local out, from = {}, 1
  if text == '' then return out end
  while true do
    local at = string.find(text, sep, from, true)
    if not at then
      out[#out + 1] = string.sub(text, from)
      return out
    end
    out[#out + 1] = string.sub(text, from, at - 1)
    from = at + 1
  end
end
local function items(text) -- the tab-separated fields of each line
  local out = {}
  for _, line in ipairs(split(text, '\\n')) do out[#out + 1] = split(line, '\\t') end
  return out
end
local function member(w, token) return redis.call('HGET', P .. 'workers', w) == token end
local function fp_host(rec)
  local a = string.find(rec, '|', 1, true)
  local b = string.find(rec, '|', a + 1, true)
  return string.sub(rec, 1, a - 1), string.sub(rec, a + 1, b - 1)
end
local function offer(host)
  if redis.call('HEXISTS', P .. 'lease', host) == 0 and redis.call('LLEN', P .. 'q:' .. host) > 0 then
    local due = tonumber(redis.call('HGET', P .. 'h:' .. host, 'next')) or 0
    redis.call('ZADD', P .. 'hosts', 'NX', s(due), host)
  end
end
local function release(w, now, host, gap, since, pause, state, gave_up, rec)
  if redis.call('HGET', P .. 'lease', host) ~= w then return 0 end
  redis.call('HDEL', P .. 'lease', host)
  redis.call('SREM', P .. 'leases:' .. w, host)
  local hk = P .. 'h:' .. host
  local h = redis.call('HMGET', hk, 'last_start', 'last_answered')
  local last_start, answered = tonumber(h[1]) or 0, tonumber(h[2]) or 0
  if since >= 0 then answered = math.max(answered, now - since) end
  local due = math.max(last_start + gap, answered + gap, now + pause)
  redis.call('HSET', hk, 'next', s(due), 'gap', s(gap), 'last_answered', s(answered), 'state', state,
             'paused_until', s(pause > 0 and now + pause or 0))
  if pause > 0 then
    redis.call('ZADD', P .. 'paused', s(now + pause), host)
  else
    redis.call('ZREM', P .. 'paused', host)
  end
  if gave_up == '1' then redis.call('SADD', P .. 'gaveup', host) end
  if rec ~= '' then
    redis.call('HDEL', P .. 'fly:' .. w, (fp_host(rec)))
    redis.call('LPUSH', P .. 'q:' .. host, rec)
    redis.call('HINCRBY', P .. 'n', 'queued', 1)
  end
  offer(host)
  return 1
end
"""

_JOIN = """
local w, ttl = ARGV[2], ARGV[3]
local live = redis.call('GET', P .. 'live:' .. w)
if live then return {0, live} end
if redis.call('HEXISTS', P .. 'workers', w) == 1 then return {1, ''} end
local token = w .. ':' .. redis.call('INCR', P .. 'epoch:' .. w)
redis.call('HSET', P .. 'workers', w, token)
redis.call('SET', P .. 'live:' .. w, token, 'PX', ttl)
return {2, token}
"""

_BEAT = """
local w, token = ARGV[2], ARGV[3]
if not member(w, token) then return 0 end
redis.call('SET', P .. 'live:' .. w, token, 'PX', ARGV[4])
return 1
"""

_SYNC = """
local w, token, max_pages, max_host = ARGV[2], ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5])
local k = tonumber(ARGV[6])
if not member(w, token) then return {-1} end
local now = now_us()
local verdicts = {}
for _, add in ipairs(items(ARGV[7])) do
  local bucket, fp, host, rec, page = add[1], add[2], add[3], add[4], add[5]
  local seen = P .. 'seen:' .. bucket
  local hk = P .. 'h:' .. host
  local verdict = 1
  if redis.call('SISMEMBER', seen, fp) == 1 then
    verdict = 0
  elseif page == '1' and max_pages > 0 and (tonumber(redis.call('HGET', P .. 'n', 'pages')) or 0) >= max_pages then
    verdict = 2
  elseif page == '1' and max_host > 0 and (tonumber(redis.call('HGET', hk, 'pages')) or 0) >= max_host then
    verdict = 3
  else
    if page == '1' then
      redis.call('HINCRBY', P .. 'n', 'pages', 1)
      redis.call('HINCRBY', hk, 'pages', 1)
    end
    redis.call('SADD', seen, fp)
    redis.call('HINCRBY', P .. 'n', 'seen', 1)
    redis.call('HINCRBY', P .. 'n', 'open', 1)
    redis.call('HINCRBY', P .. 'n', 'queued', 1)
    redis.call('RPUSH', P .. 'q:' .. host, rec)
    offer(host)
  end
  verdicts[#verdicts + 1] = verdict
end
local fly, held = P .. 'fly:' .. w, P .. 'held:' .. w
for _, settle in ipairs(items(ARGV[8])) do
  local fp, stored = settle[1], settle[2]
  local rec = redis.call('HGET', fly, fp)
  if rec then
    redis.call('HDEL', fly, fp)
    if stored == '1' then redis.call('HSET', held, fp, rec) end
    redis.call('HINCRBY', P .. 'n', 'open', -1)
  end
end
for _, r in ipairs(items(ARGV[9])) do
  release(w, now, r[1], tonumber(r[2]), tonumber(r[3]), tonumber(r[4]), r[5], r[6], r[7])
end
local claimed = {}
local first = '-1'
if k > 0 then
  for _, host in ipairs(redis.call('ZRANGEBYSCORE', P .. 'hosts', '-inf', s(now), 'LIMIT', 0, k)) do
    redis.call('ZREM', P .. 'hosts', host)
    local rec = redis.call('LPOP', P .. 'q:' .. host)
    if rec then
      local fp = fp_host(rec)
      redis.call('HSET', fly, fp, rec)
      redis.call('HSET', P .. 'lease', host, w)
      redis.call('SADD', P .. 'leases:' .. w, host)
      redis.call('HINCRBY', P .. 'n', 'queued', -1)
      local h = redis.call('HMGET', P .. 'h:' .. host, 'state', 'last_start', 'paused_until')
      redis.call('HSET', P .. 'h:' .. host, 'last_start', s(now))
      claimed[#claimed + 1] = table.concat({host, rec, h[1] or '', h[2] and s(now - tonumber(h[2])) or '-1',
                                            s(math.max(0, (tonumber(h[3]) or 0) - now))}, '\\t')
    end
  end
  local head = redis.call('ZRANGE', P .. 'hosts', 0, 0, 'WITHSCORES')
  if head[2] then first = s(tonumber(head[2])) end
end
return {s(now), first, redis.call('HLEN', P .. 'workers'), table.concat(verdicts), table.concat(claimed, '\\n')}
"""

_START = """
local w, token, host = ARGV[2], ARGV[3], ARGV[4]
local gap, since, borrow = tonumber(ARGV[5]), tonumber(ARGV[6]), ARGV[7]
if not member(w, token) then return {-1, 0, 0} end
local hk = P .. 'h:' .. host
local now = now_us()
local h = redis.call('HMGET', hk, 'last_start', 'last_answered', 'gap', 'next')
local last_start, answered = tonumber(h[1]) or 0, tonumber(h[2]) or 0
gap = math.max(gap, tonumber(h[3]) or 0)
if since >= 0 then answered = math.max(answered, now - since) end
local due = math.max(last_start + gap, answered + gap)
local lease = redis.call('HGET', P .. 'lease', host)
local borrowed = 0
if lease ~= w then
  if borrow ~= '1' then return {0, 0, 0} end
  if lease then return {1, 200000, 0} end
  due = math.max(due, tonumber(h[4]) or 0)
  if now < due then return {1, s(due - now), 0} end
  redis.call('ZREM', P .. 'hosts', host)
  redis.call('HSET', P .. 'lease', host, w)
  redis.call('SADD', P .. 'leases:' .. w, host)
  borrowed = 1
end
if now < due then return {1, s(due - now), 0} end
redis.call('HSET', hk, 'last_start', s(now), 'last_answered', s(answered))
if last_start > 0 then return {2, s(now - last_start), borrowed} end
return {2, -1, borrowed}
"""

_RELEASE = """
local w, token = ARGV[2], ARGV[3]
if not member(w, token) then return -1 end
return release(w, now_us(), ARGV[4], tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7]), ARGV[8], ARGV[9], ARGV[10])
"""

_REQUEUE = """
local w, token, host, rec = ARGV[2], ARGV[3], ARGV[4], ARGV[5]
if not member(w, token) then return -1 end
if redis.call('HDEL', P .. 'fly:' .. w, (fp_host(rec))) == 0 then
  redis.call('HINCRBY', P .. 'n', 'open', 1)
end
redis.call('RPUSH', P .. 'q:' .. host, rec)
redis.call('HINCRBY', P .. 'n', 'queued', 1)
offer(host)
return 1
"""

_COMMIT = """
local w, token, shard, info = ARGV[2], ARGV[3], ARGV[4], ARGV[5]
if not member(w, token) then return -1 end
local held = P .. 'held:' .. w
for i = 6, #ARGV do redis.call('HDEL', held, ARGV[i]) end
redis.call('HSET', P .. 'commits:' .. w, shard, info)
return 1
"""

_DROP = """
local w, token, host = ARGV[2], ARGV[3], ARGV[4]
if not member(w, token) then return {-1} end
if redis.call('HGET', P .. 'lease', host) ~= w then return {0} end
local q = P .. 'q:' .. host
local recs = redis.call('LRANGE', q, 0, -1)
redis.call('DEL', q)
redis.call('HINCRBY', P .. 'n', 'queued', -#recs)
redis.call('HINCRBY', P .. 'n', 'open', -#recs)
table.insert(recs, 1, 1)
return recs
"""

_PENDING = """
local dead = {}
local workers = redis.call('HKEYS', P .. 'workers')
for _, w in ipairs(workers) do
  if redis.call('EXISTS', P .. 'live:' .. w) == 0 then dead[#dead + 1] = w end
end
return {tonumber(redis.call('HGET', P .. 'n', 'open')) or 0, dead, #workers}
"""

_SEEN = """
local out = {}
for _, fp in ipairs(items(ARGV[2])) do
  out[#out + 1] = redis.call('SISMEMBER', P .. 'seen:' .. fp[1], fp[2])
end
return table.concat(out)
"""

_REAP = """
local w, force, token = ARGV[2], ARGV[3], ARGV[4]
if force == '1' then
  if not member(w, token) then return {-2, 0} end
elseif redis.call('EXISTS', P .. 'live:' .. w) == 1 then
  return {-1, 0}
end
if redis.call('HEXISTS', P .. 'workers', w) == 0 then return {-2, 0} end
local touched = {}
local counts = {0, 0}
for i, name in ipairs({'fly:', 'held:'}) do
  local entries = redis.call('HGETALL', P .. name .. w)
  for j = 2, #entries, 2 do
    local rec = entries[j]
    local _, host = fp_host(rec)
    redis.call('LPUSH', P .. 'q:' .. host, rec)
    redis.call('HINCRBY', P .. 'n', 'queued', 1)
    if name == 'held:' then redis.call('HINCRBY', P .. 'n', 'open', 1) end
    touched[host] = true
    counts[i] = counts[i] + 1
  end
end
for _, host in ipairs(redis.call('SMEMBERS', P .. 'leases:' .. w)) do
  if redis.call('HGET', P .. 'lease', host) == w then redis.call('HDEL', P .. 'lease', host) end
  touched[host] = true
end
for host in pairs(touched) do
  local hk = P .. 'h:' .. host
  local h = redis.call('HMGET', hk, 'next', 'last_start', 'gap')
  local due = math.max(tonumber(h[1]) or 0, (tonumber(h[2]) or 0) + (tonumber(h[3]) or 0))
  redis.call('HSET', hk, 'next', s(due))
  offer(host)
end
redis.call('DEL', P .. 'fly:' .. w, P .. 'held:' .. w, P .. 'leases:' .. w, P .. 'commits:' .. w, P .. 'live:' .. w)
redis.call('HDEL', P .. 'workers', w)
return counts
"""

_POLICY_PUT = """
local key, valid, keep = P .. ARGV[2], tonumber(ARGV[3]), ARGV[4]
local expiry = -1
if valid >= 0 then expiry = now_us() + valid end
redis.call('HSET', key, 'until', s(expiry), unpack(ARGV, 5))
redis.call('PEXPIRE', key, keep)
return 1
"""

_POLICY_GET = """
local found = {s(now_us())}
for i = 2, #ARGV do found[#found + 1] = redis.call('HGETALL', P .. ARGV[i]) end
return found
"""


@dataclass(frozen=True)
class Claim:
    """A host leased to this worker, with the head of its queue."""

    host: str
    record: str
    state: str  # the host's politeness state, as the last worker left it ('' for none)
    gap: float | None  # seconds since the previous request start on the host, across workers
    pause: float  # seconds the host stays paused, on the Redis clock


@dataclass(frozen=True)
class Release:
    """A lease given back: the host's next request may start `gap` seconds
    after the last began and after its last response began, and not before
    `pause` seconds from now; `requeue`: a claimed record that goes back to
    the head of the queue, unsent."""

    host: str
    gap: float
    since_answered: float | None  # seconds since the host's last response began (None: no response)
    pause: float
    state: str  # the host's politeness state, for the worker that takes it next
    gave_up: bool = False
    requeue: str = ""

    def args(self) -> tuple[Any, ...]:
        since = int(self.since_answered * 1e6) if self.since_answered is not None else -1
        return (self.host, int(self.gap * 1e6), since, int(min(self.pause, 1e9) * 1e6), self.state,
                int(self.gave_up), self.requeue)


@dataclass(frozen=True)
class StartVerdict:
    ok: bool = False
    refused: bool = False  # the host is leased by another worker
    wait: float = 0.0  # seconds to wait before asking again
    gap: float | None = None  # seconds since the previous request start on the host, across workers
    borrowed: bool = False  # the lease was taken for this one request


def signed(fp: int) -> int:
    """A 64-bit fingerprint as the signed integer Redis stores compactly."""
    return fp - (1 << 64) if fp >= _SIGNED else fp


def seen_bucket(fp: int) -> int:
    return fp >> (64 - SEEN_BUCKET_BITS)


def record_fingerprint(record: str) -> int:
    """The fingerprint a frontier record starts with, unsigned."""
    return int(record.split("|", 1)[0]) % (1 << 64)


def redacted_url(url: str) -> str:
    """A Redis URL without its password, for logs and messages."""
    scheme, sep, rest = url.partition("://")
    if "@" in rest:
        rest = "***@" + rest.rsplit("@", 1)[1]
    return scheme + sep + rest


def roll_forward(info: Mapping[str, str]) -> str:
    """Finish the publish of a shard a dead worker had committed: rename it
    from staging into the dataset folder if it is still there. Says what
    was done, for the log."""
    staging, final = Path(info["staging"]), Path(info["final"])
    try:
        os.replace(staging, final)
    except FileNotFoundError:
        if final.exists():
            return f"{final.name} was already published"
        return f"{final.name} is not visible from this machine ({staging} is missing): start that worker again"
    fsync_dir(final.parent)
    return f"published {final.name} for it"


class SharedFrontier:
    """One worker's handle on the shared frontier of crawl `crawl_id`."""

    def __init__(self, client: redis.Redis, crawl_id: str, worker: str) -> None:
        self.client = client
        self.prefix = f"crawl:{crawl_id}:"
        self.worker = worker
        self.token = ""
        #: When the last response from each host this worker holds began
        #: (monotonic), so that its gaps count from there.
        self.answered: dict[str, float] = {}
        #: Hosts claimed whose first request is not yet sent: `claim` counted
        #: it as started, so it needs no `start`; with the gap since the
        #: previous start on the host, for the audit.
        self.fresh: dict[str, float | None] = {}
        #: Workers registered in the crawl, as last counted by `claim` or
        #: `pending`: from the first claim on, `unseen` knows whether to ask.
        self.crowd = 1
        self._scripts = {
            name: client.register_script(_LUA_HEAD + body)
            for name, body in (
                ("join", _JOIN), ("beat", _BEAT), ("sync", _SYNC), ("start", _START),
                ("release", _RELEASE), ("requeue", _REQUEUE),
                ("commit", _COMMIT), ("drop", _DROP), ("pending", _PENDING), ("seen", _SEEN), ("reap", _REAP),
                ("policy_put", _POLICY_PUT), ("policy_get", _POLICY_GET),
            )
        }

    @classmethod
    def connect(cls, url: str, crawl_id: str, worker: str) -> SharedFrontier:
        """Connect to the Redis server at `url`, or raise a ConfigError that
        says how to reach one. Transient errors are retried for a few seconds
        before they surface."""
        from redis.backoff import ExponentialBackoff
        from redis.retry import Retry

        try:
            client = redis.Redis.from_url(
                url, socket_timeout=5, socket_connect_timeout=5, decode_responses=True,
                retry=Retry(ExponentialBackoff(cap=1.0, base=0.05), 6),
                retry_on_error=[redis.ConnectionError, redis.TimeoutError],
            )
            client.ping()
        except (redis.RedisError, ValueError) as exc:
            raise ConfigError(
                f"FRONTIER_REDIS_URL={redacted_url(url)!r}: cannot reach Redis ({exc}): start a Redis server "
                "and give its URL, e.g. redis://127.0.0.1:6379/0"
            ) from None
        return cls(client, crawl_id, worker)

    def _run(self, name: str, *args: Any) -> Any:
        return self._scripts[name](args=[self.prefix, *args])

    def _mine(self, name: str, *args: Any) -> Any:
        """A script run as this worker; raises WorkerFenced once it was reaped."""
        result = self._run(name, self.worker, self.token, *args)
        if result == -1 or (isinstance(result, list) and result[:1] == [-1]):
            raise WorkerFenced(self.worker)
        return result

    # --- membership -------------------------------------------------------

    def agree(self, settings: Mapping[str, str]) -> dict[str, str]:
        """Record the settings every worker must share, if no worker did yet;
        returns those that differ from what the crawl recorded."""
        key = self.prefix + "cfg"
        with self.client.pipeline() as pipe:
            for name, value in settings.items():
                pipe.hsetnx(key, name, value)
            pipe.hgetall(key)
            recorded = pipe.execute()[-1]
        return {name: recorded[name] for name, value in settings.items() if recorded.get(name) != value}

    def join(self, ttl: float) -> None:
        """Register this worker, after reaping a dead earlier run of the same
        worker id; a ConfigError if a live process already uses the id."""
        for _ in range(3):
            kind, value = self._run("join", self.worker, int(ttl * 1000))
            if kind == 2:
                self.token = value
                return
            if kind == 0:
                raise ConfigError(
                    f"worker {self.worker} of this crawl is running ({value}): give this worker "
                    "another WORKER_ID, or leave WORKER_ID unset for a new one"
                )
            self.reap(self.worker)
        raise ConfigError(f"worker {self.worker} could not register: try again")

    def beat(self, ttl: float) -> bool:
        """Renew this worker's liveness; False once it was reaped."""
        return self._run("beat", self.worker, self.token, int(ttl * 1000)) == 1

    def pending(self) -> tuple[int, list[str]]:
        """URLs queued or claimed and not yet parsed, across workers, and the
        workers presumed dead and not yet reaped."""
        open_, dead, self.crowd = self._run("pending")
        return int(open_), list(dead)

    def seen(self, fps: list[int]) -> list[bool]:
        """Whether each URL is already in the frontier, in one call."""
        known = self._run("seen", "\n".join(f"{seen_bucket(fp)}\t{signed(fp)}" for fp in fps))
        return [v == "1" for v in known]

    def reap(self, worker: str, force: bool = False) -> tuple[int, int] | None:
        """Return a dead worker's claimed and held URLs to the head of their
        queues and free its leases, after finishing the publish of any shard
        it had committed. `force`: this worker, leaving. Returns how many
        URLs went back (claimed, held), or None if it was not dead."""
        for info in self.client.hvals(f"{self.prefix}commits:{worker}"):
            logger.info("Worker %s had committed a shard: %s", worker, roll_forward(json.loads(info)))
        claimed, held = self._run("reap", worker, int(force), self.token)
        if claimed < 0:
            return None
        return claimed, held

    # --- the frontier -----------------------------------------------------

    def sync(self, urls: Iterable[tuple[int, str, str, bool]], settled: Iterable[tuple[int, bool]],
             releases: Iterable[Release], claim: int, max_pages: int = 0,
             max_per_host: int = 0) -> tuple[list[int], list[Claim], float | None]:
        """Everything a worker's scheduler tells the frontier, in one call and
        in this order: queue the URLs (fingerprint, host, record, whether a
        page) not seen before, links before the settlement of the page that
        led to them, so that the crawl never looks finished in between;
        settle claimed URLs (fingerprint, whether its document waits in an
        open shard: else it is done); give leases back; lease up to `claim`
        due hosts, each with the head of its queue, the lease's first
        request counted as started.

        Returns the verdict per URL queued (1, or 0 if seen, 2 or 3 when
        CRAWL_MAX_PAGES or LIMITS_PAGES_PER_HOST is reached), the claims,
        and in how many seconds the next host is due (None: none is queued,
        or no claim was asked).

        Each kind travels as one argument, a line per item and its fields
        tab-separated, and the answers come back as strings too: redis-py
        packs and parses every argument and reply element in Python, which
        cost a busy worker more than the call itself. Records, hosts and
        states are JSON or plain names, which never hold a raw tab or
        newline."""
        adds = "\n".join(f"{seen_bucket(fp)}\t{signed(fp)}\t{host}\t{rec}\t{int(page)}" for fp, host, rec, page in urls)
        settles = "\n".join(f"{signed(fp)}\t{int(stored)}" for fp, stored in settled)
        back = "\n".join("\t".join(map(str, release.args())) for release in releases)
        now, first, crowd, verdicts, claimed = self._mine(
            "sync", max_pages, max_per_host, claim, adds, settles, back)
        self.crowd = int(crowd)
        claims = [
            Claim(host, rec, state, int(gap) / 1e6 if int(gap) >= 0 else None, int(pause) / 1e6)
            for host, rec, state, gap, pause in (line.split("\t") for line in claimed.split("\n") if line)
        ]
        due_in = max(0.0, (int(first) - int(now)) / 1e6) if int(first) >= 0 else None
        return [int(v) for v in verdicts], claims, due_in

    def add(self, urls: Iterable[tuple[int, str, str, bool]], max_pages: int, max_per_host: int,
            settled: Iterable[tuple[int, bool]] = ()) -> list[int]:
        """`sync` with URLs to queue and settlements only: the verdicts."""
        return self.sync(urls, settled, (), 0, max_pages, max_per_host)[0]

    def settle(self, fp: int, stored: bool) -> None:
        """`sync` with one settlement only."""
        self.sync((), [(fp, stored)], (), 0)

    def claim(self, count: int) -> tuple[list[Claim], float | None]:
        """`sync` with a claim only: the claims, and when the next host is due."""
        _, claims, due_in = self.sync((), (), (), count)
        return claims, due_in

    def requeue(self, host: str, record: str) -> None:
        """Queue a URL again (a retry), whatever its state."""
        self._mine("requeue", host, record)

    def start(self, host: str, gap: float, since_answered: float | None, borrow: bool) -> StartVerdict:
        """May a request to `host` start now? Stores its start if so. A
        `borrow` (a robots.txt redirect to another host) takes a free lease
        for this one request."""
        since = int(since_answered * 1e6) if since_answered is not None else -1
        kind, value, borrowed = self._mine("start", host, int(gap * 1e6), since, int(borrow))
        if kind == 0:
            return StartVerdict(refused=True)
        if kind == 1:
            return StartVerdict(wait=int(value) / 1e6)
        return StartVerdict(ok=True, gap=int(value) / 1e6 if int(value) >= 0 else None, borrowed=bool(borrowed))

    def release(self, host: str, gap: float, since_answered: float | None, pause: float, state: str,
                gave_up: bool = False, requeue: str = "") -> None:
        """Give the lease of `host` back at once (see `Release`)."""
        self._mine("release", *Release(host, gap, since_answered, pause, state, gave_up, requeue).args())

    def drop_host(self, host: str) -> list[str]:
        """Empty the queue of a leased host (given up); returns its records."""
        result = self._mine("drop", host)
        return list(result[1:])

    def commit(self, shard: str, staging: Path, final: Path, fps: Iterable[int]) -> None:
        """The commit point of a shard's documents: its URLs are done and the
        shard is recorded until `confirm`. Raises WorkerFenced if this
        worker was reaped: its documents are being fetched again elsewhere."""
        info = json.dumps({"staging": str(staging), "final": str(final)})
        self._mine("commit", shard, info, *(signed(fp) for fp in fps))

    def confirm(self, shard: str) -> None:
        """The committed shard is renamed into place."""
        self.client.hdel(f"{self.prefix}commits:{self.worker}", shard)

    def leave(self) -> None:
        """Deregister at the end of a run; whatever this worker still holds
        goes back to the frontier."""
        if self.token:
            self.reap(self.worker, force=True)
            self.token = ""

    # --- policy files -------------------------------------------------------

    def put_policy(self, url: str, fields: Mapping[str, str], valid: float | None, keep: float) -> None:
        """Share the outcome of a robots.txt or tdmrep.json fetch: usable for
        `valid` seconds (None: for good), kept `keep` seconds."""
        flat = [item for pair in fields.items() for item in pair]
        valid_us = int(valid * 1e6) if valid is not None else -1
        self._run("policy_put", "policy:" + url, valid_us, max(1, int(keep * 1000)), *flat)

    def get_policies(self, urls: list[str]) -> dict[str, tuple[dict[str, str], float | None]]:
        """The shared outcomes still valid among `urls`, in one call (a worker
        meets an origin's robots.txt and tdmrep.json together), each with for
        how many more seconds it holds (None: for good)."""
        now, *results = self._run("policy_get", *("policy:" + url for url in urls))
        found = {}
        for url, flat in zip(urls, results):
            fields = dict(zip(flat[::2], flat[1::2]))
            if "state" not in fields:
                continue
            until = int(fields.pop("until"))
            if until < 0:
                found[url] = (fields, None)
            elif until > int(now):
                found[url] = (fields, (until - int(now)) / 1e6)
        return found

    # --- watching -------------------------------------------------------------

    def status(self) -> dict[str, Any]:
        """What `scrapy frontier status` prints."""
        p = self.prefix
        with self.client.pipeline(transaction=False) as pipe:
            pipe.hgetall(p + "workers")
            pipe.zcard(p + "hosts")
            pipe.hlen(p + "lease")
            pipe.time()
            pipe.scard(p + "gaveup")
            pipe.hgetall(p + "n")
            workers, ready, in_flight, (sec, usec), gave_up, counts = pipe.execute()
        now = sec * 1_000_000 + usec
        with self.client.pipeline(transaction=False) as pipe:
            for worker in workers:
                pipe.pttl(f"{p}live:{worker}")
            pipe.zcount(p + "paused", f"({now}", "+inf")
            *ttls, paused = pipe.execute()
        alive = sorted(w for w, ttl in zip(workers, ttls) if ttl > 0)
        return {
            "workers_alive": alive,
            "workers_dead": sorted(set(workers) - set(alive)),
            "hosts_queued": ready,
            "hosts_in_flight": in_flight,
            "hosts_paused": paused,
            "hosts_given_up": gave_up,
            "urls_seen": int(counts.get("seen", 0)),
            "urls_queued": int(counts.get("queued", 0)),
            "urls_pending": int(counts.get("open", 0)),
        }

    def exists(self) -> bool:
        """Whether the crawl has ever been started on this server."""
        return bool(self.client.exists(self.prefix + "n", self.prefix + "workers"))
