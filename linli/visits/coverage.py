"""Coverage of a node: key households and when they were last visited, households never visited,
and who is behind their quota (走访要求) this period.

Key households are those with a member carrying a care tag (sensitive tags count only where the
viewer has the ``sensitive`` capability) or with an active care plan. A key household is overdue
when it has not been visited for its plan's frequency (``KEY_VISIT_DAYS`` without a plan).

A fixed number of grouped queries per page, whatever the size of the node.
"""

from __future__ import annotations

import datetime as dt
import math
from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, Max, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext

from linli.people.models import PersonTag, Position
from linli.people.positions import POSITION_KINDS
from linli.places.models import Household, Place
from linli.visits.models import CarePlan, HazardPoint, QuotaMode, QuotaPeriod, QuotaRule, Visit

KEY_VISIT_DAYS = 30
NEVER_VISITED_SHOWN = 50
KEY_OVERDUE_SHOWN = 100  # the most overdue first; a street has ~1,300 (choose a community or grid for all)
RECENT_SHOWN = 20


@dataclass
class KeyHousehold:
    household: Household
    tags: list[str]
    last_visit_at: dt.datetime | None
    frequency_days: int
    responsible: str = ""

    @property
    def due_at(self) -> dt.datetime | None:
        return self.last_visit_at + dt.timedelta(days=self.frequency_days) if self.last_visit_at else None

    @property
    def overdue(self) -> bool:
        return self.due_at is None or self.due_at < timezone.now()

    @property
    def days_since(self) -> int | None:
        return (timezone.now() - self.last_visit_at).days if self.last_visit_at else None


@dataclass
class QuotaProgress:
    person_name: str
    position_label: str
    place_name: str
    rule: QuotaRule
    done: int
    target: int
    expected: int
    person_id: int = 0

    @property
    def behind(self) -> bool:
        return self.done < self.expected

    @property
    def rule_label(self) -> str:
        mode = QuotaMode(self.rule.mode).label
        return f"{QuotaPeriod(self.rule.period).label} · {mode}".replace("N", str(self.rule.target))


@dataclass
class Coverage:
    node: Place
    households: int = 0
    visited_90: int = 0
    never_visited_count: int = 0
    never_visited: list[Household] = field(default_factory=list)
    key: list[KeyHousehold] = field(default_factory=list)
    progress: list[QuotaProgress] = field(default_factory=list)
    recent: list[Visit] = field(default_factory=list)
    hazards_overdue: list[HazardPoint] = field(default_factory=list)

    @property
    def key_overdue(self) -> list[KeyHousehold]:
        return [k for k in self.key if k.overdue]

    @property
    def key_overdue_shown(self) -> list[KeyHousehold]:
        return self.key_overdue[:KEY_OVERDUE_SHOWN]

    @property
    def behind(self) -> list[QuotaProgress]:
        return [p for p in self.progress if p.behind]


def period_start(period: str, today: dt.date) -> dt.date:
    if period == QuotaPeriod.WEEK:
        return today - dt.timedelta(days=today.weekday())
    if period == QuotaPeriod.MONTH:
        return today.replace(day=1)
    return today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1)


def period_length(period: str, start: dt.date) -> int:
    if period == QuotaPeriod.WEEK:
        return 7
    months = 1 if period == QuotaPeriod.MONTH else 3
    year, month = divmod(start.month - 1 + months, 12)
    return (dt.date(start.year + year, month + 1, 1) - start).days


def key_household_ids(user: Any, path: str) -> dict[int, list[str]]:
    """household id → visible care tag names, for households under ``path`` (one query).

    ``user=None`` is the system's own view (the reminder sweep): every tag counts.
    """
    from linli.people.selectors import sensitive_scope

    sensitive = sensitive_scope(user) if user is not None else None
    rows = (
        PersonTag.objects.filter(
            person__place_path__under=path,
            person__moved_out_on__isnull=True,
            person__household__isnull=False,
            tag__active=True,
        )
        .values_list("person__household_id", "tag__name", "tag__sensitive", "person__place_path")
        .order_by("tag__sort")
    )
    result: dict[int, list[str]] = {}
    for household_id, name, is_sensitive, person_path in rows:
        if is_sensitive and sensitive is not None and not sensitive.covers(person_path):
            continue
        names = result.setdefault(household_id, [])
        if name not in names:
            names.append(name)
    return result


