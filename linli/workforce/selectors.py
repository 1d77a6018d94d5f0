"""Reads of the register, the training sessions and the figures.

Workers are read through ``visible_workers`` (under where one manages, and one's own record); sessions through
``visible_trainings``. Whether a row's pay grade and certificate number may be shown is ``permissions.sees_grade``
(decided from the positions already read for the request: no query per row). Every function here costs a fixed
number of queries, however many rows it reads.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, DecimalField, Exists, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core.counting import count_together
from linli.core.errors import InvalidInput, NotFound
from linli.core.scoping import NOT_FOUND_MESSAGE, get_or_not_found, scope_for
from linli.places.models import Place, PlaceKind
from linli.workforce.models import Attendance, Employment, Topic, Training, Worker, WorkerEvent
from linli.workforce.permissions import (
    STREET_PATH_LENGTH,
    WORKER_PLACE_KINDS,
    keeper_streets_q,
    may_see_figures,
    register_q,
    training_q,
)

COMMUNITY_PATH_LENGTH = 3 * Place.steplen
STANDARD_PER_10K = 18  # 每万城镇常住人口拥有社区工作者 18 人
HOURS: Any = DecimalField(max_digits=8, decimal_places=1)
UNTRAINED_SHOWN = 200

# ----------------------------------------------------------------------------- places


def nodes_for(user: Any, *, limit: int = 300) -> list[Place]:
    """The streets and communities where the user manages (the register's and figures' node chooser)."""
    scope = scope_for(user, "manage")
    if scope.empty:
        return []
    qs = Place.objects.filter(kind__in=WORKER_PLACE_KINDS)
    if not scope.everything:
        above = {root[:i] for root in scope.paths for i in range(Place.steplen, len(root) + 1, Place.steplen)}
        qs = qs.filter(scope.q("path") | Q(path__in=sorted(above), kind=PlaceKind.COMMUNITY))
    return list(qs.order_by("path")[:limit])


def default_node(user: Any) -> Place | None:
    nodes = nodes_for(user, limit=50)
    return min(nodes, key=lambda p: (p.depth, p.path)) if nodes else None


def access_node(user: Any, pk: Any, *, field: str = "node") -> Place:
    """A street or community the user may read figures of (else the 404 of a missing id)."""
    node = get_or_not_found(Place.objects.filter(kind__in=WORKER_PLACE_KINDS), pk, field=field)
    if not may_see_figures(user, node):
        raise NotFound(_(NOT_FOUND_MESSAGE), field=field)
    return node  # type: ignore[no-any-return]


def keeper_places(user: Any, *, limit: int = 300) -> list[Place]:
    """Streets and communities of the streets the user keeps (where workers are hired and sessions held)."""
    return list(
        Place.objects.filter(keeper_streets_q(user, "path"), kind__in=WORKER_PLACE_KINDS).order_by("path")[:limit]
    )


# ----------------------------------------------------------------------------- workers


def visible_workers(user: Any) -> QuerySet[Worker]:
    return Worker.objects.filter(register_q(user))


def kept_workers(user: Any) -> QuerySet[Worker]:
    return Worker.objects.filter(keeper_streets_q(user))


def with_training(qs: QuerySet[Worker], year: int) -> QuerySet[Worker]:
    """Each worker with ``generalist`` (attended a 全科社工 session) and ``year_hours`` (training hours in
    ``year``), as subqueries of the one statement."""
    hours = (
        Attendance.objects.filter(worker=OuterRef("pk"), training__held_on__year=year)
        .order_by()
        .values("worker")
        .annotate(h=Sum("training__hours"))
        .values("h")
    )
    generalist = Attendance.objects.filter(worker=OuterRef("pk"), training__topic=Topic.GENERALIST)
    return qs.annotate(
        generalist=Exists(generalist),
        year_hours=Coalesce(Subquery(hours, output_field=HOURS), Value(Decimal("0")), output_field=HOURS),
    )


def access_worker(user: Any, pk: Any) -> Worker:
    qs = with_training(visible_workers(user), timezone.localdate().year).select_related("person", "place")
    return get_or_not_found(qs, pk)  # type: ignore[no-any-return]


def access_kept_worker(user: Any, pk: Any) -> Worker:
    return get_or_not_found(kept_workers(user).select_related("person", "place"), pk)  # type: ignore[no-any-return]


def own_worker(user: Any) -> Worker | None:
    person_id = getattr(user, "person_id", None) if getattr(user, "is_authenticated", False) else None
    if not person_id:
        return None
    return Worker.objects.filter(person_id=person_id).order_by("left_on", "-hired_on").first()  # open spell first


STATUSES = ("active", "left", "all")


def register(
    user: Any, *, node: Place | None = None, status: str = "active", employment: str = "", on: dt.date | None = None
) -> QuerySet[Worker]:
    """The register the user may see, under ``node``; ``status`` active / left / all (on ``on``: in post that day)."""
    if status not in STATUSES:
        raise InvalidInput(_("请选择在职状态"), field="status")
    qs = visible_workers(user)
    if node is not None:
        qs = qs.filter(place_path__under=node.path)
    if employment:
        if employment not in Employment.values:
            raise InvalidInput(_("请选择用工类型"), field="employment")
        qs = qs.filter(employment=employment)
    if on is not None:
        qs = qs.filter(active_on_q(on))
    elif status == "active":
        qs = qs.filter(left_on__isnull=True)
    elif status == "left":
        qs = qs.filter(left_on__isnull=False)
    year = (on or timezone.localdate()).year
    return with_training(qs, year).select_related("person", "place")


def active_on_q(day: dt.date, prefix: str = "") -> Q:
    return Q(**{f"{prefix}hired_on__lte": day}) & (
        Q(**{f"{prefix}left_on__isnull": True}) | Q(**{f"{prefix}left_on__gt": day})
    )


@dataclass(frozen=True)
class Held:
    post: str
    grade: int
    place_id: int


def held_on(worker_ids: list[int], day: dt.date) -> dict[int, Held]:
    """worker id → the post, grade and place each held on ``day`` (from the append-only events; one query)."""
    if not worker_ids:
        return {}
    rows = (
        WorkerEvent.objects.filter(worker_id__in=worker_ids, effective_on__lte=day)
        .exclude(kind="left")
        .order_by("worker_id", "effective_on", "id")
        .values_list("worker_id", "post", "grade", "place_id")
    )
    out: dict[int, Held] = {}
    for worker_id, post, grade, place_id in rows:
        out[worker_id] = Held(post=post, grade=grade, place_id=place_id)  # the last one of each wins
    return out


def history(worker: Worker) -> list[WorkerEvent]:
    return list(WorkerEvent.objects.filter(worker=worker).select_related("place").order_by("effective_on", "id"))


def trainings_attended(worker: Worker) -> list[Training]:
    return list(Training.objects.filter(attendances__worker=worker).select_related("place").order_by("-held_on", "-id"))


def hours_by_year(worker: Worker) -> list[tuple[int, Decimal, int]]:
    """(year, hours, sessions) of the worker's training, newest year first (one query)."""
    rows = (
        Attendance.objects.filter(worker=worker)
        .values("training__held_on__year")
        .annotate(h=Sum("training__hours"), n=Count("pk"))
        .order_by("-training__held_on__year")
    )
    return [(r["training__held_on__year"], r["h"] or Decimal("0"), r["n"]) for r in rows]


