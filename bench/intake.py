"""Benchmark 3, intake: residents creating requests through the public API (validation, deadlines,
the request number under a row lock, the submit event, and whatever the service runs at intake: the
routing suggestion and duplicate check once they are wired in) vs a hello-world POST on the same
server. Bars (issue #12): ratio ≥ 0.2 and ≥ 100 requests/s on this machine.

Writes real requests into the scale database (a few thousand per run).

    .venv/bin/python bench/intake.py
"""

from __future__ import annotations

import json
import sys
import tempfile
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import SCALE_DB, django_setup, gunicorn, load, out, verdict, wrk

MIN_RATIO = 0.2
MIN_RPS = 100.0
LUA = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = %s
"""


def main() -> int:
    django_setup()
    from linli.accounts.models import User
    from linli.accounts.services import token_issue
    from linli.places.models import Place
    from linli.tickets.models import Ticket

    resident = User.objects.select_related("person").get(username="resident")
    _, key = token_issue(user=resident, name="bench-intake")
    building = Place.objects.filter(kind="building", path__startswith=resident.person.place_path[:10]).first()
    body = json.dumps(
        {"description": "楼道灯不亮,晚上上下楼看不清,请尽快维修", "place_id": building.pk if building else None},
        ensure_ascii=False,
    )
    before = Ticket.objects.count()
    out(f"intake bench on {SCALE_DB.rsplit('/', 1)[-1]}: {before:,} requests; load {load()}")
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "post.lua"
        script.write_text(LUA % json.dumps(body), encoding="utf-8")
        with gunicorn() as base:
            headers = {"Authorization": f"Bearer {key}"}
            probe = urllib.request.Request(
                f"{base}/api/v1/requests", data=body.encode(), headers={**headers, "Content-Type": "application/json"}
            )
            with urllib.request.urlopen(probe, timeout=30) as r:
                assert r.status == 201, r.status
            hello = wrk(f"{base}/bench/hello-post", script=str(script))
            got = wrk(f"{base}/api/v1/requests", headers=headers, script=str(script))
    made = Ticket.objects.count() - before
    ratio = got.rps / hello.rps
    out(f"  hello-world POST: {hello.rps:,.0f} req/s")
    out(
        f"  POST /api/v1/requests: {got.rps:,.0f} req/s (p50 {got.p50_ms:.0f} ms, p99 {got.p99_ms:.0f} ms), "
        f"{made:,} requests created, {got.errors} errors; ratio {ratio:.2f}"
    )
    ok = verdict("intake throughput ratio", ratio, MIN_RATIO)
    ok &= verdict("intake requests/s", got.rps, MIN_RPS)
    ok &= got.errors == 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
