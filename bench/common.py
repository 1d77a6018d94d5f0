"""What the server benchmarks share: the production server (gunicorn, persistent connections, DEBUG
off) on the scale database, a load generator (wrk), single-client latency, and API tokens."""

from __future__ import annotations

import base64
import hashlib
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
SCALE_DB = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/linli_scale")
# The settings default with DEBUG on: what generate_scale (DEBUG=1) encrypted with. Not a secret.
DEV_SECRET = "dev-only-insecure-secret-key-change-me"  # noqa: S105
WRK_SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
WRK_CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "8"))
WORKERS = int(os.environ.get("BENCH_WORKERS", str(os.cpu_count() or 2)))


def out(line: str) -> None:
    print(line, flush=True)


def load() -> str:
    return " ".join(f"{n:.2f}" for n in os.getloadavg())


def machine_speed() -> float:
    """Milliseconds this machine takes for a fixed pure-Python loop (best of 3): the yardstick for the
    absolute figures (requests a second, seconds). Ratios need none — both sides ran on the same
    machine — but "100 intakes a second" means more on one machine than on another, and virtual
    machines here have differed by 3× from one session to the next."""
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        total = 0
        for i in range(2_000_000):
            total += i
        best = min(best, time.perf_counter() - started)
    return best * 1000


def dev_keys() -> dict[str, str]:
    """The keys DEBUG mode derives from the dev secret, given explicitly so the server runs with DEBUG off
    and still reads the data generate_scale encrypted."""
    material = hashlib.sha256(("linli-dev:" + DEV_SECRET).encode()).digest()
    return {
        "SECRET_KEY": DEV_SECRET,
        "LINLI_FIELD_KEYS": base64.urlsafe_b64encode(material).decode(),
        "LINLI_HASH_KEY": hashlib.sha256(b"hash:" + material).hexdigest(),
    }


def redis_url() -> str:
    """Huey's broker for the bench server: the local Redis when one answers (the production setup in
    docs/scaling.md), else "" (Huey on a SQLite file)."""
    import socket

    url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return url
    except OSError:
        return ""


def server_env(database_url: str = SCALE_DB, **extra: str) -> dict[str, str]:
    tmp = tempfile.gettempdir()
    return {
        **os.environ,
        **dev_keys(),
        "DEBUG": "0",
        "DATABASE_URL": database_url,
        "DB_CONN_MAX_AGE": "600",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LINLI_SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "HUEY_SQLITE_PATH": f"{tmp}/linli-bench-huey.sqlite3",
        "REDIS_URL": redis_url(),
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        **extra,
    }


def django_setup(database_url: str = SCALE_DB) -> None:
    """Use Django in this process against the same database and keys as the server."""
    os.environ.update({k: v for k, v in server_env(database_url).items() if k != "DEBUG"})
    os.environ["DEBUG"] = "1"  # in-process work (tokens, EXPLAIN) needs no production checks
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def gunicorn(database_url: str = SCALE_DB, workers: int = WORKERS, **env: str) -> Iterator[str]:
    """gunicorn with ``workers`` sync workers (one per core), persistent database connections, and
    ``env`` added to the server's environment."""
    port = free_port()
    cmd = [
        str(Path(PY).parent / "gunicorn"),
        "linli.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        "sync",
        "--log-level",
        "warning",
    ]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=server_env(database_url, **env))
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                with urllib.request.urlopen(f"{base}/bench/hello", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:  # not listening yet, or still booting (URLError and timeouts are OSErrors)
                time.sleep(0.2)
        else:
            raise RuntimeError("gunicorn did not start")
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@contextmanager
def huey_worker(database_url: str = SCALE_DB) -> Iterator[None]:
    """One Huey worker beside the server, as in production: work queued by requests (notifications)
    is done on the same two cores while the load runs."""
    proc = subprocess.Popen(
        [PY, "manage.py", "run_huey", "--workers", "1", "--quiet"],
        cwd=ROOT,
        env=server_env(database_url),
        stdout=subprocess.DEVNULL,
    )
    try:
        yield
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    out("wrk is not installed: installing the Debian package (apt-get install -y wrk)")
    subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=True, stdout=subprocess.DEVNULL)
    found = shutil.which("wrk")
    if not found:
        raise RuntimeError("wrk could not be installed")
    return found


