"""Benchmark 6, growth: the queue and the dashboard figures at each size the scale database has had.

Measures, at the database's current size, in-process (best of N, so the number is the query work,
not the machine's noise):
  - the street and grid queues' first page (``tickets.selectors.ticket_page``, as GET /api/v1/requests?status=open);
  - the street dashboard's figures from the rollups (``insights.selectors.dashboard_figures``);
  - for reference, the same request figures computed raw from the events (``tickets.metrics.compute``),
records them in bench/results/growth.json under the number of requests, and compares the smallest
and largest sizes recorded. Bar (issue #12): when the table has grown ≥ 2×, the queue and dashboard
times may not grow more than 1.5× (+2 ms of noise). What they do grow with is printed: the open
requests under the node (queue) and the rollup rows in the period (dashboard).

    .venv/bin/python bench/growth.py                   # record this size, compare with earlier ones
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import SCALE_DB, django_setup, load, out, verdict

RESULTS = Path(__file__).resolve().parent / "results" / "growth.json"
MAX_GROWTH = 1.5
NOISE_MS = 2.0


def best_ms(func: Any, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - started)
    return best * 1000


def measure() -> dict[str, Any]:
    django_setup()
    from django.utils import timezone

    from linli.accounts.models import User
    from linli.insights.models import RequestRollup
    from linli.insights.selectors import Period, dashboard_figures, rollup_span_q
    from linli.places.models import Place
    from linli.tickets.api import TicketOut, ticket_out
    from linli.tickets.metrics import compute
    from linli.tickets.models import OPEN_STATUSES, Ticket
    from linli.tickets.selectors import TicketFilters, ticket_page, visible_tickets

    point: dict[str, Any] = {"requests": Ticket.objects.count(), "load": load()}
    for username in ("street", "grid"):
        user = User.objects.get(username=username)

        def queue(user: Any = user) -> None:
            page = ticket_page(user, TicketFilters(status="open"), cursor=None, limit=50)
            [TicketOut(**ticket_out(t, user, with_actions=False)) for t in page.items]

        point[f"{username}_queue_ms"] = best_ms(queue, 20)
        point[f"{username}_open"] = visible_tickets(user).filter(status__in=OPEN_STATUSES).count()
    street = Place.objects.filter(kind="street").order_by("path").first()
    assert street is not None
    today = timezone.localdate()
    period = Period(today - dt.timedelta(days=364), today)
    point["dashboard_ms"] = best_ms(lambda: dashboard_figures(street, period), 5)
    point["raw_metrics_ms"] = best_ms(lambda: compute(street, period.since, period.until), 2)
    # The rows the dashboard sums for the period (month rows for whole months, day rows at the edges).
    in_period = RequestRollup.objects.filter(rollup_span_q(period), bucket_path__startswith=street.path)
    point["rollup_rows"] = in_period.count()
    return point


def main() -> int:
    point = measure()
    out(f"growth bench on {SCALE_DB.rsplit('/', 1)[-1]}: {point['requests']:,} requests; load {point['load']}")
    out(
        f"  street queue {point['street_queue_ms']:.1f} ms ({point['street_open']:,} open), grid queue "
        f"{point['grid_queue_ms']:.1f} ms ({point['grid_open']:,} open), dashboard {point['dashboard_ms']:.1f} ms "
        f"({point['rollup_rows']:,} rollup rows), raw metrics {point['raw_metrics_ms']:.0f} ms"
    )
    RESULTS.parent.mkdir(exist_ok=True)
    history = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    history[str(point["requests"])] = point
    RESULTS.write_text(json.dumps(history, indent=1, ensure_ascii=False) + "\n")
    sizes = sorted(history.values(), key=lambda p: p["requests"])
    if len(sizes) < 2 or sizes[-1]["requests"] < 2 * sizes[0]["requests"]:
        out("  (one size recorded so far: run again after generate_scale adds requests to compare)")
        return 0
    small, large = sizes[0], sizes[-1]
    grew = large["requests"] / small["requests"]
    out(f"  table grew {grew:.1f}× ({small['requests']:,} → {large['requests']:,})")
    ok = True
    for key in ("street_queue_ms", "grid_queue_ms", "dashboard_ms"):
        allowed = small[key] * MAX_GROWTH + NOISE_MS
        ok &= verdict(
            f"{key} at {large['requests']:,} (was {small[key]:.1f} ms)",
            large[key],
            allowed,
            higher_is_better=False,
            unit=" ms",
        )
    out(
        f"  raw metrics (no rollups): {small['raw_metrics_ms']:.0f} → {large['raw_metrics_ms']:.0f} ms; "
        f"open in street {small['street_open']:,} → {large['street_open']:,}; "
        f"rollup rows {small['rollup_rows']:,} → {large['rollup_rows']:,}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
