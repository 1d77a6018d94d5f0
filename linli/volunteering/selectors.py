"""Reads: what a person may see of posts, stations, teams, points and leaderboards; what counts as a
micro-wish collected or fulfilled."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext as _

from linli.core.errors import NotFound
from linli.core.identifiers import parse_id
from linli.core.scoping import get_or_not_found
from linli.people.models import Person
from linli.places.models import Place
from linli.volunteering.common import audience_q, may, readable_places, staff_q
from linli.volunteering.models import (
    FULFILLED_STATUSES,
    PointAccount,
    PointEntry,
    PointKind,
    PostCategory,
    PublicityForm,
    Redemption,
    RegistrationStatus,
    ServicePost,
    Signup,
    Station,
    StationKind,
    Team,
    TeamServiceArea,
    WishStatus,
    WorkplaceRegistration,
)
from linli.volunteering.points import EARN_REASONS


def wishes_collected_q(start: dt.datetime, end: dt.datetime) -> Q:
    """收集微心愿: submitted in [start, end) and not turned down at review. A wish refused as out of scope or
    a duplicate was never on offer to be fulfilled, as a merged duplicate is not a valid request. The wish
    pages and API (``wishes.wish_counts``) and the dashboards and reports (``linli.insights``) count with it."""
    return Q(submitted_at__gte=start, submitted_at__lt=end) & ~Q(status=WishStatus.REJECTED)


def wishes_rated_q(start: dt.datetime, end: dt.datetime) -> Q:
    """微心愿满意度's denominator: wishes the wisher confirmed in [start, end) with a rating (seed 001: 满意度达95%
    以上). The numerator is those rated 满意 or 基本满意, as for requests' 满意率."""
    return Q(confirmed_at__gte=start, confirmed_at__lt=end, status=WishStatus.CONFIRMED) & ~Q(rating="")


def wishes_fulfilled_q(start: dt.datetime, end: dt.datetime) -> Q:
    """实现微心愿: delivered (fulfilled, or confirmed by the wisher) in [start, end), by ``fulfilled_at``."""
    return Q(fulfilled_at__gte=start, fulfilled_at__lt=end, status__in=FULFILLED_STATUSES)


def visible_posts(user: Any) -> Any:
    return ServicePost.objects.filter(audience_q(user) | staff_q(user))


def visible_stations(user: Any) -> Any:
    return Station.objects.filter(audience_q(user) | staff_q(user))


def station_kind_filter(raw: Any) -> str:
    """A kind filter from a query string: a known 驿站类型, else none (every kind)."""
    return str(raw) if raw in StationKind.values else ""


@dataclass
class StationKindRow:
    kind: str
    label: str
    stations: int
    with_team: int  # of them, those a volunteer team staffs


def station_kind_figures(stations: Any) -> list[StationKindRow]:
    """Stations by 驿站类型 (红色驿站, 固定微岗亭, 流动微岗亭), every kind listed, over the given stations — one
    grouped statement however many rows (seed 002: 建成小区“近邻红色驿站”224个; seed 001: 微岗亭)."""
    counts = {
        kind: (n, staffed)
        for kind, n, staffed in stations.order_by()
        .values_list("kind")
        .annotate(n=Count("pk"), staffed=Count("team_id"))
        .values_list("kind", "n", "staffed")
    }
    rows = []
    for k in StationKind:
        n, staffed = counts.get(k.value, (0, 0))
        rows.append(StationKindRow(kind=k.value, label=str(k.label), stations=n, with_team=staffed))
    return rows


@dataclass
class PublicityFormRow:
    form: str
    label: str
    stations: int
    with_team: int  # of them, those a volunteer team keeps


@dataclass
class PublicityTeamRow:
    team_id: int
    team_name: str
    stations: int


@dataclass
class PublicityFigures:
    by_form: list[PublicityFormRow]
    by_team: list[PublicityTeamRow]

    @property
    def stations(self) -> int:
        return sum(r.stations for r in self.by_form)

    @property
    def with_team(self) -> int:
        return sum(r.with_team for r in self.by_form)


def publicity_figures(stations: Any) -> PublicityFigures:
    """宣传阵地 by form (every form listed) and by the team that keeps them, over the given stations — two grouped
    statements however many rows (seed 004: 十大宣传阵地; 为每支志愿服务队再添一处阵地)."""
    publicity = stations.filter(kind=StationKind.PUBLICITY).order_by()
    counts = {
        form: (n, kept)
        for form, n, kept in publicity.values_list("publicity_form")
        .annotate(n=Count("pk"), kept=Count("team_id"))
        .values_list("publicity_form", "n", "kept")
    }
    by_form = []
    for f in PublicityForm:
        n, kept = counts.get(f.value, (0, 0))
        by_form.append(PublicityFormRow(form=f.value, label=str(f.label), stations=n, with_team=kept))
    by_team = [
        PublicityTeamRow(team_id=team_id, team_name=name, stations=n)
        for team_id, name, n in publicity.filter(team__isnull=False)
        .values_list("team_id", "team__name")
        .annotate(n=Count("pk"))
        .order_by("-n", "team__name", "team_id")
        .values_list("team_id", "team__name", "n")
    ]
    return PublicityFigures(by_form=by_form, by_team=by_team)


