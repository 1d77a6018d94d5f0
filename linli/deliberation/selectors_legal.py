"""Reads for 百姓评理说事点 (venues) and “四员一律”进小区 sessions: scoped lists, one object, the figures.

Staff see venues and sessions at or below the nodes of their positions (as mediation cases); a
resident sees only the public list of the active venues of their own community (``public_venues``):
name, kind, address, opening hours, and the on-duty people's masked names.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, cast

from django.db.models import Count, Q, QuerySet, Sum
from django.utils.translation import gettext

from linli.core.errors import InvalidInput, NotFound
from linli.core.masking import mask_name
from linli.core.scoping import ScopedQuerySet, access, scope_for
from linli.deliberation.models import (
    IntakeKind,
    LegalIntake,
    LegalRole,
    LegalSession,
    LegalSessionAttendee,
    LegalSessionStatus,
    MediationCase,
    MediationOutcome,
    MediationVenue,
)
from linli.deliberation.selectors import RateRow, mediation_closed_in
from linli.deliberation.views_common import home_places
from linli.places.models import Place, PlaceKind

MAX_PERIOD_DAYS = 3700  # ten years: a longer range is a typo, not a question


def _scoped(qs: Any) -> ScopedQuerySet[Any]:
    return cast(ScopedQuerySet[Any], qs)


# ----------------------------------------------------------------------------- venues


def visible_venues(user: Any) -> QuerySet[MediationVenue]:
    return (
        MediationVenue.objects.visible_to(user)
        .select_related("place")
        .prefetch_related("on_duty")
        .annotate(case_count=Count("cases", distinct=True))
    )


def access_venue(user: Any, pk: Any) -> MediationVenue:
    return access(_scoped(MediationVenue.objects.select_related("place").prefetch_related("on_duty")), user, pk)


@dataclass(frozen=True)
class PublicVenue:
    """What a resident sees of a venue: nothing personal but the on-duty people's masked names."""

    id: int
    name: str
    kind: str
    kind_label: str
    place_name: str
    address: str
    opening_hours: str
    on_duty: list[str]


def public_venues(user: Any) -> list[PublicVenue]:
    """The active venues of the community the user lives in (none without a home in the ledger)."""
    communities = home_places(user, [PlaceKind.COMMUNITY])
    if not communities:
        return []
    rows = (
        MediationVenue.objects.filter(place_path__under=communities[0].path, active=True)
        .select_related("place")
        .prefetch_related("on_duty")
        .order_by("place_path", "name")[:200]
    )
    return [
        PublicVenue(
            id=v.pk,
            name=v.name,
            kind=v.kind,
            kind_label=str(v.get_kind_display()),
            place_name=v.place.name,
            address=v.address,
            opening_hours=v.opening_hours,
            on_duty=[mask_name(p.name) for p in v.on_duty.all()],
        )
        for v in rows
    ]


def active_venues_for(user: Any, *, limit: int = 500) -> list[MediationVenue]:
    """Active venues in the user's scope, for the pickers of the session and case forms."""
    return list(
        MediationVenue.objects.visible_to(user)
        .filter(active=True)
        .select_related("place")
        .order_by("place_path")[:limit]
    )


# ----------------------------------------------------------------------------- sessions


def visible_legal_sessions(user: Any) -> QuerySet[LegalSession]:
    return (
        LegalSession.objects.visible_to(user)
        .select_related("place", "venue")
        .prefetch_related("attendees")
        .annotate(intake_count=Count("intakes", distinct=True))
    )


def access_legal_session(user: Any, pk: Any) -> LegalSession:
    return access(_scoped(LegalSession.objects.select_related("place", "venue")), user, pk)


def session_intakes(session: LegalSession) -> list[LegalIntake]:
    return list(LegalIntake.objects.filter(session=session).select_related("case", "ticket").order_by("id")[:500])


# ----------------------------------------------------------------------------- figures


@dataclass
class VenueRate(RateRow):
    venue: MediationVenue | None = None


