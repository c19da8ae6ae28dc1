"""Anonymous refusals in the append-only audit log, bounded: counted, not written one by one.

The gate refuses anonymous state-changing requests (a forged callback POST, a stale tab polling
after its session expired). Each used to add an audit row, and the audit log cannot be pruned, so
600 requests made 600 permanent rows in a few seconds. Now, per WINDOW (10 minutes):
- the same refusal (address and target) again within REPEAT (1 minute) is counted, not written;
- one address writes at most ROWS_PER_IP rows (20), all addresses together ROWS_PER_WINDOW (100);
- every refusal not written is counted, and when the window is over (at the next anonymous
  refusal) one summary row records how many there were, from how many addresses, and the busiest.

Where the counts live:
- with REDIS_URL, in Redis (one Lua script per refusal, so the check and the count are atomic): every
  process of a multi-process server (gunicorn workers) shares one budget and one window. Keys under
  PREFIX expire (KEEP) when no refusal comes for a long time; a count not yet summed up then is lost.
  If Redis does not answer, that refusal is decided by the process's own counts (below), never a 500;
- without it, in this process's memory (bounded: at most MAX_ADDRESSES addresses are told apart, the
  rest are counted together), so each process keeps its own budget; a count still open when the
  process stops is lost.
The rows already written are never lost. Refusals of signed-in users are audited one by one as before
(auth.require_role).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import threading
from collections import Counter

from dashboard import context
from dashboard.shared import redis_client
from db.accounts import auth

EXTENSION = "jizhong_denials"
WINDOW = dt.timedelta(minutes=10)
REPEAT = dt.timedelta(minutes=1)
ROWS_PER_IP = 20
ROWS_PER_WINDOW = 100
MAX_ADDRESSES = 10_000
OTHERS = "其他地址"
PREFIX = "jizhong:denials:"
KEEP = dt.timedelta(days=7)
log = logging.getLogger(__name__)


def _clock() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


def summary_text(start: dt.datetime, counted: Counter[str]) -> str:
    total = sum(counted.values())
    busiest = "，".join(f"{ip} {n} 次" for ip, n in counted.most_common(5))
    minutes = int(WINDOW.total_seconds() // 60)
    return (f"未登录请求汇总：{start:%Y-%m-%d %H:%M} 起 {minutes} 分钟内另有 {total} 次被拒绝，未逐条记录"
            f"（{len(counted)} 个地址；最多：{busiest}）")


class AnonymousDenials:
    """The counts of one process."""

    def __init__(self):
        self._lock = threading.Lock()
        self._start: dt.datetime | None = None
        self._rows: Counter[str] = Counter()  # ip -> rows written this window
        self._counted: Counter[str] = Counter()  # ip -> refusals not written this window
        self._seen: dict[tuple[str, str], dt.datetime] = {}  # (ip, what) -> last written

    def _close(self, now: dt.datetime) -> str | None:
        """Start a new window if the current one is over; the summary of the old one, if any."""
        if self._start is not None and now - self._start < WINDOW:
            return None
        summary = summary_text(self._start, self._counted) if self._counted else None
        self._start, self._rows, self._counted, self._seen = now, Counter(), Counter(), {}
        return summary

    def _admit(self, ip: str, what: str, now: dt.datetime) -> bool:
        last = self._seen.get((ip, what))
        if (last is not None and now - last < REPEAT) or self._rows[ip] >= ROWS_PER_IP \
                or sum(self._rows.values()) >= ROWS_PER_WINDOW:
            key = ip if ip in self._counted or len(self._counted) < MAX_ADDRESSES else OTHERS
            self._counted[key] += 1
            return False
        if len(self._seen) >= MAX_ADDRESSES:
            self._seen.clear()
        self._seen[(ip, what)] = now
        self._rows[ip] += 1
        return True

    def decide(self, ip: str, what: str, now: dt.datetime) -> tuple[str | None, bool]:
        """(the summary of a window just over, or None; whether to write this refusal's own row)."""
        with self._lock:
            summary = self._close(now)
            return summary, self._admit(ip, what, now)

    def refuse(self, ip: str, what: str) -> None:
        """Record one anonymous refusal: a row of its own, a count, or both a summary and a row."""
        now = _clock()
        summary, write = self.decide(ip, what, now)
        if summary is None and not write:
            return
        with context.write() as s:
            if summary is not None:
                auth.audit(s, "", "forbidden", summary, now=now)
            if write:
                auth.audit(s, "", "forbidden", f"未登录：{what}", ip=ip, now=now)


# The same decision as AnonymousDenials._close and _admit, in Redis. KEYS: start, rows, total, counted.
# ARGV: now (epoch s), window s, repeat s, ip, seen suffix, rows per ip, rows per window, max addresses,
# others, keep s, prefix. Returns {write 0/1, start of the closed window or "", its counts as a flat list}.
_DECIDE_LUA = """
local now, window, keep = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[10])
local ip = ARGV[4]
local start = tonumber(redis.call('GET', KEYS[1]))
local closed, counts = '', {}
if start == nil or now - start >= window then
    if start ~= nil and redis.call('EXISTS', KEYS[4]) == 1 then
        closed, counts = tostring(start), redis.call('HGETALL', KEYS[4])
    end
    redis.call('DEL', KEYS[2], KEYS[3], KEYS[4])
    redis.call('SET', KEYS[1], now, 'EX', keep)
    start = now
end
local seen = ARGV[11] .. 'seen:' .. start .. ':' .. ARGV[5]
if redis.call('EXISTS', seen) == 1 or tonumber(redis.call('HGET', KEYS[2], ip) or '0') >= tonumber(ARGV[6])
        or tonumber(redis.call('GET', KEYS[3]) or '0') >= tonumber(ARGV[7]) then
    local key = ip
    if redis.call('HEXISTS', KEYS[4], ip) == 0 and redis.call('HLEN', KEYS[4]) >= tonumber(ARGV[8]) then
        key = ARGV[9]
    end
    redis.call('HINCRBY', KEYS[4], key, 1)
    redis.call('EXPIRE', KEYS[4], keep)
    return {0, closed, counts}
end
redis.call('SET', seen, 1, 'EX', ARGV[3])
redis.call('HINCRBY', KEYS[2], ip, 1)
redis.call('EXPIRE', KEYS[2], keep)
redis.call('INCR', KEYS[3])
redis.call('EXPIRE', KEYS[3], keep)
return {1, closed, counts}
"""


class SharedDenials(AnonymousDenials):
    """The counts of every process, in Redis; this process's own counts only while Redis is down."""

    def __init__(self, client):
        super().__init__()
        self._script = client.register_script(_DECIDE_LUA)

    def decide(self, ip: str, what: str, now: dt.datetime) -> tuple[str | None, bool]:
        keys = [PREFIX + name for name in ("start", "rows", "total", "counted")]
        seen = hashlib.sha256(f"{ip}\n{what}".encode()).hexdigest()[:32]
        args = [int(now.timestamp()), int(WINDOW.total_seconds()), int(REPEAT.total_seconds()), ip, seen,
                ROWS_PER_IP, ROWS_PER_WINDOW, MAX_ADDRESSES, OTHERS, int(KEEP.total_seconds()), PREFIX]
        try:
            write, closed, flat = self._script(keys=keys, args=args)
        except Exception as exc:  # noqa: BLE001 - Redis down: count here rather than fail the request
            log.warning("anonymous refusals counted in this process: redis: %s", exc.__class__.__name__)
            return super().decide(ip, what, now)
        summary = None
        if closed:
            counted = Counter({_text(k): int(v) for k, v in zip(flat[::2], flat[1::2])})
            summary = summary_text(dt.datetime.fromtimestamp(int(closed)), counted)
        return summary, bool(write)


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def install(server) -> None:
    try:
        client = redis_client(server)
    except ValueError as exc:  # a malformed REDIS_URL: /healthz reports the cache unreachable
        log.warning("REDIS_URL unusable (%s): anonymous refusals counted per process", exc.__class__.__name__)
        client = None
    server.extensions[EXTENSION] = SharedDenials(client) if client is not None else AnonymousDenials()


def refuse(server, ip: str, what: str) -> None:
    server.extensions[EXTENSION].refuse(ip, what)