def last_visits(path: str, household_ids: list[int] | None = None) -> dict[int, dt.datetime]:
    """household id → its latest visit, for households under ``path`` (those of ``household_ids`` when given).

    Given the households, their visits are read by household alone: a visit copies its household's place path
    (and ``place_move`` moves both), so a household under ``path`` has all its visits there. That read is an
    index-only scan of (household, visited_at); with the path as well it fetched each visit's row to check it
    (a street's 1,500 key households have ~68,000 visits over three years: 180 ms)."""
    if household_ids is None:
        qs = Visit.objects.filter(place_path__under=path, household__isnull=False)
    elif not household_ids:
        return {}
    else:
        qs = Visit.objects.filter(household_id__any_of=household_ids)
    rows = qs.values("household_id").annotate(last=Max("visited_at")).order_by()
    return {r["household_id"]: r["last"] for r in rows}


def key_households(user: Any, node: Place) -> list[KeyHousehold]:
    tagged = key_household_ids(user, node.path)
    plans = {  # household → (frequency, responsible's name): two columns, not a person row each
        household: (frequency, name)
        for household, frequency, name in CarePlan.objects.filter(place_path__under=node.path, active=True)
        .values_list("household_id", "frequency_days", "responsible__name")
        .order_by()
    }
    ids = sorted(set(tagged) | set(plans))
    if not ids:
        return []
    # a street has ~1,500 key households: one array parameter, not 1,500 placeholders (core.lookups.AnyOf)
    households = {h.pk: h for h in Household.objects.filter(pk__any_of=ids).select_related("place")}
    last = last_visits(node.path, ids)
    out = []
    for pk in ids:
        frequency, responsible = plans.get(pk, (KEY_VISIT_DAYS, ""))
        out.append(
            KeyHousehold(
                household=households[pk],
                tags=tagged.get(pk, []),
                last_visit_at=last.get(pk),
                frequency_days=frequency,
                responsible=responsible,
            )
        )
    out.sort(key=lambda k: (k.last_visit_at is not None, k.last_visit_at or timezone.now(), k.household.place_path))
    return out


