"""Scoped place reads at street scale, against /healthz on the same server.

Builds the demo street into a temporary SQLite database (or uses BENCH_DATABASE_URL), starts
`manage.py runserver --noreload` on a free loopback port, and times a bounded number of
sequential requests per endpoint. Prints median latency and the ratio to the baseline.
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "60"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def timed(url: str, headers: dict[str, str]) -> float:
    request = urllib.request.Request(url, headers=headers)
    start = time.perf_counter()
    with urllib.request.urlopen(request, timeout=30) as response:
        response.read()
    return time.perf_counter() - start


def main() -> None:
    tmp = tempfile.mkdtemp(prefix="linli-bench-")
    env = {
        **os.environ,
        "DEBUG": "1",
        "DATABASE_URL": os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{tmp}/bench.sqlite3"),
        "HUEY_SQLITE_PATH": f"{tmp}/huey.sqlite3",
        "LOG_LEVEL": "WARNING",
    }
    subprocess.run([PY, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run(
        [PY, "manage.py", "demo", "--if-empty", "--size", "street", "--password", "bench-pass-2026"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    port = free_port()
    server = subprocess.Popen(
        [PY, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(50):
            try:
                timed(f"{base}/healthz", {})
                break
            except OSError:
                time.sleep(0.2)
        body = json.dumps({"username": "street", "password": "bench-pass-2026"}).encode()
        req = urllib.request.Request(
            f"{base}/api/v1/auth/token", data=body, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(req, timeout=30) as response:
            token = json.loads(response.read())["token"]
        auth = {"Authorization": f"Bearer {token}"}
        with urllib.request.urlopen(urllib.request.Request(f"{base}/api/v1/places?kind=street", headers=auth)) as r:
            street_id = json.loads(r.read())["items"][0]["id"]
        endpoints = {
            "GET /healthz (baseline)": (f"{base}/healthz", {}),
            "GET /api/v1/me": (f"{base}/api/v1/me", auth),
            "GET /api/v1/places?limit=50": (f"{base}/api/v1/places?limit=50", auth),
            "GET /api/v1/places/{street} (counts over ~30k people)": (f"{base}/api/v1/places/{street_id}", auth),
        }
        results = {}
        for name, (url, headers) in endpoints.items():
            timed(url, headers)  # warm
            results[name] = statistics.median(timed(url, headers) for _ in range(ROUNDS))
        baseline = results["GET /healthz (baseline)"]
        print(f"{'endpoint':58} {'median ms':>10} {'× baseline':>11}")
        for name, seconds in results.items():
            print(f"{name:58} {seconds * 1000:10.1f} {seconds / baseline:11.1f}")
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
