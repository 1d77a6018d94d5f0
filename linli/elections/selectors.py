"""Reads of owners' committee elections: the lists a person may see, one election with its group and candidates,
the voter roll (staff), the result (never who voted how) and the figures of a place over a period.

Every function here costs a fixed number of queries, however many rows it reads.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core.dates import day_bounds
from linli.core.errors import InvalidInput, NotFound
from linli.core.scoping import NOT_FOUND_MESSAGE, get_or_not_found, scope_for
from linli.elections.models import (
    Candidate,
    ElectedSeat,
    Election,
    ElectionBallot,
    ElectionEvent,
    ElectionKind,
    ElectionStatus,
    ElectionVoter,
    Outcome,
    PrepMember,
)
from linli.elections.permissions import may_manage, may_see_figures, visible_q
from linli.elections.tally import ElectionTally, count_election
from linli.places.models import Place, PlaceKind

COMMUNITY_PATH_LENGTH = 3 * Place.steplen


def visible_elections(user: Any) -> QuerySet[Election]:
    return Election.objects.filter(visible_q(user))


def access_election(user: Any, pk: Any) -> Election:
    """One election the user may see, or the 404 of a missing id (the same for one elsewhere)."""
    qs = visible_elections(user).select_related("place", "committee")
    return get_or_not_found(qs, pk)  # type: ignore[no-any-return]


def access_managed_election(user: Any, pk: Any) -> Election:
    """One election the user runs; one they only see is refused like a missing one would be for a stranger."""
    election = access_election(user, pk)
    if not may_manage(user, election.place_path):
        raise NotFound(_(NOT_FOUND_MESSAGE))
    return election


def managed_compounds(user: Any, *, limit: int = 500) -> list[Place]:
    scope = scope_for(user, "manage")
    if scope.empty:
        return []
    return list(Place.objects.filter(scope.q("path"), kind=PlaceKind.COMPOUND).order_by("path")[:limit])


def default_node(user: Any) -> Place | None:
    """Where the figures start: the outermost street or community the user manages or leads."""
    for capability in ("manage", "lead"):
        scope = scope_for(user, capability)
        if not scope.empty:
            qs = Place.objects.filter(kind__in=[PlaceKind.STREET, PlaceKind.COMMUNITY, PlaceKind.DISTRICT])
            found = qs.filter(scope.q("path")).order_by("depth", "path").first()
            if found is not None:
                return found
    return None


def prep_members(election: Election) -> list[PrepMember]:
    return list(PrepMember.objects.filter(election=election).order_by("role", "id"))


def candidates(election: Election) -> list[Candidate]:
    return list(Candidate.objects.filter(election=election).order_by("id"))


def events(election: Election) -> list[ElectionEvent]:
    return list(ElectionEvent.objects.filter(election=election).select_related("actor").order_by("at", "id"))


def seats(election: Election) -> list[ElectedSeat]:
    return list(ElectedSeat.objects.filter(election=election).select_related("candidate").order_by("rank", "id"))


def voters(election: Election) -> QuerySet[ElectionVoter]:
    """The roll with whether each voter has voted (staff only: names and areas). Never how."""
    voted = ElectionBallot.objects.filter(election=election, voter=OuterRef("pk"))
    return ElectionVoter.objects.filter(election=election).annotate(voted=Exists(voted))


def turnout(election: Election) -> tuple[int, int]:
    agg = ElectionVoter.objects.filter(election=election).aggregate(n=Count("id"))
    return ElectionBallot.objects.filter(election=election).count(), agg["n"] or 0


def result(election: Election) -> ElectionTally | None:
    """The count once voting has closed (recounted from the rows); ``None`` before."""
    return count_election(election) if election.counted else None


# ----------------------------------------------------------------------------- figures


@dataclass
class Figures:
    node: Place
    since: dt.date
    until: dt.date
    held: int
    succeeded: int
    failed: int
    by_kind: list[tuple[str, str, int]]
    elected: int
    party_elected: int
    cross_elected: int
    in_progress: int

    @property
    def party_share(self) -> float | None:
        """Party members among the members elected (certified) in the period."""
        return round(self.party_elected / self.elected, 4) if self.elected else None

    @property
    def cross_share(self) -> float | None:
        """Elected members who sit on the branch committee (交叉任职) among those elected."""
        return round(self.cross_elected / self.elected, 4) if self.elected else None


def default_period(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """This year so far (elections are rare: a month would mostly be empty)."""
    day = today or timezone.localdate()
    return day.replace(month=1, day=1), day


def figures(user: Any, node: Place, since: dt.date, until: dt.date) -> Figures:
    """Elections held (voting closed) under ``node`` in the period: succeeded and failed (participation below
    two thirds), members elected, their party share and cross-appointment share; and those under way now.
    Staff with ``manage`` or ``lead`` at the node only (anyone else: the 404 of a missing id). Three queries."""
    if not may_see_figures(user, node.path):
        raise NotFound(_(NOT_FOUND_MESSAGE), field="place_id")
    if since > until:
        raise InvalidInput(_("开始日期不能晚于结束日期"), field="since")
    if (until - since).days > 366 * 5:
        raise InvalidInput(_("统计期间最长五年"), field="until")
    start, end = day_bounds(since, until)
    held = Election.objects.filter(place_path__under=node.path, closed_at__gte=start, closed_at__lt=end)
    rows = held.values("kind", "outcome").annotate(n=Count("id")).order_by()
    kinds: dict[str, int] = {}
    succeeded = failed = 0
    for r in rows:
        kinds[r["kind"]] = kinds.get(r["kind"], 0) + r["n"]
        if r["outcome"] == Outcome.VALID:
            succeeded += r["n"]
        elif r["outcome"] == Outcome.FAILED:
            failed += r["n"]
    won = ElectedSeat.objects.filter(election__in=held.values("id")).aggregate(
        n=Count("id"),
        party=Count("id", filter=Q(candidate__party_member=True)),
        cross=Count("id", filter=Q(candidate__cross_branch=True)),
    )
    in_progress = Election.objects.filter(
        place_path__under=node.path,
        status__in=[ElectionStatus.DRAFT, ElectionStatus.PUBLISHED, ElectionStatus.VOTING],
    ).count()
    return Figures(
        node=node,
        since=since,
        until=until,
        held=sum(kinds.values()),
        succeeded=succeeded,
        failed=failed,
        by_kind=[(code, str(label), kinds[code]) for code, label in ElectionKind.choices if kinds.get(code)],
        elected=won["n"] or 0,
        party_elected=won["party"] or 0,
        cross_elected=won["cross"] or 0,
        in_progress=in_progress,
    )