# ----------------------------------------------------------------------------- training


def visible_trainings(user: Any) -> QuerySet[Training]:
    return Training.objects.filter(training_q(user))


def access_training(user: Any, pk: Any) -> Training:
    qs = visible_trainings(user).select_related("place")
    return get_or_not_found(qs, pk)  # type: ignore[no-any-return]


def training_list(user: Any, *, node: Place | None = None) -> QuerySet[Training]:
    qs = visible_trainings(user)
    if node is not None:
        qs = qs.filter(Q(place_path__under=node.path) | Q(place_path=node.path[:STREET_PATH_LENGTH]))
    return qs.select_related("place").annotate(attended=Count("attendances"))


def attendees(user: Any, training: Training) -> list[Worker]:
    """The session's attendees the user may see in the register (one query)."""
    return list(
        visible_workers(user)
        .filter(attendances__training=training)
        .select_related("person", "place")
        .order_by("place_path", "person__name", "pk")
    )


def eligible_workers(training: Training, *, limit: int = 500) -> list[Worker]:
    """Workers who could be recorded at the session and are not yet (for the attendance form; one query)."""
    from linli.workforce.services_training import eligible_q

    return list(
        Worker.objects.filter(eligible_q(training))
        .exclude(attendances__training=training)
        .select_related("person", "place")
        .order_by("place_path", "person__name", "pk")[:limit]
    )


# ----------------------------------------------------------------------------- figures


@dataclass
class CommunityRow:
    place: Place
    active: int = 0  # 专职社区工作者 in post
    all_kinds: int = 0
    qualified: int = 0
    residents: int = 0

    @property
    def qualified_rate(self) -> float | None:
        return round(self.qualified / self.active, 4) if self.active else None

    @property
    def per_10k(self) -> float | None:
        return round(self.active * 10000 / self.residents, 2) if self.residents else None

    @property
    def meets_standard(self) -> bool | None:
        value = self.per_10k
        return None if value is None else value >= STANDARD_PER_10K


@dataclass
class Figures:
    node: Place
    on: dt.date
    since: dt.date
    until: dt.date
    active: int = 0
    all_kinds: int = 0
    qualified: int = 0
    residents: int = 0
    hires: int = 0
    leaves: int = 0
    sessions: int = 0
    attendances: int = 0
    untrained: int = 0
    untrained_workers: list[Worker] = field(default_factory=list)
    communities: list[CommunityRow] = field(default_factory=list)
    standard: int = STANDARD_PER_10K

    @property
    def qualified_rate(self) -> float | None:
        return round(self.qualified / self.active, 4) if self.active else None

    @property
    def per_10k(self) -> float | None:
        return round(self.active * 10000 / self.residents, 2) if self.residents else None

    @property
    def meets_standard(self) -> bool | None:
        value = self.per_10k
        return None if value is None else value >= STANDARD_PER_10K


