"""Benchmark 5, export: every request streamed to CSV by the product's export (``linli.tickets.export``,
the same generator the /requests/export.csv page streams) vs PostgreSQL ``COPY (the same query) TO
STDOUT``. Bars (issue #12): ≥ 0.2× COPY's rows/s, peak memory of the exporting process ≤ 200 MB.

Each side runs in its own fresh process so its peak memory (ru_maxrss) is its own.

    .venv/bin/python bench/export.py
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import PY, ROOT, SCALE_DB, django_setup, load, out, verdict

MIN_RATIO = 0.2
MAX_MB = 200.0
COPY_SQL = """COPY (
  SELECT t.number, t.title, c.name, p.name, t.status, t.source, t.priority, t.submitted_at, t.responded_at,
         t.resolved_at, t.closed_at, t.resolve_due, t.rating, t.kind
  FROM tickets_ticket t LEFT JOIN tickets_category c ON c.id = t.category_id JOIN places_place p ON p.id = t.place_id
  ORDER BY t.id DESC
) TO STDOUT WITH (FORMAT csv)"""


def child(which: str) -> None:
    django_setup()
    started = time.perf_counter()
    rows = size = 0
    if which == "csv":
        from linli.accounts.models import User
        from linli.tickets.export import csv_rows
        from linli.tickets.selectors import TicketFilters

        admin = User.objects.get(username="admin")
        for block in csv_rows(admin, TicketFilters()):  # blocks of lines, as written to the response
            rows += block.count("\n")  # counted like COPY's output below (no field holds a newline)
            size += len(block)
        rows -= 1  # the header
    else:
        from django.db import connection

        with connection.cursor() as cursor, cursor.cursor.copy(COPY_SQL) as copy:
            for block in copy:
                size += len(block)
                rows += bytes(block).count(b"\n")
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"rows": rows, "seconds": seconds, "bytes": size, "peak_mb": peak}))


def run(which: str) -> dict[str, float]:
    done = (
        subprocess.run([PY, __file__, "--child", which], cwd=ROOT, capture_output=True, text=True, check=True)
        .stdout.strip()
        .splitlines()
    )
    return json.loads(done[-1])


def main() -> int:
    out(f"export bench on {SCALE_DB.rsplit('/', 1)[-1]}; load {load()}")
    copy = run("copy")
    csv = run("csv")
    for name, r in (("COPY … TO STDOUT", copy), ("streamed CSV export", csv)):
        out(
            f"  {name}: {r['rows']:,} rows in {r['seconds']:.1f}s = {r['rows'] / r['seconds']:,.0f} rows/s, "
            f"{r['bytes'] / 1e6:,.0f} MB of text, process peak {r['peak_mb']:.0f} MB"
        )
    ratio = (csv["rows"] / csv["seconds"]) / (copy["rows"] / copy["seconds"])
    ok = verdict("export rows/s ratio to COPY", ratio, MIN_RATIO)
    ok &= verdict("export peak memory", csv["peak_mb"], MAX_MB, higher_is_better=False, unit=" MB")
    ok &= abs(csv["rows"] - copy["rows"]) == 0
    if csv["rows"] != copy["rows"]:
        out(f"  FAIL the export wrote {csv['rows']:,} rows, COPY {copy['rows']:,}")
    return 0 if ok else 1


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        child(sys.argv[2])
    else:
        sys.exit(main())