@dataclass
class PostCategoryRow:
    category: str
    label: str
    posts: int
    claims: int


def post_category_figures(posts: Any) -> list[PostCategoryRow]:
    """服务岗位认领 by post category (every category listed) over the given posts: the posts and the claims on them —
    one grouped statement however many posts and claims."""
    counts = {
        row["category"]: (row["n_posts"], row["n_claims"])
        for row in posts.order_by()
        .values("category")
        .annotate(n_posts=Count("pk", distinct=True), n_claims=Count("claims"))
    }
    rows = []
    for c in PostCategory:
        n_posts, n_claims = counts.get(c.value, (0, 0))
        rows.append(PostCategoryRow(category=c.value, label=str(c.label), posts=n_posts, claims=n_claims))
    return rows


def visible_redemptions(user: Any) -> Any:
    """The orders the redemption services act on: staff scope and the user's own (``visible_to``)."""
    return Redemption.objects.visible_to(user)


def reported_members() -> Any:
    """双报到: people whose registration with their residential community is approved (已报到) — the
    in-service party members the 在职党员 figures count (a values query of ``person_id``)."""
    return WorkplaceRegistration.objects.filter(status=RegistrationStatus.APPROVED).values("person_id")


def visible_registrations(user: Any) -> Any:
    """双报到 records: those community managers and leaders decide on, and the user's own."""
    own = Q(person_id=user.person_id) if getattr(user, "person_id", None) else Q(pk__in=[])
    return WorkplaceRegistration.objects.filter(staff_q(user, caps=("manage", "lead")) | own)


def registration_for_report(user: Any, registration_id: Any) -> WorkplaceRegistration:
    """An approved 双报到 whose service record the user may read: the member, and managers or leaders
    of the residential community or of the workplace party org. Anything else is "not found"."""
    pk = parse_id(registration_id)
    reg = (
        WorkplaceRegistration.objects.select_related("person", "community", "workplace_org").filter(pk=pk).first()
        if pk
        else None
    )
    if reg is None or reg.status != RegistrationStatus.APPROVED:
        raise NotFound(_("未找到,或您无权查看"))
    paths = [reg.place_path] + ([reg.workplace_org.place_path] if reg.workplace_org else [])
    if not (
        reg.person_id == getattr(user, "person_id", None)
        or any(may(user, p, c) for p in paths for c in ("manage", "lead"))
    ):
        raise NotFound(_("未找到,或您无权查看"))
    return reg


def visible_teams(user: Any) -> Any:
    """Teams the user manages or belongs to, those registered where they live or volunteer, and those serving there
    (a service area at their home or above it; for staff, at or under their nodes)."""
    serving = TeamServiceArea.objects.filter(audience_q(user) | staff_q(user)).values("team_id")
    return Team.objects.filter(
        Q(pk__in=Team.objects.visible_to(user).values("pk")) | audience_q(user) | Q(pk__in=serving)
    )


@dataclass
class PersonSummary:
    person: Person
    hours: Decimal
    activities: int
    balances: dict[str, int]
    earned: dict[str, int]
    entries: list[PointEntry]
    redemptions: list[Redemption]


def person_summary(person: Person, *, entries: int = 50) -> PersonSummary:
    """A person's hours, points and history (the caller has already checked they may see it)."""
    confirmed = Signup.objects.filter(person=person, confirmed_at__isnull=False)
    agg = confirmed.aggregate(hours=Sum("hours"), n=Count("pk"))
    accounts = {a.kind: a for a in PointAccount.objects.filter(person=person)}
    return PersonSummary(
        person=person,
        hours=agg["hours"] or Decimal(0),
        activities=agg["n"],
        balances={k: (accounts[k].balance if k in accounts else 0) for k in PointKind.values},
        earned={k: (accounts[k].earned if k in accounts else 0) for k in PointKind.values},
        entries=list(PointEntry.objects.filter(account__person=person).select_related("account")[:entries]),
        redemptions=list(Redemption.objects.filter(person=person).select_related("reward").order_by("-id")[:20]),
    )


def person_for_staff(user: Any, person_id: Any) -> Person:
    return get_or_not_found(Person.objects.filter(staff_q(user)), person_id)


def leaderboard_place(user: Any, place_id: Any) -> Place:
    """A node whose ranking the user may read: one under their staff scope, or where they live (or above)."""
    return get_or_not_found(readable_places(user), place_id)


def leaderboard(
    *, path: str | None = None, team: Team | None = None, kind: str = "volunteer", limit: int = 20
) -> list[Any]:
    """People ranked by points earned (spending does not lower a rank), under a node or in a team."""
    qs = PointEntry.objects.filter(account__kind=kind, reason__in=list(EARN_REASONS), amount__gt=0)
    if path is not None:
        qs = qs.filter(place_path__under=path)
    if team is not None:
        qs = qs.filter(account__person__volunteer_teams__team=team)
    return list(
        qs.values("account__person_id", "account__person__name")
        .annotate(points=Sum("amount"))
        .order_by("-points", "account__person_id")[:limit]
    )
