"""Keeping ``RequestFact`` / ``RequestRollup`` equal to the event rows.

``fold`` is the same fold as ``linli.tickets.metrics.Figures.add`` (docs/metrics.md), per request.
``on_ticket_event`` is called inside the transaction that writes each request event
(``apply_transition`` and routing's automatic categorisation; intake uses the shortcut
``on_ticket_created``, which needs no reads): it refolds that one request, compares
with its stored fact, and moves the difference into the rollup rows with ``F()`` — so a rollback
takes the rollup change with it, and two transactions on different requests never overwrite each
other's counts. ``on_places_moved`` is called by ``place_move``: a moved subtree re-keys its
requests' facts and rollup rows.
"""

from __future__ import annotations

import datetime as dt
from array import array
from collections.abc import Iterable, Iterator, Mapping, Sequence
from itertools import islice
from typing import Any, TypeAlias, TypeVar
from zoneinfo import ZoneInfo

from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, Q, Sum, Value
from django.db.models.functions import Concat, Substr

from linli.insights.models import COUNTERS, ROLLUP_DEPTH, SECONDS, RequestFact, RequestRollup, Span
from linli.places.models import STREET_PATH_LENGTH, Place
from linli.tickets.metrics import RESPONSE_ACTIONS
from linli.tickets.models import SATISFIED_RATINGS, Category, TicketEvent
from linli.tickets.tiers import OrgLevels, request_left

CHINA_TZ = ZoneInfo("Asia/Shanghai")
FIELDS = COUNTERS + SECONDS
Key = tuple[str, int, str, dt.date]
_COUNTED = len(COUNTERS)  # FIELDS[:_COUNTED] are counters, the rest seconds
_RECEIVED = FIELDS.index("received")
Sums: TypeAlias = "array[float]"  # figures in FIELDS order, packed: every sum here has this one shape


def bucket_of(place_path: str) -> str:
    return place_path[: ROLLUP_DEPTH * Place.steplen]


_ROOTS: dict[int, int] = {}


def category_root(category_id: int | None) -> int:
    """The top-level category a category belongs to (cached: the tree is small and rarely moves)."""
    if not category_id:
        return 0
    if category_id not in _ROOTS:
        node = Category.objects.filter(pk=category_id).values("id", "parent_id").first()
        seen = 0
        while node and node["parent_id"] and seen < 5:
            node = Category.objects.filter(pk=node["parent_id"]).values("id", "parent_id").first()
            seen += 1
        _ROOTS[category_id] = node["id"] if node else 0
    return _ROOTS[category_id]


def fold(events: Sequence[Mapping[str, Any]], orgs: OrgLevels | None = None) -> dict[str, Any]:
    """One request's contribution, from its events in time order (the first is ``submit``). ``orgs``
    answers for events older than the tier flags (``tickets.tiers``; read on demand when not given)."""
    submitted = events[0]["at"]
    actions = [e["action"] for e in events]
    v: dict[str, Any] = {f: False for f in COUNTERS} | {s: 0.0 for s in SECONDS}
    v["received"] = True
    if "merge" in actions:
        return v
    v["valid"] = True
    first_response = next((e for e in events if e["action"] in RESPONSE_ACTIONS), None)
    if first_response is not None:
        v["responded"] = True
        v["respond_seconds"] = (first_response["at"] - submitted).total_seconds()
    v["accepted"] = "accept" in actions
    resolves = [e for e in events if e["action"] in ("resolve", "reopen")]
    if resolves and resolves[-1]["action"] == "resolve":
        v["resolved"] = True
        first_resolve = next(e for e in resolves if e["action"] == "resolve")
        v["resolve_seconds"] = (first_resolve["at"] - submitted).total_seconds()
        v["on_time"] = bool(resolves[-1]["data"].get("on_time"))
        left = request_left(events, orgs)
        v["in_compound"] = not left.compound
        v["grassroots"] = not left.community
        v["in_street"] = not left.street
    ratings = [e for e in events if e["action"] == "rate"]
    if ratings:
        v["rated"] = True
        v["satisfied"] = ratings[-1]["data"].get("rating") in SATISFIED_RATINGS
    return v


