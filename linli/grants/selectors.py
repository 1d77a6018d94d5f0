"""Reads of funding rounds and projects, the public list of approved projects (立项公示), and the figures.

Who sees what (``permissions`` says who changes what):

- **Rounds** (``visible_rounds``): a round at a node where the user holds ``manage`` or ``lead``, or — once it is
  no longer a draft — above it (a district's rounds for a street's staff, a street's for its communities' staff).
- **Projects** (``visible_projects``): every project of a round the user sees at or above their node (the round's
  staff and leaders), and the projects serving a community under the user's ``manage``/``lead`` (a community's
  staff). Grid workers, volunteers and residents see none: the public list is theirs.
- **The public list** (``public_projects``): the approved projects of a street or district, with what a resident
  may read — no contact, no phone, no reviewer's score.

Every list here costs a fixed number of queries, however many rows it reads.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from itertools import chain
from typing import Any

from django.db.models import Avg, Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core import crypto
from linli.core.dates import day_bounds
from linli.core.errors import NotFound
from linli.core.lookups import ancestor_paths
from linli.core.masking import mask_phone
from linli.core.scoping import NOT_FOUND_MESSAGE, Scope, get_or_not_found, scope_for, scope_for_any
from linli.grants.models import (
    APPROVED_STATES,
    Disbursement,
    Grade,
    GrantProject,
    GrantRound,
    ProgressReport,
    ProjectCommunity,
    ProjectEvent,
    ProjectStatus,
    ReviewScore,
    RoundStatus,
)
from linli.grants.permissions import ROUND_NODE_KINDS, may_review, may_run
from linli.grants.services_apply import eligible_q
from linli.orgs.models import Organisation
from linli.places.models import Place, PlaceKind

LIST_MAX = 200
PUBLIC_MAX = 500


def _scope(user: Any) -> Scope:
    return scope_for_any(user, ["manage", "lead"])


def sees_grants(user: Any) -> bool:
    return not _scope(user).empty


# ----------------------------------------------------------------------------- rounds


def visible_rounds(user: Any) -> QuerySet[GrantRound]:
    scope = _scope(user)
    if scope.everything:
        return GrantRound.objects.all()
    if scope.empty:
        return GrantRound.objects.none()
    above = sorted({p for root in scope.paths for p in ancestor_paths(root, Place.steplen)})
    published = Q(place_path__in=above) & ~Q(status=RoundStatus.DRAFT)  # a draft is its own node's business
    return GrantRound.objects.filter(scope.q("place_path") | published)


def access_round(user: Any, pk: Any, *, field: str | None = None) -> GrantRound:
    return get_or_not_found(  # type: ignore[no-any-return]
        visible_rounds(user).select_related("node", "created_by"), pk, field=field
    )


def rounds_list(user: Any) -> list[GrantRound]:
    """The rounds the user sees, newest first, with how many applications and approvals each has."""
    return list(
        visible_rounds(user)
        .select_related("node")
        .annotate(
            applications=Count("projects"),
            approvals=Count("projects", filter=Q(projects__status__in=APPROVED_STATES)),
        )
        .order_by("-year", "-id")[:LIST_MAX]
    )


def home_streets(user: Any) -> list[Place]:
    """The streets the user's positions or home lie in (a grid worker's, a resident's), for the public list."""
    scope = scope_for(user)
    if scope.everything:
        return list(Place.objects.filter(kind=PlaceKind.STREET).order_by("path")[:LIST_MAX])
    paths = {p for root in scope.paths for p in ancestor_paths(root, Place.steplen)}
    person: Any = getattr(user, "person", None) if getattr(user, "is_authenticated", False) else None
    home = str(getattr(person, "place_path", "") or "")
    if home:
        paths.update(ancestor_paths(home, Place.steplen))
    if not paths:
        return []
    return list(Place.objects.filter(path__in=sorted(paths), kind=PlaceKind.STREET).order_by("path"))


