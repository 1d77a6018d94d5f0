"""Mixed traffic with faults: zero 5xx, and every acknowledged submission present exactly once.

Rate: Beijing's 12345 took ~21M requests in 2023 (~65k a day) for ~22M people; one district of
~1M people is ~3,000 a day, 0.034 a second on average. 20x that is ~0.7 submissions a second.
Reads dominate (queues, dashboards, residents checking status): ~20 reads per submission, so the
mix is ~14 reads/s + 0.7 writes/s, spread over worker threads.

Faults, each during the load (``BENCH_FAULTS=0`` to switch off):
- at 1/4 of the run: the app server (gunicorn master and workers) is killed with SIGKILL and
  restarted 2 s later;
- at 1/2: every PostgreSQL backend serving the bench database is terminated
  (``pg_terminate_backend``) — what the app sees when PostgreSQL restarts. The shared server is
  not restarted: other people's test databases live on it;
- at 3/4: the Huey consumer is killed with SIGKILL mid-queue and restarted.

Clients send every submission with an ``Idempotency-Key`` and retry (same key) until a 201
arrives. At the end each acknowledged key must map to exactly one request in the database.

Run: ``.venv/bin/python bench/load.py`` (10 minutes: ``BENCH_SECONDS=600``; default 120).
Uses ``postgres://postgres@127.0.0.1:5432/linli_loadbench`` (created and filled with the small
demo on first use; ``BENCH_LOAD_DATABASE_URL`` to change).
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import PY, ROOT, free_port, out, server_env

DB_URL = os.environ.get("BENCH_LOAD_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/linli_loadbench")
SECONDS = int(os.environ.get("BENCH_SECONDS", "120"))
FAULTS = os.environ.get("BENCH_FAULTS", "1") != "0"
WRITE_RATE = 20 * 3000 / 86400  # 20x one district's average, per second (~0.69)
READS_PER_WRITE = 20
THREADS = 12


@dataclass
class Tally:
    status: Counter[int] = field(default_factory=Counter)
    connection_errors: int = 0
    acknowledged: dict[str, str] = field(default_factory=dict)  # idempotency key -> request number
    retries: int = 0
    latencies: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def call(base: str, method: str, path: str, token: str, tally: Tally, body: dict | None = None, key: str = ""):
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    if key:
        headers["Idempotency-Key"] = key
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, headers=headers, method=method)
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            payload = response.read()
            status = response.status
    except urllib.error.HTTPError as exc:
        payload, status = exc.read(), exc.code
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        with tally.lock:
            tally.connection_errors += 1
        return None, None
    with tally.lock:
        tally.status[status] += 1
        tally.latencies.append((time.perf_counter() - started) * 1000)
    return status, payload


class Server:
    def __init__(self) -> None:
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self.huey: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        return server_env(DB_URL, DJANGO_SETTINGS_MODULE="linli.settings", LINLI_CSP_REPORT_ONLY="1")

    def start(self) -> None:
        cmd = [str(Path(PY).parent / "gunicorn"), "linli.wsgi:application", "--bind", f"127.0.0.1:{self.port}"]
        cmd += ["--workers", "2", "--log-level", "warning", "--timeout", "60"]
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=self.env(), start_new_session=True)
        for _ in range(300):
            try:
                with urllib.request.urlopen(f"{self.base}/healthz", timeout=2):
                    return
            except (urllib.error.URLError, ConnectionError, OSError):
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not start")

    def kill(self) -> None:
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGKILL)  # master and workers, no graceful shutdown
        self.proc.wait()

    def start_huey(self) -> None:
        cmd = [PY, "manage.py", "run_huey", "--workers", "1"]
        self.huey = subprocess.Popen(cmd, cwd=ROOT, env=self.env(), start_new_session=True, stderr=subprocess.DEVNULL)

    def kill_huey(self) -> None:
        if self.huey is not None:
            os.killpg(self.huey.pid, signal.SIGKILL)
            self.huey.wait()

    def stop(self) -> None:
        for proc in (self.proc, self.huey):
            if proc is not None and proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(timeout=30)


def prepare() -> dict[str, str]:
    """Create and fill the bench database once; return API tokens for the roles the load uses."""
    env = server_env(DB_URL, DJANGO_SETTINGS_MODULE="linli.settings", DEBUG="1")
    name = DB_URL.rsplit("/", 1)[1]
    exists = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-Atc", f"SELECT 1 FROM pg_database WHERE datname='{name}'"],  # noqa: S608
        capture_output=True,
        text=True,
    ).stdout.strip()
    if not exists:
        out(f"creating {name} (migrate + small demo) …")
        subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", name], check=True)
        subprocess.run([PY, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
        subprocess.run(
            [PY, "manage.py", "demo", "--size", "small", "--password", "bench-pass-2026"], cwd=ROOT, env=env, check=True
        )
    script = (
        "import json;from linli.accounts.models import User;from linli.accounts.services import token_issue;"
        "print(json.dumps({u: token_issue(user=User.objects.get(username=u), name='load')[1] "
        "for u in ['resident','community','street','grid']}))"
    )
    text = subprocess.run([PY, "manage.py", "shell", "-c", script], cwd=ROOT, env=env, check=True, capture_output=True)
    return json.loads(text.stdout.decode().strip().splitlines()[-1])


def writer(server: Server, tokens: dict[str, str], tally: Tally, stop: threading.Event, rng: random.Random) -> None:
    while not stop.is_set():
        time.sleep(rng.expovariate(WRITE_RATE))
        key = uuid.uuid4().hex
        body = {"description": f"压测诉求 {key[:8]}:楼道灯不亮", "title": "楼道灯", "source": "phone"}
        delay = 0.5
        while True:  # retry with the same key until acknowledged (the client's side of exactly-once)
            status, payload = call(server.base, "POST", "/api/v1/requests", tokens["grid"], tally, body, key)
            if status == 201 and payload:
                with tally.lock:
                    tally.acknowledged[key] = json.loads(payload)["number"]
                break
            with tally.lock:
                tally.retries += 1
            time.sleep(delay)
            delay = min(delay * 2, 5)


def reader(server: Server, tokens: dict[str, str], tally: Tally, stop: threading.Event, rng: random.Random) -> None:
    paths = [
        ("community", "/api/v1/requests?limit=20"),  # queue
        ("street", "/api/v1/metrics"),  # dashboard
        ("grid", "/api/v1/requests?limit=20"),
        ("resident", "/api/v1/requests?limit=5"),  # a resident checking their status
    ]
    while not stop.is_set():
        time.sleep(rng.expovariate(WRITE_RATE * READS_PER_WRITE / (THREADS - 1)))
        role, path = rng.choice(paths)
        call(server.base, "GET", path, tokens[role], tally)


def verify(tally: Tally) -> tuple[int, int, int]:
    """(acknowledged, present exactly once, duplicated or missing) checked in the database."""
    keys = list(tally.acknowledged)
    env = server_env(DB_URL, DJANGO_SETTINGS_MODULE="linli.settings", DEBUG="1")
    script = (
        "import json,sys;from django.db.models import Count;from linli.tickets.models import Ticket;"
        "keys=json.load(open(sys.argv[-1]));"
        "rows=dict(Ticket.objects.filter(idempotency_key__in=keys).values_list('idempotency_key')"
        ".annotate(n=Count('id')));print(json.dumps(rows))"
    )
    path = Path(tempfile.gettempdir()) / "linli-load-keys.json"
    path.write_text(json.dumps(keys))
    text = subprocess.run(
        [PY, "-c", f"import django,os;django.setup();exec({script!r})", str(path)],
        cwd=ROOT,
        env={**env, "PYTHONPATH": str(ROOT)},
        check=True,
        capture_output=True,
    )
    counts = json.loads(text.stdout.decode().strip().splitlines()[-1])
    once = sum(1 for k in keys if counts.get(k) == 1)
    return len(keys), once, len(keys) - once


def terminate_backends() -> int:
    name = DB_URL.rsplit("/", 1)[1]
    sql = (
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "  # noqa: S608 — our own db name
        f"WHERE datname='{name}' AND pid<>pg_backend_pid()"
    )
    text = subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-Atc", sql], capture_output=True, text=True)
    return int(text.stdout.strip() or 0)


def main() -> int:
    tokens = prepare()
    server = Server()
    server.start()
    server.start_huey()
    tally = Tally()
    stop = threading.Event()
    threads = [threading.Thread(target=writer, args=(server, tokens, tally, stop, random.Random(1)))]
    threads += [
        threading.Thread(target=reader, args=(server, tokens, tally, stop, random.Random(i)))
        for i in range(2, THREADS + 1)
    ]
    reads = WRITE_RATE * READS_PER_WRITE
    out(f"load: {SECONDS}s, {WRITE_RATE:.2f} writes/s + {reads:.1f} reads/s, faults={'on' if FAULTS else 'off'}")
    started = time.monotonic()
    for thread in threads:
        thread.start()
    faults = [
        (SECONDS / 4, "app server SIGKILL + restart"),
        (SECONDS / 2, "PostgreSQL backends terminated"),
        (3 * SECONDS / 4, "Huey worker SIGKILL + restart"),
    ]
    try:
        for at, name in faults if FAULTS else []:
            time.sleep(max(0, started + at - time.monotonic()))
            if name.startswith("app"):
                server.kill()
                time.sleep(2)
                server.start()
            elif name.startswith("PostgreSQL"):
                out(f"  terminated {terminate_backends()} backends")
            else:
                server.kill_huey()
                time.sleep(1)
                server.start_huey()
            out(f"  t={time.monotonic() - started:.0f}s fault: {name}")
        time.sleep(max(0, started + SECONDS - time.monotonic()))
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=120)
        server.stop()
    acknowledged, once, bad = verify(tally)
    five_xx = sum(n for s, n in tally.status.items() if s >= 500)
    lat = sorted(tally.latencies)
    p50 = lat[len(lat) // 2] if lat else 0
    p99 = lat[int(len(lat) * 0.99)] if lat else 0
    out(f"responses: {dict(sorted(tally.status.items()))}; connection errors (server down) {tally.connection_errors}")
    out(f"latency p50 {p50:.0f} ms, p99 {p99:.0f} ms over {len(lat)} responses")
    out(f"submissions acknowledged {acknowledged}, present exactly once {once}, missing/duplicated {bad}")
    out(f"client retries {tally.retries}")
    ok = five_xx == 0 and bad == 0 and acknowledged > 0
    out(("PASS" if ok else "FAIL") + f": 5xx={five_xx}, lost-or-duplicated={bad}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