def fact_for(
    ticket: Mapping[str, Any], events: Sequence[Mapping[str, Any]], orgs: OrgLevels | None = None
) -> RequestFact | None:
    """The fact row for one request (``None`` if its first event is not ``submit``, as metrics skips it)."""
    if not events or events[0]["action"] != "submit":
        return None
    path = events[0]["place_path"]
    return RequestFact(
        ticket_id=ticket["id"],
        place_path=path,
        bucket_path=bucket_of(path),
        category_root=category_root(ticket["category_id"]),
        source=ticket["source"],
        day=events[0]["at"].astimezone(CHINA_TZ).date(),
        **fold(events, orgs),
    )


def key_of(fact: RequestFact) -> Key:
    return (fact.bucket_path, fact.category_root, fact.source, fact.day)


def vector(fact: RequestFact | None) -> Sums:
    """A fact's figures as ``Sums`` (zeros for no fact)."""
    if fact is None:
        return array("d", [0.0]) * len(FIELDS)
    return array("d", [float(getattr(fact, f)) for f in FIELDS])


RowKey = tuple[str, int, str, str, dt.date]  # bucket, category root, source, span, day (1st for months)
K = TypeVar("K")


def row_keys(key: Key) -> tuple[RowKey, RowKey]:
    """The two rollup rows a fact counts in: its day's and its month's."""
    bucket, root, source, day = key
    return (bucket, root, source, Span.DAY, day), (bucket, root, source, Span.MONTH, day.replace(day=1))


def sum_rows(rows: Iterable[tuple[K, Sequence[float]]], into: dict[K, Sums] | None = None) -> dict[K, Sums]:
    """Sums by key of sequences in ``FIELDS`` order, each added in the order given (to ``into`` if given).
    Packed arrays: ~0.2 KB a key instead of ~1 KB as a dict of floats (a district has ~640,000 day keys
    and ~1.27M rows with the months; with them and write_rollups' batches, rebuild at 1M requests went
    from 3.3 GB to 1.3 GB peak)."""
    out: dict[K, Sums] = {} if into is None else into
    for key, values in rows:
        acc = out.get(key)
        if acc is None:
            out[key] = array("d", values)
        else:
            for i, value in enumerate(values):
                acc[i] += value
    return out


def sum_facts(facts: Iterable[RequestFact], into: dict[Key, Sums] | None = None) -> dict[Key, Sums]:
    """Per-day sums of facts (added to ``into`` if given)."""
    return sum_rows(((key_of(fact), vector(fact)) for fact in facts), into)


def with_months(days: Mapping[Key, Sequence[float]]) -> dict[RowKey, Sums]:
    """Per-day sums → the day rows and the month rows they add up to (a month: its days' sums, in order)."""
    return sum_rows((row_key, sums) for key, sums in days.items() for row_key in row_keys(key))


def _index_order(k: RowKey) -> tuple[str, str, dt.date, str, int, str]:
    return (k[3], k[0][:STREET_PATH_LENGTH], k[4], k[0], k[1], k[2])


def _rollup_row(key: RowKey, sums: Sequence[float]) -> RequestRollup:
    bucket, root, source, span, day = key
    figures = {f: (int(v) if i < _COUNTED else v) for i, (f, v) in enumerate(zip(FIELDS, sums, strict=True))}
    return RequestRollup(bucket_path=bucket, category_root=root, source=source, span=span, day=day, **figures)