@dataclass
class Load:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _ms(text: str) -> float:
    m = re.match(r"([\d.]+)(us|ms|s)", text)
    return float(m.group(1)) * _UNITS[m.group(2)] if m else float("nan")


def wrk(url: str, *, headers: dict[str, str] | None = None, script: str | None = None) -> Load:
    """Throughput under ``WRK_CONNECTIONS`` concurrent connections for ``WRK_SECONDS`` seconds."""
    cmd = [ensure_wrk(), "-t2", f"-c{WRK_CONNECTIONS}", f"-d{WRK_SECONDS}s", "--latency", "--timeout", "10s"]
    for k, v in (headers or {}).items():
        cmd += ["-H", f"{k}: {v}"]
    if script:
        cmd += ["-s", script]
    text = subprocess.run([*cmd, url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))  # type: ignore[union-attr]
    # The latency distribution's own lines: the "+/- Stdev" column above it ends in "%" too ("73.50%").
    p50 = re.search(r"^\s+50%\s+(\S+)", text, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)", text, re.M)
    errors = 0
    for m in re.finditer(r"Non-2xx or 3xx responses: (\d+)|Socket errors: .*?timeout (\d+)", text):
        errors += int(m.group(1) or m.group(2) or 0)
    return Load(rps=rps, p50_ms=_ms(p50.group(1)) if p50 else 0, p99_ms=_ms(p99.group(1)) if p99 else 0, errors=errors)


def server_cpu_seconds(database: str) -> dict[str, float]:
    """CPU seconds (user + system) used so far by the server side of a bench, per part: ``web``
    (gunicorn), ``worker`` (Huey), ``db`` (PostgreSQL's backends on ``database`` and its WAL writer) —
    read from /proc, so other work on the machine (a helper's test run) is not counted. Backends that
    exit before the second reading are missed, so this slightly under-counts."""
    tick = os.sysconf("SC_CLK_TCK")
    parts = {"web": 0, "worker": 0, "db": 0}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as fh:
                cmdline = fh.read().replace(b"\0", b" ").decode(errors="replace")
            if "gunicorn" in cmdline and "linli.wsgi" in cmdline:
                part = "web"
            elif "run_huey" in cmdline:
                part = "worker"
            elif cmdline.startswith("postgres:") and (f" {database} " in cmdline or "walwriter" in cmdline):
                part = "db"
            else:
                continue
            with open(f"/proc/{entry}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
            parts[part] += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
        except (FileNotFoundError, ProcessLookupError, PermissionError, IndexError):
            continue
    return {k: v / tick for k, v in parts.items()}


def cpu_used(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    return {k: after[k] - before[k] for k in before}


def latency(url: str, *, headers: dict[str, str] | None = None, rounds: int = 200) -> dict[str, float]:
    """One client, one request at a time: p50 and p95 in milliseconds."""
    times = []
    request = urllib.request.Request(url, headers=headers or {})
    for _ in range(rounds + 5):
        started = time.perf_counter()
        with urllib.request.urlopen(request, timeout=30) as r:
            r.read()
            if r.status != 200:
                raise RuntimeError(f"{url}: {r.status}")
        times.append((time.perf_counter() - started) * 1000)
    times = sorted(times[5:])  # the first few warm the worker's connection and caches
    return {"p50": statistics.median(times), "p95": times[int(len(times) * 0.95) - 1]}


def fetch(url: str, headers: dict[str, str] | None = None) -> bytes:
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=60) as r:
        if r.status != 200 or r.url != url:
            raise RuntimeError(f"{url}: {r.status} (ended at {r.url})")
        return bytes(r.read())


def verdict(name: str, value: float, bar: float, *, higher_is_better: bool = True, unit: str = "") -> bool:
    ok = value >= bar if higher_is_better else value <= bar
    sign = "≥" if higher_is_better else "≤"
    out(f"  {'PASS' if ok else 'FAIL'} {name}: {value:.3g}{unit} (bar {sign} {bar:g}{unit})")
    return ok
