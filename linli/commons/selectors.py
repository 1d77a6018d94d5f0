"""Reads of the shared-income ledger: scoped access, entries, quarter summaries, the 公示 and the figures.

Ledgers and entries are read through ``visible_ledgers`` / ``visible_entries`` (those who record, lead, the
compound's branch secretary and owners' committee); notices through ``visible_notices`` (those, and the
compound's owners and residents). A compound the user may not read is the 404 of a missing id.

Every function here costs a fixed number of queries, however many rows it reads.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any

from django.db.models import Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.commons.models import Category, Entry, EntryKind, Ledger, Notice
from linli.commons.periods import current_quarter, months_of, quarter_bounds
from linli.commons.permissions import ledger_q, may_record, notices_q, sees_ledger, sees_notices
from linli.core.errors import InvalidInput, NotFound
from linli.core.scoping import NOT_FOUND_MESSAGE, get_or_not_found, may_lead_at, scope_for_any
from linli.places.models import Place, PlaceKind

COMMUNITY_PATH_LENGTH = 3 * Place.steplen
TOTAL_FIELDS = {
    EntryKind.INCOME: "income_fen",
    EntryKind.COST: "cost_fen",
    EntryKind.SPENDING: "spent_fen",
    EntryKind.DISTRIBUTION: "distributed_fen",
}


# ----------------------------------------------------------------------------- access


def _not_found(field: str | None = None) -> NotFound:
    return NotFound(_(NOT_FOUND_MESSAGE), field=field)


def compound_for_ledger(user: Any, pk: Any, *, field: str | None = None) -> Place:
    """A compound whose full ledger the user reads, or the 404 of a missing id."""
    compound: Place = get_or_not_found(Place.objects.filter(kind=PlaceKind.COMPOUND), pk, field=field)
    if not sees_ledger(user, compound.path):
        raise _not_found(field)
    return compound


def compound_for_notices(user: Any, pk: Any, *, field: str | None = None) -> Place:
    """A compound whose 公示 the user reads (its owners and residents too), or the 404 of a missing id."""
    compound: Place = get_or_not_found(Place.objects.filter(kind=PlaceKind.COMPOUND), pk, field=field)
    if not sees_notices(user, compound.path):
        raise _not_found(field)
    return compound


def ledger_of(compound: Place) -> Ledger | None:
    return Ledger.objects.filter(compound=compound).first()


def visible_ledgers(user: Any) -> QuerySet[Ledger]:
    return Ledger.objects.filter(ledger_q(user))


def visible_entries(user: Any) -> QuerySet[Entry]:
    return Entry.objects.filter(ledger_q(user))


def access_entry(user: Any, pk: Any) -> Entry:
    qs = visible_entries(user).select_related("ledger", "ledger__compound", "payer", "vote", "recorded_by")
    return get_or_not_found(qs, pk)  # type: ignore[no-any-return]


def visible_notices(user: Any) -> QuerySet[Notice]:
    return Notice.objects.filter(notices_q(user))


def access_notice(user: Any, pk: Any) -> Notice:
    return get_or_not_found(visible_notices(user).select_related("ledger", "ledger__compound"), pk)  # type: ignore[no-any-return]


def entries_of(compound: Place) -> QuerySet[Entry]:
    """The compound's entries, newest first, with what a row shows (one query)."""
    return (
        Entry.objects.filter(ledger__compound=compound)
        .select_related("payer", "vote", "recorded_by", "recorded_by__person")
        .order_by("-id")
    )


def notices_of(compound: Place) -> QuerySet[Notice]:
    return Notice.objects.filter(ledger__compound=compound).order_by("-year", "-quarter")


def reversed_ids(entries: list[Entry]) -> set[int]:
    """Which of these entries have been reversed (one query)."""
    ids = [e.pk for e in entries]
    if not ids:
        return set()
    return set(Entry.objects.filter(reverses_id__in=ids).values_list("reverses_id", flat=True))