@dataclass
class LegalFigures:
    node: Place
    start: dt.date
    end: dt.date
    sessions_held: int = 0
    sessions_by_role: dict[str, int] = field(default_factory=dict)
    residents_consulted: int = 0
    cases_taken_in: int = 0
    mediation_taken_in: int = 0
    requests_taken_in: int = 0
    venues_active: int = 0
    mediation: RateRow | None = None
    by_venue: list[VenueRate] = field(default_factory=list)

    def roles(self) -> list[tuple[str, str, int]]:
        """(code, label, sessions with that role present), in the order 四员 then 一律."""
        return [(c, str(label), self.sessions_by_role.get(c, 0)) for c, label in LegalRole.choices]


def held_sessions(sessions: QuerySet[LegalSession], *, start: dt.date, end: dt.date) -> QuerySet[LegalSession]:
    """四员一律 sessions recorded as held with ``held_on`` in [start, end]; planned or cancelled ones never count."""
    return sessions.filter(status=LegalSessionStatus.HELD, held_on__gte=start, held_on__lte=end)


def check_node_and_period(
    user: Any, *, node: Place, start: dt.date, end: dt.date, max_days: int = MAX_PERIOD_DAYS
) -> None:
    """A figures page's node in the user's scope (else 404) and a period forwards of at most ``max_days``."""
    if not scope_for(user, None).covers(node.path):
        raise NotFound(gettext("未找到该节点,或您无权查看"))
    if start > end:
        raise InvalidInput(gettext("开始日期不能晚于结束日期"), field="start")
    if (end - start).days > max_days:
        raise InvalidInput(gettext("查询期间不能超过十年"), field="start")


def legal_figures(user: Any, *, node: Place, start: dt.date, end: dt.date) -> LegalFigures:
    """Exact counts under ``node`` for [start, end] (docs/metrics.md, “四员一律”与百姓评理说事点)."""
    check_node_and_period(user, node=node, start=start, end=end)
    f = LegalFigures(node=node, start=start, end=end)
    held = held_sessions(LegalSession.objects.filter(place_path__under=node.path), start=start, end=end)
    totals = held.aggregate(n=Count("pk"), consulted=Sum("residents_consulted"))
    f.sessions_held, f.residents_consulted = totals["n"], totals["consulted"] or 0
    f.sessions_by_role = {
        row["role"]: row["n"]
        for row in LegalSessionAttendee.objects.filter(session__in=held.values("pk"))
        .values("role")
        .annotate(n=Count("session", distinct=True))
    }
    intakes = LegalIntake.objects.filter(session__in=held.values("pk")).aggregate(
        n=Count("pk"),
        mediation=Count("pk", filter=Q(kind=IntakeKind.MEDIATION)),
        request=Count("pk", filter=Q(kind=IntakeKind.REQUEST)),
    )
    f.cases_taken_in, f.mediation_taken_in, f.requests_taken_in = intakes["n"], intakes["mediation"], intakes["request"]
    venues = MediationVenue.objects.filter(place_path__under=node.path)
    f.venues_active = venues.filter(active=True).count()
    closed = mediation_closed_in(MediationCase.objects.filter(place_path__under=node.path), start=start, end=end)
    grouped = {
        row["venue_id"]: (row["n"], row["ok"])
        for row in closed.values("venue_id").annotate(
            n=Count("id"), ok=Count("id", filter=Q(outcome=MediationOutcome.SUCCESS))
        )
    }
    total_n = sum(n for n, _ in grouped.values())
    total_ok = sum(ok for _, ok in grouped.values())
    f.mediation = RateRow(node, str(node), total_n, total_ok)
    listed = {
        v.pk: v
        for v in MediationVenue.objects.filter(Q(pk__in=[k for k in grouped if k]) | Q(pk__in=venues.values("pk")))
        .select_related("place")
        .order_by("place_path", "name")
    }
    for venue in listed.values():
        if not venue.active and venue.pk not in grouped:
            continue
        n, ok = grouped.get(venue.pk, (0, 0))
        f.by_venue.append(VenueRate(venue.place, venue.name, n, ok, venue=venue))
    if None in grouped:
        f.by_venue.append(VenueRate(None, gettext("未注明说事点"), *grouped[None]))
    return f