def rollup_rows(totals: Mapping[RowKey, Sequence[float]]) -> Iterator[RequestRollup]:
    """Rows in the order of the dashboards' index (span, street, day, bucket), made as they are taken:
    written in bulk, a street's rows for a period then sit on a few heap pages instead of one page each
    (at 1M requests a year's month rows for one street were spread over 17,500 pages: 80 ms a figure,
    read from disk)."""
    for key in sorted(totals, key=_index_order):
        yield _rollup_row(key, totals[key])


def write_rollups(totals: Mapping[RowKey, Sequence[float]], batch: int = 2000) -> int:
    """``rollup_rows`` written ``batch`` at a time, so only one batch of model objects exists at once (a
    district's 1.27M rows as objects took most of a 3.3 GB rebuild). Sums are in ``FIELDS`` order."""
    rows = rollup_rows(totals)
    while chunk := list(islice(rows, batch)):
        RequestRollup.objects.bulk_create(chunk)
    return len(totals)


def _bump(key: Key, delta: Sequence[float]) -> None:
    """Add ``delta`` (in ``FIELDS`` order) to the key's day row and month row: one ``UPDATE … RETURNING``
    when both exist (the usual case), which also says which exist; a missing one is inserted in a savepoint."""
    changes = {f: (int(d) if f in COUNTERS else d) for f, d in zip(FIELDS, delta, strict=True) if d}
    if not changes:
        return
    day_key, month_key = row_keys(key)
    bucket, root, source, _span, day = day_key
    q = connection.ops.quote_name
    table = q(RequestRollup._meta.db_table)
    sets = ", ".join(f"{q(f)} = {q(f)} + %s" for f in changes)
    span, on = q("span"), q("day")
    sql = (
        f"UPDATE {table} SET {sets} WHERE {q('bucket_path')} = %s AND {q('category_root')} = %s "  # noqa: S608 - names from metadata
        f"AND {q('source')} = %s AND (({span} = %s AND {on} = %s) OR ({span} = %s AND {on} = %s)) RETURNING {span}"
    )
    adapt = connection.ops.adapt_datefield_value
    params = [*changes.values(), bucket, root, source, Span.DAY, adapt(day), Span.MONTH, adapt(month_key[4])]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        bumped = {row[0] for row in cursor.fetchall()}
    for row_key in (day_key, month_key):
        if row_key[3] in bumped:
            continue
        match = RequestRollup.objects.filter(
            bucket_path=bucket, category_root=root, source=source, span=row_key[3], day=row_key[4]
        )
        try:
            with transaction.atomic():  # a savepoint: a concurrent first insert of the same key loses here
                _rollup_row(row_key, [changes.get(f, 0) for f in FIELDS]).save(force_insert=True)
        except IntegrityError:
            match.update(**{f: F(f) + d for f, d in changes.items()})


def on_ticket_created(*, ticket: Any, events: Sequence[TicketEvent]) -> None:
    """A request was just created with its events (``submit``, and ``auto_categorise`` when dispatch
    chose its category at intake), inside its transaction: it has no fact yet and its events are in
    hand, so its fact is inserted and its key's rollup row bumped without reading anything back (two
    statements; ``on_ticket_event`` would read the request, its events and its fact first)."""
    folded = [{"action": e.action, "at": e.at, "data": e.data, "place_path": e.place_path} for e in events]
    fact = fact_for({"id": ticket.pk, "category_id": ticket.category_id, "source": ticket.source}, folded)
    if fact is None:
        return
    _bump(key_of(fact), vector(fact))
    fact.save(force_insert=True)