def may_record_at(user: Any, compound: Place) -> bool:
    return may_record(user, compound.path)


def approving_votes(compound: Place, *, limit: int = 50) -> list[Any]:
    """Closed owners' votes under 民法典第278条 at the compound or above, newest first (the form's choices; the
    service counts the chosen one)."""
    from linli.deliberation.models import Vote, VoteStatus

    ancestors = [compound.path[:i] for i in range(Place.steplen, len(compound.path) + 1, Place.steplen)]
    return list(
        Vote.objects.filter(
            place_path__in=ancestors, status=VoteStatus.CLOSED, rule__in=["art278_ordinary", "art278_special"]
        ).order_by("-closed_at", "-id")[:limit]
    )


def payer_choices(compound: Place, *, limit: int = 100) -> list[Any]:
    """Property companies and units registered at, above or below the compound, or serving it."""
    from linli.commons.services import PAYER_KINDS
    from linli.orgs.models import Organisation

    ancestors = [compound.path[:i] for i in range(Place.steplen, len(compound.path) + 1, Place.steplen)]
    condition = Q(place_path__in=ancestors) | Q(place_path__startswith=compound.path) | Q(serves=compound)
    return list(
        Organisation.objects.filter(condition, kind__in=PAYER_KINDS).distinct().order_by("kind", "name", "id")[:limit]
    )


# ----------------------------------------------------------------------------- summaries


@dataclass
class Totals:
    income_fen: int = 0
    cost_fen: int = 0
    spent_fen: int = 0
    distributed_fen: int = 0

    def add(self, kind: str, reversal: bool, amount: int) -> None:
        name = TOTAL_FIELDS[EntryKind(kind)]
        setattr(self, name, getattr(self, name) + (-amount if reversal else amount))

    @property
    def net_fen(self) -> int:
        """What the period adds to the balance: income − costs − spending − distribution."""
        return self.income_fen - self.cost_fen - self.spent_fen - self.distributed_fen

    @property
    def owners_share_fen(self) -> int:
        """Income after reasonable costs: what belongs to the owners (民法典第282条)."""
        return self.income_fen - self.cost_fen


@dataclass
class MonthRow:
    month: str
    totals: Totals = field(default_factory=Totals)

    def as_json(self) -> dict[str, Any]:
        return {"month": self.month, **asdict(self.totals)}


