"""Concurrent logins on SQLite: login latency, and how long another writer waits meanwhile.

    python benchmarks/logins.py [--logins 30] [--threads 8]

Builds a demo database in a temporary directory, serves the app with waitress (as `python app.py`
does) on a free port, and signs in `--logins` clients at once (GET /login for the form token, then
POST /login). Meanwhile a probe opens BEGIN IMMEDIATE on its own connection every 20 ms and records
how long it waited for the write lock: argon2 inside a write transaction shows up there. Prints
p50/p95/max of both. A measuring tool: prints the numbers, exits 0.
"""
# ruff: noqa: E402

from __future__ import annotations

import argparse
import re
import socket
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import requests
from waitress.server import create_server

from tests.http_helpers import PASSWORD, demo_app


def quantiles(values: list[float]) -> str:
    values = sorted(values)
    if not values:
        return "—"
    p95 = values[min(len(values) - 1, int(round(0.95 * (len(values) - 1))))]
    return f"p50 {statistics.median(values) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, max {values[-1] * 1000:.0f} ms"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--logins", type=int, default=30)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()
    directory = Path(tempfile.mkdtemp(prefix="bench-logins-"))
    app = demo_app(directory)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = create_server(app.server, host="127.0.0.1", port=port, threads=args.threads)
    threading.Thread(target=server.run, daemon=True).start()
    base = f"http://127.0.0.1:{port}"

    def one_login(times: list[float], statuses: list[int]) -> None:
        with requests.Session() as http:
            token = re.search(r'name="csrf_token" value="([^"]+)"', http.get(f"{base}/login").text).group(1)
            started = time.perf_counter()
            r = http.post(f"{base}/login", data={"username": "demo-leader", "password": PASSWORD["demo-leader"],
                                                 "csrf_token": token, "next": "/"}, allow_redirects=False)
            times.append(time.perf_counter() - started)
            statuses.append(r.status_code)

    waits: list[float] = []
    done = threading.Event()

    def probe() -> None:
        while not done.is_set():
            con = sqlite3.connect(directory / "app.db", timeout=30, isolation_level=None)
            started = time.perf_counter()
            con.execute("BEGIN IMMEDIATE")
            waits.append(time.perf_counter() - started)
            con.execute("ROLLBACK")
            con.close()
            time.sleep(0.02)

    times: list[float] = []
    statuses: list[int] = []
    prober = threading.Thread(target=probe)
    clients = [threading.Thread(target=one_login, args=(times, statuses)) for _ in range(args.logins)]
    prober.start()
    wall = time.perf_counter()
    for t in clients:
        t.start()
    for t in clients:
        t.join()
    wall = time.perf_counter() - wall
    done.set()
    prober.join()
    server.close()
    print(f"{args.logins} concurrent logins on SQLite, waitress threads={args.threads}, {wall:.1f} s in all")
    print(f"  statuses: {sorted(set(statuses))} ({statuses.count(302)} signed in)")
    print(f"  login:                  {quantiles(times)}")
    print(f"  another writer waited:  {quantiles(waits)} ({len(waits)} probes)")


if __name__ == "__main__":
    main()
