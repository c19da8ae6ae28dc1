"""Anonymous refusals in the append-only audit log, bounded: counted, not written one by one.

The gate refuses anonymous state-changing requests (a forged callback POST, a stale tab polling
after its session expired). Each used to add an audit row, and the audit log cannot be pruned, so
600 requests made 600 permanent rows in a few seconds. Now, per WINDOW (10 minutes):
- the same refusal (address and target) again within REPEAT (1 minute) is counted, not written;
- one address writes at most ROWS_PER_IP rows (20), all addresses together ROWS_PER_WINDOW (100);
- every refusal not written is counted, and when the window is over (at the next anonymous
  refusal) one summary row records how many there were, from how many addresses, and the busiest.

The counts live in this process's memory (bounded: at most MAX_ADDRESSES addresses are told apart,
the rest are counted together), so each process of a multi-process server keeps its own budget.
A count still open when the process stops is lost; the rows already written are not. Refusals of
signed-in users are audited one by one as before (auth.require_role).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter

from dashboard import context
from db.accounts import auth

EXTENSION = "jizhong_denials"
WINDOW = dt.timedelta(minutes=10)
REPEAT = dt.timedelta(minutes=1)
ROWS_PER_IP = 20
ROWS_PER_WINDOW = 100
MAX_ADDRESSES = 10_000
OTHERS = "其他地址"


def _clock() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


class AnonymousDenials:
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
        summary = self._summary() if self._counted else None
        self._start, self._rows, self._counted, self._seen = now, Counter(), Counter(), {}
        return summary

    def _summary(self) -> str:
        total = sum(self._counted.values())
        busiest = "，".join(f"{ip} {n} 次" for ip, n in self._counted.most_common(5))
        minutes = int(WINDOW.total_seconds() // 60)
        return (f"未登录请求汇总：{self._start:%Y-%m-%d %H:%M} 起 {minutes} 分钟内另有 {total} 次被拒绝，未逐条记录"
                f"（{len(self._counted)} 个地址；最多：{busiest}）")

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

    def refuse(self, ip: str, what: str) -> None:
        """Record one anonymous refusal: a row of its own, a count, or both a summary and a row."""
        now = _clock()
        with self._lock:
            summary = self._close(now)
            write = self._admit(ip, what, now)
        if summary is None and not write:
            return
        with context.write() as s:
            if summary is not None:
                auth.audit(s, "", "forbidden", summary, now=now)
            if write:
                auth.audit(s, "", "forbidden", f"未登录：{what}", ip=ip, now=now)


def install(server) -> None:
    server.extensions[EXTENSION] = AnonymousDenials()


def refuse(server, ip: str, what: str) -> None:
    server.extensions[EXTENSION].refuse(ip, what)
