"""The intake's web-side CPU without a server: N ``POST /api/v1/requests`` through Django's test client
in this process, against the scale database with the server's settings (DEBUG off), after 20 to warm up.
Prints the CPU milliseconds per intake of this process (the gunicorn part of ``bench/intake.py``'s
"server CPU", without the worker and PostgreSQL). Steadier than the load test on a busy machine, for
comparing one change with the next; not one of the six benchmarks.

    .venv/bin/python bench/intake_inprocess.py              # 300 intakes
    N=1000 PROFILE=1 .venv/bin/python bench/intake_inprocess.py   # + cProfile's 60 costliest (cumulative)

Writes real requests into the scale database. The residents' hourly intake limit is lifted in this
process only (the synthetic residents would run out of it).
"""

from __future__ import annotations

import json
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import SCALE_DB, server_env


def main() -> None:
    os.environ.update(server_env(SCALE_DB))
    os.environ.update({"ALLOWED_HOSTS": "*", "HUEY_IMMEDIATE": "0"})  # notifications queued, as in production
    import django

    django.setup()
    from django.test import Client

    from bench.intake import PROBLEMS, residents_with_tokens
    from linli.core import ratelimit
    from linli.places.models import Place

    ratelimit.DEFAULTS["intake.user"] = (10**6, 3600)
    building = Place.objects.filter(kind="building").order_by("-path").first()
    assert building is not None, "the scale database has no buildings: run generate_scale"
    tokens = residents_with_tokens(building)
    client = Client()
    rng = random.Random(1)

    def intake(i: int) -> None:
        text = f"{rng.choice(PROBLEMS)}(第{rng.randint(1, 10**6)}号,编号{i})"
        body = json.dumps({"description": text, "place_id": building.pk})
        answer = client.post(
            "/api/v1/requests",
            data=body,
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {tokens[i % len(tokens)]}",
        )
        assert answer.status_code == 201, (answer.status_code, answer.content[:300])

    for i in range(20):
        intake(i)
    n = int(os.environ.get("N", "300"))
    profiler = None
    if os.environ.get("PROFILE") == "1":
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    cpu, wall = time.process_time(), time.perf_counter()
    for i in range(20, 20 + n):
        intake(i)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    if profiler is not None:
        import pstats

        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(60)
    print(f"{n} intakes: {cpu * 1000 / n:.2f} ms CPU each in this process, {wall * 1000 / n:.2f} ms wall")


if __name__ == "__main__":
    main()
