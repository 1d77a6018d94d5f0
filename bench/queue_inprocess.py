"""The queue's web-side cost without a server: N ``GET /api/v1/requests?queue=mine&limit=50`` (the
street account's first page, answered from the page cache after the first) through Django's test
client in this process, against the scale database with the server's settings (DEBUG off). Prints
the CPU and wall milliseconds a page and the statements a page runs. Steadier than the load test on
a busy machine, for comparing one change with the next; not one of the six benchmarks.

    .venv/bin/python bench/queue_inprocess.py                 # 2,000 pages
    N=5000 PROFILE=1 .venv/bin/python bench/queue_inprocess.py  # + cProfile's 50 costliest (cumulative)
    PROFILE=1 SORT=tottime CALLERS=localdate .venv/bin/python bench/queue_inprocess.py  # own time; who calls it
    BENCH_USER=grid .venv/bin/python bench/queue_inprocess.py       # the grid account's page
    BASELINES=1 .venv/bin/python bench/queue_inprocess.py   # + hello-world and the floors, CPU a request (best of 3)

``BASELINES=1`` times, in the same process and the same way, ``/bench/hello``, ``/bench/floor/open`` (the API
framework, no sign-in), ``/bench/floor/page`` (the token check) and the page: the page's cost over the floor is what
the list itself adds (docs/scaling.md, session 28).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import SCALE_DB, server_env


def main() -> None:
    os.environ.update(server_env(SCALE_DB))
    os.environ.update({"ALLOWED_HOSTS": "*"})
    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    from linli.accounts.models import User
    from linli.accounts.services import token_issue

    user = User.objects.get(username=os.environ.get("BENCH_USER", "street"))
    _, key = token_issue(user=user, name="bench-inprocess")
    client = Client()
    headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    url = "/api/v1/requests?queue=mine&limit=50"

    def page() -> None:
        answer = client.get(url, **headers)
        assert answer.status_code == 200, (answer.status_code, answer.content[:300])

    for _ in range(50):
        page()
    statements: list[tuple[float, str]] = []

    def timed(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            statements.append((time.perf_counter() - start, sql))

    with connection.execute_wrapper(timed):  # the test client resets connection.queries per request
        page()
    n = int(os.environ.get("N", "2000"))
    profile = os.environ.get("PROFILE")
    if profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.enable()
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(n):
        page()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    print(
        f"{user.username}: {n} pages, {1000 * cpu / n:.2f} ms CPU and {1000 * wall / n:.2f} ms wall a page; "
        f"{len(statements)} statements:"
    )
    for seconds, sql in statements:
        print(f"  {1000 * seconds:.2f} ms  {sql[:150]}")
    if os.environ.get("BASELINES"):
        baselines(client, headers, url, n)
    if profile:
        profiler.disable()
        stats = pstats.Stats(profiler).sort_stats(os.environ.get("SORT", "cumulative"))
        stats.print_stats(50)
        if callers := os.environ.get("CALLERS"):  # e.g. CALLERS=localdate: who calls it, how often
            stats.print_callers(callers)


def baselines(client, headers: dict[str, str], url: str, n: int) -> None:  # type: ignore[no-untyped-def]
    """CPU milliseconds a request of hello-world, the two floors and the page: best of three runs of ``n``."""
    urls = {"hello-world": "/bench/hello", "floor, no sign-in": "/bench/floor/open", "floor": "/bench/floor/page"}
    best: dict[str, float] = {}
    for _ in range(3):
        for name, target in [*urls.items(), ("page", url)]:
            for _ in range(50):
                assert client.get(target, **headers).status_code == 200, target
            cpu = time.process_time()
            for _ in range(n):
                client.get(target, **headers)
            best[name] = min(best.get(name, float("inf")), 1000 * (time.process_time() - cpu) / n)
    print("CPU a request, best of 3: " + ", ".join(f"{name} {ms:.3f} ms" for name, ms in best.items()))
    page, floor, hello = best["page"], best["floor"], best["hello-world"]
    print(f"  page − floor {page - floor:.3f} ms; page / hello-world {page / hello:.2f}")


if __name__ == "__main__":
    main()
