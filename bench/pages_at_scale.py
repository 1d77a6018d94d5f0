"""The leaders' pages at district scale: each page a district or street reads (the dashboard and the pages it links to,
every app's figures page, the daily lists over the big tables, and the figures' two API reads), rendered in this
process through Django's test client against the scale database with the server's settings, as the administrator for
the district and as the street leader for their street. For each: best of 3 wall milliseconds, statements, and the
ratio to ``/healthz`` rendered the same way in the same run. Not one of the six benchmarks (there is no bar); a
survey that finds the page that grows with the district, for docs/scaling.md.

    .venv/bin/python bench/pages_at_scale.py          # against BENCH_DATABASE_URL (default linli_scale)

Reads only (a figure page writes nothing but, for some, an audit event).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import SCALE_DB, server_env

SLOW_MS = 100
PLAIN_STATIC = "django.contrib.staticfiles.storage.StaticFilesStorage"
PAGES = [
    "/insights/?node={node}",
    "/places/{node}/",
    "/places/{node}/grids/",
    "/volunteering/reporting/?place={node}",
    "/deliberation/committee-meetings/?node={node}",
    "/co-building/overview/?node={node}",
    "/co-building/charters/?node={node}",
    "/workforce/figures/?node={node}",
    "/rota/figures/?node={node}",
    "/guide/figures/?node={node}",
    "/visits/figures/?node={node}",
    "/party-life/figures/",
    "/deliberation/legal-sessions/figures/?node={node}",
    "/insights/whistles/?node={node}",
    # the daily lists over the big tables (each scoped to what the user's positions cover)
    "/requests/",
    "/requests/board/",
    "/requests/metrics/",
    "/requests/problems/",
    "/ledger/",
    "/ledger/corrections/",
    "/visits/",
    "/visits/coverage/",
    "/orgs/",
    "/orgs/organisations/",
    "/inbox/",
    "/audit/",
    # the same figures through the API (session auth, as the mini-program's web view signs in)
    "/api/v1/metrics?node={node}",
    "/api/v1/insights/dashboard?node={node}",
]


def main() -> int:
    os.environ.update(server_env(SCALE_DB))
    os.environ.update({"ALLOWED_HOSTS": "*"})
    import django

    django.setup()
    from django.conf import settings

    # No collectstatic here: plain static URLs (the page's work is the same; only the asset names differ).
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": PLAIN_STATIC}}
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from linli.accounts.middleware import mark_two_factor_passed
    from linli.accounts.models import User
    from linli.places.models import Place, PlaceKind

    district = Place.objects.filter(kind=PlaceKind.DISTRICT).order_by("path").first()
    street = Place.objects.filter(kind=PlaceKind.STREET).order_by("path").first()
    assert district and street, "the scale database has no district: run generate_scale"
    people = Place.objects.filter(path__startswith=district.path).count()
    print(f"pages at scale on {SCALE_DB.rsplit('/', 1)[-1]}: {people:,} places under {district.name}")
    from linli.core.scale.volume import existing_records

    held = existing_records()
    print(
        "module records: " + ", ".join(f"{table} {n:,}" for table, n in held.items())
        if held
        else "no module records: the module pages show their fixed cost (see manage.py generate_module_volume)"
    )

    slow: dict[str, list[tuple[float, str]]] = {}

    def timed(client: Client, url: str) -> tuple[int, float, int]:
        best, statements, status = float("inf"), 0, 0
        for _ in range(3):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                answer = client.get(url, secure=True)
                status = answer.status_code
                best = min(best, (time.perf_counter() - started) * 1000)
            statements = len(queries)
            costly = sorted(((float(q["time"]) * 1000, q["sql"]) for q in queries.captured_queries), reverse=True)
            slow[url] = costly[:2]
        return status, best, statements

    worst = 0.0
    for username, node in (("admin", district), ("street", street)):
        client = Client()
        client.force_login(User.objects.get(username=username))
        session = client.session
        mark_two_factor_passed(session)  # staff sign in with a second factor; this stands for it
        session.save()
        client.get("/healthz")
        _, base, _ = timed(client, "/healthz")
        print(f"\n{username} at {node.name} (/healthz {base:.1f} ms)")
        print(f"  {'page':<52} {'status':>6} {'ms':>8} {'statements':>10} {'× healthz':>10}")
        for template in PAGES:
            url = template.format(node=node.pk)
            status, ms, statements = timed(client, url)
            if status != 200:  # not this user's page (the audit log is the administrator's)
                print(f"  {url:<52} {status:>6}")
                continue
            worst = max(worst, ms)
            print(f"  {url:<52} {status:>6} {ms:>8.1f} {statements:>10} {ms / base:>10.0f}")
            if ms > SLOW_MS:  # the statements that cost most, to look at with EXPLAIN
                for cost, sql in slow[url]:
                    print(f"      {cost:6.1f} ms  {sql[:150]}")
    print(f"\nslowest page: {worst:.0f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
