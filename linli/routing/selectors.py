"""Reads of smart dispatch: similar open requests (duplicates), hot-spot groups, monthly top problems,
the accuracy audit. Everything a person sees starts from ``Ticket.objects.visible_to(user)``."""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import Coalesce, Substr, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext

from linli.places.models import Place
from linli.routing.models import Hotspot, RoutingModel, Suggestion
from linli.tickets.models import OPEN_STATUSES, Category, Status, Ticket

SIMILAR_DAYS = 30
SIMILAR_MIN_SCORE = 0.45
SIMILAR_CANDIDATES = 300
HOT_MIN_RECENT = 4  # a group needs at least this many requests in the recent window …
HOT_GROWTH = 2.0  # … and at least this times its earlier rate
COOLDOWN_DAYS = 7
COMPOUND_DEPTH = 4  # district / street / community / compound
_PUNCT = re.compile(r"[\s\d,。!?、;:“”‘’()()\[\]【】,.!?;:'\"…\~—\-]+")


# --- duplicates -----------------------------------------------------------------------------------


def _bigrams(text: str) -> set[str]:
    s = _PUNCT.sub("", text or "")
    return {s[i : i + 2] for i in range(len(s) - 1)} or ({s} if s else set())


def text_similarity(a: str, b: str) -> float:
    """Dice coefficient over character bigrams (punctuation and digits ignored): 1.0 = same wording."""
    x, y = _bigrams(a), _bigrams(b)
    if not x or not y:
        return 0.0
    return 2 * len(x & y) / (len(x) + len(y))


def place_closeness(a: str, b: str) -> float:
    """1.0 same node, 0.8 same building, 0.6 same compound, 0.3 same community."""
    if a == b:
        return 1.0
    common = 0
    for i in range(0, min(len(a), len(b)), Place.steplen):
        if a[i : i + Place.steplen] != b[i : i + Place.steplen]:
            break
        common += 1
    return {0: 0.0, 1: 0.0, 2: 0.0, 3: 0.3, 4: 0.6, 5: 0.7}.get(common, 0.8)


@dataclass
class Similar:
    ticket: Ticket
    score: float
    text_score: float
    place_score: float


def similar_requests(
    user: Any,
    *,
    title: str,
    description: str,
    place: Place,
    exclude_id: int | None = None,
    days: int = SIMILAR_DAYS,
    limit: int = 5,
    now: dt.datetime | None = None,
) -> list[Similar]:
    """Open requests the user may see in the same community, submitted within ``days``, scored by
    wording (70%) and nearness (30%), best first. Two queries whatever the number of candidates."""
    now = now or timezone.now()
    community = place.path[: 3 * Place.steplen]
    qs = (
        Ticket.objects.visible_to(user)
        .filter(place_path__under=community, status__in=OPEN_STATUSES, submitted_at__gte=now - dt.timedelta(days=days))
        .select_related("place", "category")
        .order_by("-submitted_at")
    )
    if exclude_id:
        qs = qs.exclude(pk=exclude_id)
    text = f"{title} {description}"
    found = []
    for t in qs[:SIMILAR_CANDIDATES]:
        ts = text_similarity(text, f"{t.title} {t.description}")
        ps = place_closeness(place.path, t.place_path)
        score = round(0.7 * ts + 0.3 * ps, 3)
        if score >= SIMILAR_MIN_SCORE and ts >= 0.3:
            found.append(Similar(t, score, round(ts, 3), ps))
    found.sort(key=lambda s: (-s.score, -s.ticket.pk))
    return found[:limit]


def similar_to_ticket(user: Any, ticket: Ticket, *, days: int = SIMILAR_DAYS, limit: int = 5) -> list[Similar]:
    return similar_requests(
        user,
        title=ticket.title,
        description=ticket.description,
        place=ticket.place,
        exclude_id=ticket.pk,
        days=days,
        limit=limit,
    )


# --- hot spots ------------------------------------------------------------------------------------


