"""Several counts in one round trip.

A dashboard shows a dozen "how many X under this node" figures, each an indexed ``COUNT`` of its own table.
Asking them one by one costs a round trip each; ``count_together`` sends them as scalar subqueries of a single
``SELECT`` — the same plans, one statement:

    count_together(teams=Team.objects.filter(under), stations=Station.objects.filter(under))
    → {"teams": 12, "stations": 3}
"""

from __future__ import annotations

from typing import Any

from django.db import connections
from django.db.models import QuerySet


def count_together(**querysets: QuerySet[Any]) -> dict[str, int]:
    if not querysets:
        return {}
    aliases = {qs.db for qs in querysets.values()}
    if len(aliases) != 1:
        raise ValueError(f"count_together: the querysets read from different databases {sorted(aliases)}")
    (alias,) = aliases
    parts: list[str] = []
    params: list[Any] = []
    for i, qs in enumerate(querysets.values()):
        sql, p = qs.order_by().values("pk").query.get_compiler(using=alias).as_sql()
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) AS counted_{i})")  # noqa: S608 — compiled SQL, values in params
        params.extend(p)
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        row = cursor.fetchone()
    return {name: int(n) for name, n in zip(querysets, row, strict=True)}