def default_period(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    today = today or timezone.localdate()
    return today.replace(month=1, day=1), today


def residents_q() -> Q:
    """常住人口 from the ledger: people not moved out, not anonymised, and not 空挂户 (registered here, living
    elsewhere). The places overview counts every ledger row under a node; this count leaves those three out."""
    return Q(moved_out_on__isnull=True, anonymised_at__isnull=True) & ~Q(residence_type="nominal")


def _by_prefix(qs: QuerySet[Any], length: int, **aggregates: Any) -> dict[str, dict[str, Any]]:
    rows = qs.annotate(prefix=Substr("place_path", 1, length)).values("prefix").annotate(**aggregates).order_by()
    return {row["prefix"]: row for row in rows}


def figures(user: Any, node: Place, *, on: dt.date, since: dt.date, until: dt.date) -> Figures:
    """The figures under ``node`` (a street or community the user manages or leads): workers in post on ``on``,
    by community; 持证率; workers per 10,000 residents; hires, leaves, sessions and attendances in the period;
    workers in post with no training in ``on``'s year. Seven queries however many rows."""
    from linli.people.models import Person

    if not may_see_figures(user, node):
        raise NotFound(_(NOT_FOUND_MESSAGE), field="node")
    if since > until:
        raise InvalidInput(_("开始日期不能晚于结束日期"), field="since")
    f = Figures(node=node, on=on, since=since, until=until)
    workers = Worker.objects.filter(place_path__under=node.path)
    in_post = workers.filter(active_on_q(on))
    communities = (
        [node]
        if node.kind == PlaceKind.COMMUNITY
        else list(Place.objects.filter(path__under=node.path, kind=PlaceKind.COMMUNITY).order_by("path"))
    )
    length = COMMUNITY_PATH_LENGTH
    counted = _by_prefix(
        in_post,
        length,
        all_kinds=Count("pk"),
        active=Count("pk", filter=Q(employment=Employment.FULL_TIME)),
        qualified=Count("pk", filter=Q(employment=Employment.FULL_TIME) & ~Q(qualification="")),
    )
    residents = _by_prefix(Person.objects.under(node.path).filter(residents_q()), length, n=Count("pk"))
    for row in counted.values():
        f.active += row["active"]
        f.all_kinds += row["all_kinds"]
        f.qualified += row["qualified"]
    f.residents = sum(row["n"] for row in residents.values())
    for community in communities:
        mine = counted.get(community.path, {})
        f.communities.append(
            CommunityRow(
                place=community,
                active=mine.get("active", 0),
                all_kinds=mine.get("all_kinds", 0),
                qualified=mine.get("qualified", 0),
                residents=residents.get(community.path, {}).get("n", 0),
            )
        )
    sessions_here = Training.objects.filter(held_on__gte=since, held_on__lte=until).filter(
        Q(place_path__under=node.path) | Q(attendances__worker__place_path__under=node.path)
    )
    year_start = on.replace(month=1, day=1)
    trained_this_year = Attendance.objects.filter(
        worker=OuterRef("pk"), training__held_on__gte=year_start, training__held_on__lte=on
    )
    untrained = in_post.filter(~Exists(trained_this_year))
    counts = count_together(
        hires=workers.filter(hired_on__gte=since, hired_on__lte=until),
        leaves=workers.filter(left_on__gte=since, left_on__lte=until),
        sessions=sessions_here.values("pk").distinct(),
        attendances=Attendance.objects.filter(
            worker__place_path__under=node.path, training__held_on__gte=since, training__held_on__lte=until
        ),
        untrained=untrained,
    )
    f.hires, f.leaves, f.sessions = counts["hires"], counts["leaves"], counts["sessions"]
    f.attendances, f.untrained = counts["attendances"], counts["untrained"]
    f.untrained_workers = list(
        untrained.select_related("person", "place").order_by("place_path", "person__name", "pk")[:UNTRAINED_SHOWN]
    )
    return f


@dataclass(frozen=True)
class Tile:
    active: int
    qualified: int
    residents: int

    @property
    def qualified_rate(self) -> float | None:
        return round(self.qualified / self.active, 4) if self.active else None

    @property
    def per_10k(self) -> float | None:
        return round(self.active * 10000 / self.residents, 2) if self.residents else None


def dashboard_tile(node: Place, on: dt.date | None = None) -> Tile:
    """专职社区工作者 in post, of whom qualified, and residents under ``node``: one statement, for the dashboard
    (the caller checks the viewer may see the node's figures)."""
    from linli.people.models import Person

    day = on or timezone.localdate()
    full_time = Worker.objects.filter(place_path__under=node.path, employment=Employment.FULL_TIME).filter(
        active_on_q(day)
    )
    counts = count_together(
        active=full_time,
        qualified=full_time.exclude(qualification=""),
        residents=Person.objects.under(node.path).filter(residents_q()),
    )
    return Tile(active=counts["active"], qualified=counts["qualified"], residents=counts["residents"])