def run_nodes(user: Any) -> list[Place]:
    """The streets and districts where the user may set up rounds (``manage`` there)."""
    scope = scope_for_any(user, ["manage"])
    if scope.empty:
        return []
    return list(Place.objects.filter(scope.q("path"), kind__in=ROUND_NODE_KINDS).order_by("path")[:LIST_MAX])


def figure_nodes(user: Any) -> list[Place]:
    """The places whose figures the user may read: the districts, streets and communities at or under their
    ``manage``/``lead`` positions, in tree order (the first is the outermost)."""
    scope = _scope(user)
    if scope.empty:
        return []
    qs = Place.objects.filter(scope.q("path"), kind__in=(*ROUND_NODE_KINDS, PlaceKind.COMMUNITY))
    return list(qs.order_by("path")[:LIST_MAX])


def access_figure_node(user: Any, pk: Any, *, field: str | None = None) -> Place:
    place = get_or_not_found(Place.objects.all(), pk, field=field)
    if place.kind not in (*ROUND_NODE_KINDS, PlaceKind.COMMUNITY) or not may_review(user, place.path):
        raise NotFound(_(NOT_FOUND_MESSAGE), field=field)
    return place  # type: ignore[no-any-return]


def access_run_node(user: Any, pk: Any, *, field: str | None = None) -> Place:
    """A street or district where the user may set up a round; anything else is the 404 of a missing id."""
    place = get_or_not_found(Place.objects.filter(kind__in=ROUND_NODE_KINDS), pk, field=field)
    if not may_run(user, place.path):
        raise NotFound(_(NOT_FOUND_MESSAGE), field=field)
    return place  # type: ignore[no-any-return]


def round_communities(round_: GrantRound) -> list[Place]:
    return list(Place.objects.filter(path__under=round_.place_path, kind=PlaceKind.COMMUNITY).order_by("path"))


def registrable_communities(user: Any, round_: GrantRound) -> list[Place]:
    """The communities of the round the user may register applications for."""
    if may_run(user, round_.place_path):
        return round_communities(round_)
    scope = scope_for_any(user, ["manage"])
    if scope.empty:
        return []
    return list(
        Place.objects.filter(scope.q("path"), path__under=round_.place_path, kind=PlaceKind.COMMUNITY).order_by("path")
    )


def eligible_organisations(round_: GrantRound) -> list[Organisation]:
    return list(
        Organisation.objects.filter(eligible_q(round_.place_path)).distinct().order_by("kind", "name", "id")[:500]
    )


def eligible_organisations_qs(round_: GrantRound) -> QuerySet[Organisation]:
    return Organisation.objects.filter(pk__in=Organisation.objects.filter(eligible_q(round_.place_path)).values("pk"))


# ----------------------------------------------------------------------------- projects


def _served_under(paths: list[str] | tuple[str, ...]) -> Q:
    condition = Q()
    for path in paths:
        condition |= Q(place_path__under=path)
    return condition


def visible_projects(user: Any) -> QuerySet[GrantProject]:
    scope = _scope(user)
    if scope.everything:
        return GrantProject.objects.all()
    if scope.empty:
        return GrantProject.objects.none()
    serving = ProjectCommunity.objects.filter(_served_under(scope.paths), project=OuterRef("pk"))
    return GrantProject.objects.filter(scope.q("place_path") | Q(Exists(serving)))


def with_communities(qs: QuerySet[GrantProject]) -> QuerySet[GrantProject]:
    return qs.prefetch_related(
        Prefetch("served", queryset=ProjectCommunity.objects.select_related("place").order_by("place_path"))
    )


def access_project(user: Any, pk: Any, *, field: str | None = None) -> GrantProject:
    qs = visible_projects(user).select_related("round", "round__node", "organisation", "decided_by", "ended_by")
    return get_or_not_found(with_communities(qs), pk, field=field)  # type: ignore[no-any-return]


def scored(qs: QuerySet[GrantProject]) -> QuerySet[GrantProject]:
    """Projects with their average score (``avg_score``) and the number of scores (``score_count``)."""
    return qs.annotate(avg_score=Avg("scores__score"), score_count=Count("scores"))