@dataclass
class Line:
    """One entry as the owners see it: no recorder, no payee, no approval note (they may name a person)."""

    day: str
    kind: str
    category: str
    amount_fen: int  # signed: what it did to the balance
    summary: str
    payer: str
    receipt_no: str
    vote: str
    routine: bool
    reversal: bool

    def as_json(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def kind_label(self) -> str:
        return str(EntryKind(self.kind).label) if self.kind in EntryKind.values else self.kind

    @property
    def category_label(self) -> str:
        return str(Category(self.category).label) if self.category in Category.values else self.category


def line_of(entry: Entry) -> Line:
    return Line(
        day=entry.occurred_on.isoformat(),
        kind=entry.kind,
        category=entry.category,
        amount_fen=entry.effect_fen,
        summary=entry.summary,
        payer=entry.payer.name if entry.payer_id and entry.payer is not None else "",
        receipt_no=entry.receipt_no,
        vote=entry.vote.title if entry.vote_id and entry.vote is not None else "",
        routine=bool(entry.approval_note),
        reversal=entry.reverses_id is not None,
    )


def lines_from_json(rows: list[dict[str, Any]]) -> list[Line]:
    return [Line(**row) for row in rows]


def months_from_json(rows: list[dict[str, Any]]) -> list[MonthRow]:
    return [MonthRow(row["month"], Totals(**{k: v for k, v in row.items() if k != "month"})) for row in rows]


@dataclass
class QuarterSummary:
    year: int
    quarter: int
    opening_fen: int
    totals: Totals
    months: list[MonthRow]
    lines: list[Line]

    @property
    def closing_fen(self) -> int:
        return self.opening_fen + self.totals.net_fen

    @property
    def label(self) -> str:
        return _("%(year)d年第%(quarter)d季度") % {"year": self.year, "quarter": self.quarter}


def _grouped_totals(qs: QuerySet[Entry]) -> Totals:
    totals = Totals()
    rows = qs.values("kind").annotate(
        plain=Sum("amount_fen", filter=Q(reverses__isnull=True)),
        undone=Sum("amount_fen", filter=Q(reverses__isnull=False)),
    )
    for row in rows.order_by():
        totals.add(row["kind"], False, row["plain"] or 0)
        totals.add(row["kind"], True, row["undone"] or 0)
    return totals


def quarter_summary(ledger: Ledger | None, year: int, quarter: int, *, until: dt.date | None = None) -> QuarterSummary:
    """The quarter's opening balance, its totals month by month and its entries (two queries). ``until`` cuts a
    quarter still running at a day (the live 公示 page)."""
    first, last = quarter_bounds(year, quarter)
    if until is not None:
        last = min(last, until)
    months = {m: MonthRow(m) for m in months_of(year, quarter)}
    if ledger is None:
        return QuarterSummary(year, quarter, 0, Totals(), list(months.values()), [])
    opening = _grouped_totals(Entry.objects.filter(ledger=ledger, occurred_on__lt=first)).net_fen
    rows = list(
        Entry.objects.filter(ledger=ledger, occurred_on__gte=first, occurred_on__lte=last)
        .select_related("payer", "vote")
        .order_by("occurred_on", "id")
    )
    totals = Totals()
    for e in rows:
        totals.add(e.kind, e.reverses_id is not None, e.amount_fen)
        months[e.occurred_on.strftime("%Y-%m")].totals.add(e.kind, e.reverses_id is not None, e.amount_fen)
    return QuarterSummary(year, quarter, opening, totals, list(months.values()), [line_of(e) for e in rows])


def live_summary(compound: Place) -> QuarterSummary:
    """This quarter so far, as the owners see it (not yet published; the published quarters are frozen)."""
    year, quarter = current_quarter()
    return quarter_summary(ledger_of(compound), year, quarter, until=timezone.localdate())


def notice_summary(notice: Notice) -> QuarterSummary:
    """A published quarter as it was frozen (no query)."""
    return QuarterSummary(
        notice.year,
        notice.quarter,
        notice.opening_fen,
        Totals(notice.income_fen, notice.cost_fen, notice.spent_fen, notice.distributed_fen),
        months_from_json(notice.months),
        lines_from_json(notice.lines),
    )


# ----------------------------------------------------------------------------- places and figures


def may_see_figures(user: Any, node: Place) -> bool:
    return may_lead_at(user, node.path)


def figure_node(pk: Any, *, field: str | None = None) -> Place:
    qs = Place.objects.filter(kind__in=[PlaceKind.DISTRICT, PlaceKind.STREET, PlaceKind.COMMUNITY, PlaceKind.COMPOUND])
    return get_or_not_found(qs, pk, field=field)  # type: ignore[no-any-return]


def default_node(user: Any) -> Place | None:
    """Where the staff page starts: the outermost street or community the user manages or leads."""
    scope = scope_for_any(user, ("manage", "lead"))
    if scope.empty:
        return None
    qs = Place.objects.filter(kind__in=[PlaceKind.STREET, PlaceKind.COMMUNITY])
    return qs.filter(scope.q("path")).order_by("depth", "path").first()  # type: ignore[no-any-return]


def home_compounds(user: Any) -> list[Place]:
    """The compounds whose 公示 the user reads as an owner or resident, or as their secretary or committee."""
    if not getattr(user, "is_authenticated", False):
        return []
    from linli.commons.permissions import _home_paths, _secretary_roots, committee_paths

    paths = {p[: 4 * Place.steplen] for p in [*_home_paths(user), *_secretary_roots(user), *committee_paths(user)]}
    if not paths:
        return []
    return list(Place.objects.filter(path__in=sorted(paths), kind=PlaceKind.COMPOUND).order_by("path"))


@dataclass
class CompoundFigures:
    compound: Place
    totals: Totals = field(default_factory=Totals)
    balance_fen: int = 0  # at the end of the period
    has_ledger: bool = False
    published_this_quarter: bool = False


@dataclass
class Figures:
    node: Place
    since: dt.date
    until: dt.date
    totals: Totals
    balance_fen: int
    compounds: int
    with_income: int
    published_this_quarter: int
    rows: list[CompoundFigures]


def figures(user: Any, node: Place, since: dt.date, until: dt.date) -> Figures:
    """Income, costs, spending, distribution and balance per compound under ``node`` and summed, for the period
    (docs: metrics, 公共收益); the compounds with shared income recorded in it; those that published a 公示 this
    quarter. Staff holding ``manage`` or ``lead`` at the node only (anyone else: the 404 of a missing id). Three
    queries, however many rows."""
    if not may_see_figures(user, node):
        raise _not_found("place_id")
    if since > until:
        raise InvalidInput(_("开始日期不能晚于结束日期"), field="since")
    if (until - since).days > 366 * 5:
        raise InvalidInput(_("统计期间最长五年"), field="until")
    compounds = list(Place.objects.filter(path__under=node.path, kind=PlaceKind.COMPOUND).order_by("path"))
    rows = {c.path: CompoundFigures(c) for c in compounds}
    grouped = (
        Entry.objects.filter(place_path__under=node.path, occurred_on__lte=until)
        .values("place_path", "kind")
        .annotate(
            total=Sum("amount_fen", filter=Q(reverses__isnull=True)),
            total_undone=Sum("amount_fen", filter=Q(reverses__isnull=False)),
            period=Sum("amount_fen", filter=Q(occurred_on__gte=since, reverses__isnull=True)),
            period_undone=Sum("amount_fen", filter=Q(occurred_on__gte=since, reverses__isnull=False)),
        )
        .order_by()
    )
    for r in grouped:
        row = rows.get(r["place_path"])
        if row is None:
            continue
        row.has_ledger = True
        row.totals.add(r["kind"], False, r["period"] or 0)
        row.totals.add(r["kind"], True, r["period_undone"] or 0)
        net = (r["total"] or 0) - (r["total_undone"] or 0)
        row.balance_fen += net if r["kind"] == EntryKind.INCOME else -net
    year, quarter = current_quarter()
    first, last = quarter_bounds(year, quarter)
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(first, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    published = set(
        Notice.objects.filter(place_path__under=node.path, published_at__gte=start, published_at__lt=end)
        .values_list("place_path", flat=True)
        .distinct()
    )
    for path in published:
        if path in rows:
            rows[path].published_this_quarter = True
    totals = Totals()
    for row in rows.values():
        for name in ("income_fen", "cost_fen", "spent_fen", "distributed_fen"):
            setattr(totals, name, getattr(totals, name) + getattr(row.totals, name))
    return Figures(
        node=node,
        since=since,
        until=until,
        totals=totals,
        balance_fen=sum(r.balance_fen for r in rows.values()),
        compounds=len(compounds),
        with_income=sum(1 for r in rows.values() if r.totals.income_fen > 0),
        published_this_quarter=sum(1 for r in rows.values() if r.published_this_quarter),
        rows=list(rows.values()),
    )


def default_period(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """This year so far."""
    day = today or timezone.localdate()
    return day.replace(month=1, day=1), day


def ledger_rows(compounds: list[Place]) -> dict[int, Ledger]:
    """The ledgers of these compounds by compound id (one query)."""
    return {g.compound_id: g for g in Ledger.objects.filter(compound__in=compounds)}


def group_notices(notices: list[Notice]) -> dict[int, list[Notice]]:
    out: dict[int, list[Notice]] = defaultdict(list)
    for n in notices:
        out[n.ledger_id].append(n)
    return out