@dataclass
class Group:
    place: Place
    category: Category | None
    total: int
    recent: int
    recent_days: int
    baseline: float
    ticket_ids: list[int] = field(default_factory=list)
    numbers: list[str] = field(default_factory=list)
    hotspot: Hotspot | None = None

    @property
    def topic(self) -> str:
        return self.category.name if self.category else gettext("未分类")

    @property
    def growing(self) -> bool:
        return self.recent >= HOT_MIN_RECENT and self.recent >= HOT_GROWTH * max(self.baseline, 0.5)


def recent_days_for(days: int) -> int:
    return max(1, min(7, days // 4))


def _topic_qs(root_path: str, since: dt.datetime, until: dt.datetime) -> Any:
    """Requests in the period with ``topic`` (final or suggested category) and ``group_path`` (compound)."""
    qs = Ticket.objects.filter(submitted_at__gte=since, submitted_at__lt=until).exclude(status=Status.MERGED)
    if root_path:
        qs = qs.filter(place_path__under=root_path)
    return qs.annotate(
        topic=Coalesce(F("category_id"), F("routing_suggestion__top_category_id")),
        group_path=Substr("place_path", 1, COMPOUND_DEPTH * Place.steplen),
    )


def hot_groups(*, root_path: str, days: int = 30, now: dt.datetime | None = None, limit: int = 50) -> list[Group]:
    """Requests of the last ``days`` under ``root_path`` grouped by compound and topic (final category, or
    the suggested one while none is set), the fastest-growing first. A fixed number of queries."""
    now = now or timezone.now()
    recent_days = recent_days_for(days)
    recent_from = now - dt.timedelta(days=recent_days)
    rows = list(
        _topic_qs(root_path, now - dt.timedelta(days=days), now)
        .values("group_path", "topic")
        .annotate(total=Count("id"), recent=Count("id", filter=Q(submitted_at__gte=recent_from)))
        .filter(total__gte=2)
        .order_by("-recent", "-total")[:500]
    )
    if not rows:
        return []
    places = {p.path: p for p in Place.objects.filter(path__in={r["group_path"] for r in rows})}
    categories = Category.objects.in_bulk([r["topic"] for r in rows if r["topic"]])
    earlier_days = max(days - recent_days, 1)
    groups = []
    for r in rows:
        place = places.get(r["group_path"])
        if place is None:
            continue
        before = r["total"] - r["recent"]
        groups.append(
            Group(
                place=place,
                category=categories.get(r["topic"]) if r["topic"] else None,
                total=r["total"],
                recent=r["recent"],
                recent_days=recent_days,
                baseline=round(before / earlier_days * recent_days, 2),
            )
        )
    groups.sort(key=lambda g: (not g.growing, -(g.recent - g.baseline), -g.total))
    groups = groups[:limit]
    _attach_members(groups, root_path=root_path, since=now - dt.timedelta(days=days), until=now)
    return groups


def _attach_members(groups: list[Group], *, root_path: str, since: dt.datetime, until: dt.datetime) -> None:
    if not groups:
        return
    keys = {(g.place.path, g.category.pk if g.category else None): g for g in groups}
    members = (
        _topic_qs(root_path, since, until)
        .filter(group_path__in={g.place.path for g in groups})
        .order_by("-submitted_at")
        .values_list("group_path", "topic", "id", "number")
    )
    for path, topic, pk, number in members:
        g = keys.get((path, topic))
        if g is not None:
            g.ticket_ids.append(pk)
            g.numbers.append(number)
    spots = Hotspot.objects.filter(place__path__in={g.place.path for g in groups}).select_related("case_ticket")
    for spot in spots:
        g = keys.get((spot.place_path, spot.category_id))
        if g is not None:
            g.hotspot = spot


def hot_groups_for(user: Any, *, node: Place, days: int = 30) -> list[Group]:
    """The groups under a node the user may see (node already checked to be in the user's scope)."""
    return hot_groups(root_path=node.path, days=days)


def group_for(*, place: Place, category_id: int | None, days: int = 30) -> Group | None:
    for g in hot_groups(root_path=place.path, days=days, limit=500):
        if g.place.pk == place.pk and (g.category.pk if g.category else None) == category_id:
            return g
    return None


def visible_hotspots(user: Any) -> QuerySet[Hotspot]:
    return Hotspot.objects.visible_to(user).select_related("place", "category", "case_ticket")


# --- monthly top problems (每月一题) ----------------------------------------------------------------


def top_problems(node: Place, start: dt.date, end: dt.date, *, limit: int = 10) -> list[dict[str, Any]]:
    """The most frequent problems under ``node`` between ``start`` and ``end`` (inclusive dates):
    ``[{"category_id", "category", "count", "places": [(name, count), …top 3], "open": n}]``, most first.
    Topic = the final category, else the suggested one; merged duplicates are not counted twice."""
    tz = timezone.get_current_timezone()
    since = dt.datetime.combine(start, dt.time.min, tzinfo=tz)
    until = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    qs = _topic_qs(node.path, since, until)
    counts = list(
        qs.values("topic")
        .annotate(n=Count("id"), open=Count("id", filter=Q(status__in=OPEN_STATUSES)))
        .order_by("-n", "topic")[:limit]
    )
    by_place: dict[Any, list[tuple[str, int]]] = defaultdict(list)
    place_rows = (
        qs.filter(topic__in=[c["topic"] for c in counts if c["topic"]])
        .values("topic", "group_path")
        .annotate(n=Count("id"))
        .order_by("-n")
    )
    paths = set()
    place_counts = list(place_rows)
    for r in place_counts:
        paths.add(r["group_path"])
    names = dict(Place.objects.filter(path__in=paths).values_list("path", "name"))
    for r in place_counts:
        if len(by_place[r["topic"]]) < 3:
            by_place[r["topic"]].append((names.get(r["group_path"], r["group_path"]), r["n"]))
    categories = Category.objects.in_bulk([c["topic"] for c in counts if c["topic"]])
    return [
        {
            "category_id": c["topic"],
            "category": categories[c["topic"]].full_name if c["topic"] in categories else gettext("未分类"),
            "count": c["n"],
            "open": c["open"],
            "places": by_place.get(c["topic"], []),
        }
        for c in counts
    ]


# --- the accuracy audit ---------------------------------------------------------------------------


@dataclass
class AccuracyRow:
    label: str
    total: int
    correct: int

    @property
    def rate(self) -> float | None:
        return self.correct / self.total if self.total else None


def accuracy_audit(*, since: dt.datetime | None = None) -> dict[str, Any]:
    """Suggested (top-1) vs final category of requests that now have a category: overall, per final
    category, per month and per model version. Aggregates in the database, a handful of queries."""
    qs = Suggestion.objects.filter(ticket__category__isnull=False, top_category__isnull=False)
    if since:
        qs = qs.filter(created_at__gte=since)
    hit = Q(top_category_id=F("ticket__category_id"))
    overall = qs.aggregate(
        total=Count("id"), correct=Count("id", filter=hit), auto=Count("id", filter=Q(auto_applied=True))
    )
    per_category = list(
        qs.values("ticket__category_id").annotate(total=Count("id"), correct=Count("id", filter=hit)).order_by("-total")
    )
    cats = Category.objects.select_related("parent__parent").in_bulk([r["ticket__category_id"] for r in per_category])
    per_month = list(
        qs.annotate(month=TruncMonth("created_at"))
        .values("month")
        .annotate(total=Count("id"), correct=Count("id", filter=hit))
        .order_by("month")
    )
    per_version = list(
        qs.values("model_version", "kind")
        .annotate(total=Count("id"), correct=Count("id", filter=hit))
        .order_by("-model_version")
    )
    return {
        "overall": AccuracyRow("全部", overall["total"], overall["correct"]),
        "auto_applied": overall["auto"],
        "per_category": [
            AccuracyRow(cats[r["ticket__category_id"]].full_name, r["total"], r["correct"]) for r in per_category
        ],
        "per_month": [
            AccuracyRow(
                timezone.localtime(r["month"]).strftime("%Y-%m") if r["month"] else "—", r["total"], r["correct"]
            )
            for r in per_month
        ],
        "per_version": [
            AccuracyRow("关键词" if r["model_version"] == 0 else f"v{r['model_version']}", r["total"], r["correct"])
            for r in per_version
        ],
    }


def model_versions(limit: int = 20) -> list[RoutingModel]:
    return list(RoutingModel.objects.defer("blob").select_related("trained_by")[:limit])