def round_projects(user: Any, round_: GrantRound) -> list[GrantProject]:
    """The round's applications the user sees, best-scored first within each state, with scores and communities
    (three queries)."""
    qs = scored(visible_projects(user).filter(round=round_)).select_related("organisation")
    return list(with_communities(qs).order_by("status", F("avg_score").desc(nulls_last=True), "id")[:PUBLIC_MAX])


def project_scores(project: GrantProject) -> list[ReviewScore]:
    return list(project.scores.select_related("reviewer", "reviewer__person").order_by("-score", "id"))


def score_summary(project: GrantProject) -> tuple[float | None, int]:
    row = project.scores.aggregate(avg=Avg("score"), n=Count("pk"))
    return (round(row["avg"], 1) if row["avg"] is not None else None), row["n"]


def own_score(user: Any, project: GrantProject) -> ReviewScore | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return project.scores.filter(reviewer=user).first()


def masked_phone(project: GrantProject) -> str:
    return mask_phone(crypto.decrypt(project.phone_enc)) if project.phone_enc else ""


@dataclass(frozen=True)
class TimelineEntry:
    at: dt.datetime
    kind: str  # "event", "report" or "payment"
    row: Any


def timeline(project: GrantProject) -> list[TimelineEntry]:
    """State changes, progress reports and payments in the order they were recorded (three queries)."""
    events = [TimelineEntry(e.at, "event", e) for e in project.events.select_related("actor").order_by("at", "id")]
    reports = [
        TimelineEntry(r.recorded_at, "report", r)
        for r in project.reports.select_related("recorded_by").order_by("recorded_at", "id")
    ]
    payments = [
        TimelineEntry(p.recorded_at, "payment", p)
        for p in project.payments.select_related("recorded_by").order_by("recorded_at", "id")
    ]
    return sorted(chain(events, reports, payments), key=lambda e: e.at)


def reports(project: GrantProject) -> list[ProgressReport]:
    return list(project.reports.order_by("on_date", "id"))


def payments(project: GrantProject) -> list[Disbursement]:
    return list(project.payments.order_by("paid_on", "id"))


def events(project: GrantProject) -> list[ProjectEvent]:
    return list(project.events.select_related("actor").order_by("at", "id"))


# ----------------------------------------------------------------------------- public list


def public_node(pk: Any, *, field: str | None = None) -> Place:
    """Any street or district, by id: its approved projects are published. Anything else is a missing id."""
    return get_or_not_found(  # type: ignore[no-any-return]
        Place.objects.filter(kind__in=ROUND_NODE_KINDS), pk, message=_("未找到该街道或区"), field=field
    )


def at_node(node: Place) -> Q:
    """The projects counted at a place: of a round at or under it, or serving a community under it."""
    serving = ProjectCommunity.objects.filter(project=OuterRef("pk"), place_path__under=node.path)
    return Q(place_path__under=node.path) | Q(Exists(serving))


def public_projects(node: Place) -> QuerySet[GrantProject]:
    """立项公示: the approved projects (in progress, completed or terminated) counted at a street or district,
    newest round first."""
    qs = (
        GrantProject.objects.filter(at_node(node), status__in=APPROVED_STATES)
        .select_related("organisation", "round")
        .order_by("-round__year", "-round_id", "-decided_at", "-id")
    )
    return with_communities(qs)


# ----------------------------------------------------------------------------- figures