def on_ticket_event(*, ticket_id: int) -> None:
    """Refold one request after an event was written; called inside the event's transaction."""
    from linli.tickets.models import Ticket

    with transaction.atomic():
        ticket = Ticket.objects.filter(pk=ticket_id).values("id", "category_id", "source").first()
        if ticket is None:
            return
        events: list[Any] = list(
            TicketEvent.objects.filter(ticket_id=ticket_id)
            .order_by("at", "id")
            .values("action", "at", "data", "place_path")
        )
        new = fact_for(ticket, events)
        old = RequestFact.objects.select_for_update().filter(ticket_id=ticket_id).first()
        if old is not None and new is not None and key_of(old) == key_of(new):
            _bump(key_of(new), [a - b for a, b in zip(vector(new), vector(old), strict=True)])
        else:
            if old is not None:
                _bump(key_of(old), [-x for x in vector(old)])
            if new is not None:
                _bump(key_of(new), vector(new))
        if new is None:
            RequestFact.objects.filter(ticket_id=ticket_id).delete()
        elif old is None:
            new.save(force_insert=True)
        else:
            new.save(force_update=True)


def _sums_by_key(facts: Any) -> dict[Key, Sums]:
    """Per-day sums of some facts, added up by the database."""
    rows = (
        facts.values("bucket_path", "category_root", "source", "day")
        .annotate(**{f: Count("pk", filter=Q(**{f: True})) for f in COUNTERS}, **{s: Sum(s) for s in SECONDS})
        .order_by()
    )
    return {
        (r["bucket_path"], r["category_root"], r["source"], r["day"]): array("d", [float(r[f] or 0) for f in FIELDS])
        for r in rows
    }


def on_places_moved(*, old_path: str, new_path: str) -> int:
    """A subtree of the place tree moved (``places.services.place_move``, in its transaction): the facts
    of the requests placed in it take the new path, and their totals leave the old rollup rows for
    the new ones (the bucket may change too — a building moved to another grid): the rollup rows of
    the buckets it left and joined are recomputed from their facts. A node at bucket depth or above
    that keeps its depth is re-prefixed in two statements instead.
    Returns the facts moved."""
    moved = RequestFact.objects.filter(place_path__under=old_path)
    bucket_len = ROLLUP_DEPTH * Place.steplen
    if len(old_path) == len(new_path) <= bucket_len:
        # A node at bucket depth or above, kept at its depth (the usual move: a compound to another
        # community). Its rollup rows hold its facts and nobody else's, and the new subtree holds none
        # yet: re-prefix both tables in two statements, whatever the number of requests or keys.
        with transaction.atomic():
            # Every span named: with the street, the leading columns of the dashboards' index.
            RequestRollup.objects.under(old_path).filter(span__in=Span.values).update(
                bucket_path=Concat(Value(new_path), Substr("bucket_path", len(old_path) + 1))
            )
            return moved.update(
                place_path=Concat(Value(new_path), Substr("place_path", len(old_path) + 1)),
                bucket_path=Concat(Value(new_path), Substr("bucket_path", len(old_path) + 1)),
            )
    with transaction.atomic():
        buckets = set(moved.values_list("bucket_path", flat=True).distinct())
        n = moved.update(place_path=Concat(Value(new_path), Substr("place_path", len(old_path) + 1)))
        now_under = RequestFact.objects.filter(place_path__under=new_path)
        now_under.update(bucket_path=Substr("place_path", 1, bucket_len))
        buckets |= set(now_under.values_list("bucket_path", flat=True).distinct())
        _recompute_buckets(buckets)
    return n


def _recompute_buckets(buckets: set[str]) -> None:
    """Rewrite the rollup rows of a few buckets from their facts (a bucket is a grid, or a compound or
    building without grid, so this reads thousands of facts, not millions). The facts are locked first:
    an event on one of their requests waits, then moves the new rows with ``F()`` as usual."""
    if not buckets:
        return
    facts = RequestFact.objects.filter(bucket_path__in=buckets)
    list(facts.select_for_update().values_list("pk", flat=True))
    RequestRollup.objects.filter(bucket_path__in=buckets).delete()
    write_rollups(with_months(_sums_by_key(facts)))


# --- rebuilding and checking -------------------------------------------------------------------


