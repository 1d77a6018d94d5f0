"""``make bench``: the six benchmarks of issue #12 on PostgreSQL, each printing its ratio against its bar;
exits non-zero when any is below its bar.

1. queue (bench/request_queue.py)       2. dashboard (bench/dashboard.py, the insights engineer's)
3. intake (bench/intake.py)     4. import (bench/import_residents.py, 100k residents)
5. export (bench/export.py)     6. growth (bench/growth.py)
and bench/routing.py when it exists.

The scale database (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/linli_scale) is built
with ``generate_scale`` when it has no places (BENCH_STREETS, default 10; BENCH_REQUESTS, default 1,000,000).
The dashboard and import benches build their own data into fresh databases (linli_bench_dashboard,
linli_bench_import) on the same server, created and dropped here.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import PY, ROOT, SCALE_DB, load, machine_speed, out

STREETS = os.environ.get("BENCH_STREETS", "10")
REQUESTS = os.environ.get("BENCH_REQUESTS", "1000000")


def sibling(name: str) -> str:
    parts = urlsplit(SCALE_DB)
    return urlunsplit(parts._replace(path=f"/{name}"))


def admin_sql(sql: str) -> None:
    import psycopg

    with psycopg.connect(sibling("postgres"), autocommit=True) as conn:
        conn.execute(sql)


def scale_db_ready() -> bool:
    import psycopg

    name = urlsplit(SCALE_DB).path.lstrip("/")
    with psycopg.connect(sibling("postgres"), autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            conn.execute(f'CREATE DATABASE "{name}"')
    with psycopg.connect(SCALE_DB) as conn:
        exists = conn.execute("SELECT to_regclass('places_place') IS NOT NULL").fetchone()
        return bool(exists and exists[0] and conn.execute("SELECT EXISTS (SELECT 1 FROM places_place)").fetchone()[0])


def step(name: str, cmd: list[str], env: dict[str, str] | None = None) -> bool:
    out(f"\n=== {name} ===")
    started = time.monotonic()
    code = subprocess.run(cmd, cwd=ROOT, env={**os.environ, **(env or {})}).returncode
    verdict = "ok" if code == 0 else f"BELOW ITS BAR (exit {code})"
    out(f"=== {name}: {verdict} in {time.monotonic() - started:.0f}s")
    return code == 0


def with_fresh_db(name: str, label: str, script: str, extra: dict[str, str]) -> bool:
    admin_sql(f'DROP DATABASE IF EXISTS "{name}"')
    admin_sql(f'CREATE DATABASE "{name}"')
    try:
        return step(label, [PY, script], {"BENCH_DATABASE_URL": sibling(name), **extra})
    finally:
        admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> int:
    if not scale_db_ready():
        env = {
            "DEBUG": "1",
            "DATABASE_URL": SCALE_DB,
            "HUEY_IMMEDIATE": "1",
            "LOG_LEVEL": "WARNING",
            "DJANGO_SETTINGS_MODULE": "linli.settings",
        }
        ok = step("migrate the scale database", [PY, "manage.py", "migrate", "-v0"], env)
        ok = ok and step(
            "generate_scale",
            [PY, "manage.py", "generate_scale", "--streets", STREETS, "--requests", REQUESTS, "--no-module-demos"],
            {**env, "LINLI_DEMO_PASSWORD": os.environ.get("LINLI_DEMO_PASSWORD", "linli-demo-2026")},
        )
        if not ok:
            return 2
    elif not step(  # an existing scale database is brought to this checkout's schema
        "migrate the scale database",
        [PY, "manage.py", "migrate", "-v0"],
        {"DEBUG": "1", "DATABASE_URL": SCALE_DB, "LOG_LEVEL": "WARNING", "DJANGO_SETTINGS_MODULE": "linli.settings"},
    ):
        return 2
    out(f"machine: a 2M-step pure-Python loop takes {machine_speed():.0f} ms (lower is faster); load {load()}")
    results = {
        "1 queue": step("1 queue", [PY, "bench/request_queue.py"]),
        "2 dashboard": with_fresh_db("linli_bench_dashboard", "2 dashboard", "bench/dashboard.py", {}),
        "3 intake": step("3 intake", [PY, "bench/intake.py"]),
        "4 import": with_fresh_db("linli_bench_import", "4 import", "bench/import_residents.py", {}),
        "5 export": step("5 export", [PY, "bench/export.py"]),
        "6 growth": step("6 growth", [PY, "bench/growth.py"]),
    }
    if (ROOT / "bench" / "routing.py").exists():
        results["routing"] = step("routing", [PY, "bench/routing.py"])
    out(f"\nmachine at the end: {machine_speed():.0f} ms for the same loop; load {load()}")
    out("\n=== summary ===")
    for name, ok in results.items():
        out(f"  {'PASS' if ok else 'FAIL'}  {name}")
    return 0 if all(results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