@dataclass
class Figures:
    node: Place
    since: dt.date
    until: dt.date
    registered: int  # applications registered in the period
    approved: int  # applications approved (立项) in the period
    rejected: int  # applications rejected (不予立项) in the period
    granted_fen: int  # Σ granted amounts of the applications approved in the period
    paid_fen: int  # Σ payments made (by payment date) in the period
    completed: int  # projects completed (结项) in the period
    completed_good: int  # … of which rated 优秀 or 良好
    terminated: int  # projects terminated (终止) in the period
    beneficiaries: int  # Σ people served (人次) in progress reports dated in the period
    activities: int  # Σ activities held in progress reports dated in the period
    organisations: int  # distinct organisations with a project approved in the period
    in_progress: int  # approved projects not yet ended, now

    @property
    def decided(self) -> int:
        return self.approved + self.rejected

    @property
    def approval_rate(self) -> float | None:
        """立项率: approved / decided (approved + rejected) in the period; None when nothing was decided."""
        return round(self.approved / self.decided, 4) if self.decided else None

    @property
    def good_share(self) -> float | None:
        """优良率: completed rated 优秀 or 良好 / completed in the period; None when none was completed."""
        return round(self.completed_good / self.completed, 4) if self.completed else None


def default_period(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """This year so far."""
    day = today or timezone.localdate()
    return day.replace(month=1, day=1), day


def figures(user: Any, node: Place, *, since: dt.date, until: dt.date) -> Figures:
    """The figures of a street, a district or a community, counted from the records (docs/metrics.md): the
    projects counted at the node (``at_node``), each once, however many of its communities lie there. Days are
    Beijing days, both ends included. Three queries. Anyone without ``manage``/``lead`` at the node: 404."""
    if not may_review(user, node.path):
        raise NotFound(_(NOT_FOUND_MESSAGE))
    start, end = day_bounds(since, until)
    registered_q = Q(created_at__gte=start, created_at__lt=end)
    decided_q = Q(decided_at__gte=start, decided_at__lt=end)
    approved_q = decided_q & Q(granted_fen__isnull=False)
    ended_q = Q(ended_at__gte=start, ended_at__lt=end)
    completed_q = ended_q & Q(status=ProjectStatus.COMPLETED)
    projects = GrantProject.objects.filter(at_node(node))
    totals = projects.aggregate(
        registered=Count("pk", filter=registered_q),
        approved=Count("pk", filter=approved_q),
        rejected=Count("pk", filter=decided_q & Q(status=ProjectStatus.REJECTED)),
        granted=Coalesce(Sum("granted_fen", filter=approved_q), 0),
        completed=Count("pk", filter=completed_q),
        completed_good=Count("pk", filter=completed_q & Q(grade__in=[Grade.EXCELLENT, Grade.GOOD])),
        terminated=Count("pk", filter=ended_q & Q(status=ProjectStatus.TERMINATED)),
        organisations=Count("organisation", filter=approved_q, distinct=True),
        in_progress=Count("pk", filter=Q(status=ProjectStatus.APPROVED)),
    )
    counted = projects.values("pk")
    paid = Disbursement.objects.filter(project__in=counted, paid_on__gte=since, paid_on__lte=until).aggregate(
        paid=Coalesce(Sum("amount_fen"), 0)
    )
    served = ProgressReport.objects.filter(project__in=counted, on_date__gte=since, on_date__lte=until).aggregate(
        people=Coalesce(Sum("beneficiaries"), 0), activities=Coalesce(Sum("activities"), 0)
    )
    return Figures(
        node=node,
        since=since,
        until=until,
        registered=totals["registered"],
        approved=totals["approved"],
        rejected=totals["rejected"],
        granted_fen=int(totals["granted"]),
        paid_fen=int(paid["paid"]),
        completed=totals["completed"],
        completed_good=totals["completed_good"],
        terminated=totals["terminated"],
        beneficiaries=int(served["people"]),
        activities=int(served["activities"]),
        organisations=totals["organisations"],
        in_progress=totals["in_progress"],
    )


def dashboard_figures(user: Any, node: Place, *, since: dt.date, until: dt.date) -> Figures | None:
    """For a dashboard tile: the figures of a district, street or community the user runs or leads (three
    queries), None for any other node or viewer."""
    if node.kind not in (*ROUND_NODE_KINDS, PlaceKind.COMMUNITY) or not may_review(user, node.path):
        return None
    return figures(user, node, since=since, until=until)