def quota_progress(
    user: Any, node: Place, *, today: dt.date | None = None, key: set[int] | None = None
) -> list[QuotaProgress]:
    """Each position holder under the node against each active rule for their position kind. ``key``: the node's
    key households when the caller has read them already (the coverage page), else read here."""
    today = today or timezone.localdate()
    rules = list(QuotaRule.objects.filter(active=True))
    if not rules:
        return []
    kinds = {r.position_kind for r in rules}
    positions = list(
        Position.objects.filter(place_path__under=node.path, kind__in=kinds, start_date__lte=today)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
        .select_related("person", "place")
        .order_by("place_path", "kind", "person__name")
    )
    if not positions:
        return []
    earliest = min(period_start(r.period, today) for r in rules)
    since = timezone.make_aware(dt.datetime.combine(earliest, dt.time.min))
    visits = list(
        Visit.objects.filter(
            place_path__under=node.path,
            household__isnull=False,
            visited_at__gte=since,
            visitor_person_id__in={p.person_id for p in positions},
        ).values_list("visitor_person_id", "household_id", "place_path", "visited_at__date")
    )  # the day of each visit where the deployment is (as the periods start): a street's quarter is ~14,000 visits,
    # and converting their timestamps cost the page more than reading them
    needs_cover = any(r.mode != QuotaMode.COUNT for r in rules)
    all_households: list[tuple[int, str]] = []
    key_ids: set[int] = set()
    if needs_cover:
        all_households = list(Household.objects.filter(place_path__under=node.path).values_list("id", "place_path"))
        if key is not None:
            key_ids = key
        elif any(r.mode == QuotaMode.COVER_KEY for r in rules):
            key_ids = set(key_household_ids(user, node.path))
            key_ids |= set(
                CarePlan.objects.filter(place_path__under=node.path, active=True).values_list("household_id", flat=True)
            )
    # Each position's visits and households by lookup, not by scanning every visit and household of the node
    # for each position (172 positions × 12,000 households on the street demo: 1.7 s a page).
    by_person: dict[int, list[tuple[int, str, dt.date]]] = defaultdict(list)
    for pid, hh, path, day in visits:
        by_person[pid].append((hh, path, day))
    all_households.sort(key=lambda row: row[1])
    household_paths = [path for _, path in all_households]
    pools: dict[str, set[int]] = {}

    def households_under(prefix: str) -> set[int]:
        if prefix not in pools:  # place paths are digit strings: "~" sorts after every one of them
            lo, hi = bisect_left(household_paths, prefix), bisect_left(household_paths, prefix + "~")
            pools[prefix] = {hid for hid, _ in all_households[lo:hi]}
        return pools[prefix]

    out: list[QuotaProgress] = []
    for position in positions:
        mine = by_person.get(position.person_id, [])
        for rule in rules:
            if rule.position_kind != position.kind:
                continue
            start = period_start(rule.period, today)
            seen = {hh for hh, path, day in mine if day >= start and path.startswith(position.place_path)}
            if rule.mode == QuotaMode.COUNT:
                target, done = rule.target, len(seen)
            else:
                pool = set(households_under(position.place_path))
                if rule.mode == QuotaMode.COVER_KEY:
                    pool &= key_ids
                target, done = len(pool), len(seen & pool)
            elapsed = ((today - start).days + 1) / period_length(rule.period, start)
            spec = POSITION_KINDS.get(position.kind)
            out.append(
                QuotaProgress(
                    person_name=position.person.name,
                    position_label=gettext(spec.label) if spec else position.kind,
                    place_name=position.place.name,
                    rule=rule,
                    done=done,
                    target=target,
                    expected=min(target, math.ceil(target * elapsed)),
                    person_id=position.person_id,
                )
            )
    return out


def coverage(user: Any, node: Place) -> Coverage:
    """Everything the coverage page shows for a node in the user's scope."""
    now = timezone.now()
    result = Coverage(node=node)
    households = Household.objects.filter(place_path__under=node.path)
    result.households = households.count()
    visited = Visit.objects.filter(household=OuterRef("pk"))
    # Households under the node visited in 90 days: the distinct households of the node's visits in 90 days (a
    # visit lies where its household does), read by (place path, visited_at); as "households with a visit" it
    # hashed every visit of the district in those 90 days (184,000) to answer for a street.
    result.visited_90 = (
        Visit.objects.filter(
            place_path__under=node.path, visited_at__gte=now - dt.timedelta(days=90), household__isnull=False
        )
        .values("household_id")
        .distinct()
        .count()
    )
    never = households.filter(~Exists(visited))
    result.never_visited_count = never.count()
    result.never_visited = list(never.select_related("place").order_by("place_path", "room")[:NEVER_VISITED_SHOWN])
    result.key = key_households(user, node)
    result.progress = quota_progress(user, node, key={k.household.pk for k in result.key})
    result.recent = list(
        Visit.objects.visible_to(user)
        .filter(place_path__under=node.path)
        .select_related("household__place", "hazard", "visitor_person")
        .order_by("-visited_at", "-id")[:RECENT_SHOWN]
    )
    result.hazards_overdue = [
        h
        for h in HazardPoint.objects.filter(place_path__under=node.path, active=True).select_related("responsible")
        if h.is_overdue
    ]
    return result