def facts_from_events(chunk: int = 5000) -> Iterator[RequestFact]:
    """Every request's fact, folded from the event rows in one streaming pass ordered by request
    (two server-side cursors walked side by side, so memory stays flat at any size)."""
    from linli.tickets.models import Ticket

    tickets = Ticket.objects.order_by("id").values("id", "category_id", "source").iterator(chunk_size=chunk)
    rows = (
        TicketEvent.objects.order_by("ticket_id", "at", "id")
        .values("ticket_id", "action", "at", "data", "place_path")
        .iterator(chunk_size=chunk)
    )
    ticket: Any = {"id": -1}
    events: list[Any] = []
    orgs = OrgLevels.everything()  # for events older than the tier flags: one read instead of one per request
    for row in rows:
        if row["ticket_id"] != ticket["id"]:
            if events:
                fact = fact_for(ticket, events, orgs)
                if fact is not None:
                    yield fact
            while ticket["id"] != row["ticket_id"]:
                ticket = next(tickets)
            events = []
        events.append(row)
    if events:
        fact = fact_for(ticket, events, orgs)
        if fact is not None:
            yield fact


def stored_rollups() -> dict[RowKey, Sums]:
    out: dict[RowKey, Sums] = {}
    fields = ("bucket_path", "category_root", "source", "span", "day", *FIELDS)
    for r in RequestRollup.objects.values_list(*fields).iterator(chunk_size=5000):
        out[r[:5]] = array("d", [float(v) for v in r[5:]])
    return out


def _same(a: Sequence[float], b: Sequence[float]) -> bool:
    # Counters exactly; seconds to a millisecond per row (float sums of the same terms in another order).
    tolerance = 1e-3 * max(1, b[_RECEIVED])
    return all(a[i] == b[i] for i in range(_COUNTED)) and all(
        abs(a[i] - b[i]) < tolerance for i in range(_COUNTED, len(FIELDS))
    )


def differences() -> list[str]:
    """Every rollup row (and fact) that differs from a fresh fold of the event rows; empty when equal."""
    expected_facts = {f.ticket_id: f for f in facts_from_events()}
    problems: list[str] = []
    stored_facts = {f.ticket_id: f for f in RequestFact.objects.all().iterator(chunk_size=5000)}
    for tid, fact in expected_facts.items():
        have = stored_facts.pop(tid, None)
        if have is None:
            problems.append(f"request {tid}: no fact row")
        elif key_of(have) != key_of(fact) or not _same(vector(have), vector(fact)):
            problems.append(f"request {tid}: fact differs")
    problems += [f"request {tid}: fact row without events" for tid in stored_facts]
    expected = with_months(sum_facts(expected_facts.values()))
    stored = stored_rollups()
    zero = vector(None)
    for key in sorted(set(expected) | set(stored), key=str):
        want, have_row = expected.get(key, zero), stored.get(key, zero)
        if not _same(have_row, want):
            changed = {f: (h, w) for f, h, w in zip(FIELDS, have_row, want, strict=True) if h != w}
            problems.append(f"rollup {key}: stored≠events {changed}")
    return problems


@transaction.atomic
def rebuild() -> tuple[int, int]:
    """Recompute every fact and rollup row from the event rows; returns (facts, rollup rows). The sums are
    the check's (``differences``): day sums, then the month rows from them; facts are inserted in batches."""
    RequestFact.objects.all().delete()
    RequestRollup.objects.all().delete()
    facts, n = facts_from_events(), 0
    days: dict[Key, Sums] = {}
    while batch := list(islice(facts, 2000)):
        sum_facts(batch, into=days)
        RequestFact.objects.bulk_create(batch)
        n += len(batch)
    rows = with_months(days)
    days.clear()  # freed before the rows are written
    written = write_rollups(rows)
    if connection.vendor == "postgresql":  # fresh statistics: the planner guessed 1 row for 38,000 before
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {RequestFact._meta.db_table}, {RequestRollup._meta.db_table}")
    return n, written
