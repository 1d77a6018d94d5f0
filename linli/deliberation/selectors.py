"""Reads for deliberation: scoped lists, one object, current publications, mediation success rates."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, cast

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext

from linli.core.errors import InvalidInput, NotFound
from linli.core.identifiers import parse_id
from linli.core.scoping import ScopedQuerySet, access, scope_for
from linli.deliberation.models import (
    Ballot,
    MediationCase,
    MediationOutcome,
    Meeting,
    ProxyRegistration,
    Publication,
    Topic,
    TopicComment,
    Vote,
    Voter,
    VoteStatus,
)
from linli.deliberation.permissions import may
from linli.deliberation.tally import Result, count_vote
from linli.people.models import Person
from linli.places.models import Place


def _scoped(qs: Any) -> ScopedQuerySet[Any]:
    return cast(ScopedQuerySet[Any], qs)


def visible_topics(user: Any) -> QuerySet[Topic]:
    return Topic.objects.visible_to(user).select_related("place")


def visible_meetings(user: Any) -> QuerySet[Meeting]:
    return Meeting.objects.visible_to(user).select_related("place")


def visible_votes(user: Any) -> QuerySet[Vote]:
    """The votes of the user's scope, and any vote where staff registered the user as someone's proxy."""
    visible = Vote.objects.visible_to(user)
    person_id = getattr(user, "person_id", None)
    if person_id is not None:
        proxied = ProxyRegistration.objects.filter(proxy_id=person_id).values("vote_id")
        visible = Vote.objects.filter(Q(pk__in=visible.values("pk")) | Q(pk__in=proxied))
    return visible.select_related("place")


def visible_cases(user: Any) -> QuerySet[MediationCase]:
    return MediationCase.objects.visible_to(user).select_related("place", "mediator")


def current_publications(user: Any, *, at: dt.datetime | None = None) -> QuerySet[Publication]:
    """公示 in their period, for the residents of the scope and for staff above it."""
    now = at or timezone.now()
    return Publication.objects.visible_to(user).filter(starts_at__lte=now, ends_at__gt=now).select_related("place")


def access_topic(user: Any, pk: Any) -> Topic:
    return access(_scoped(Topic.objects.select_related("place")), user, pk)


def access_meeting(user: Any, pk: Any) -> Meeting:
    return access(_scoped(Meeting.objects.select_related("place")), user, pk)


def access_vote(user: Any, pk: Any) -> Vote:
    """A vote of the user's scope, or one where they are a registered proxy (a child living elsewhere)."""
    try:
        return access(_scoped(Vote.objects.select_related("place")), user, pk)
    except NotFound:
        person_id = getattr(user, "person_id", None)
        vote_id = parse_id(pk)
        if person_id is None or vote_id is None:
            raise
        vote = Vote.objects.select_related("place").filter(pk=vote_id, proxies__proxy_id=person_id).first()
        if vote is None:
            raise
        return vote


def access_case(user: Any, pk: Any) -> MediationCase:
    return access(_scoped(MediationCase.objects.select_related("place", "mediator", "venue")), user, pk)


def access_publication(user: Any, pk: Any) -> Publication:
    return access(_scoped(Publication.objects.select_related("place")), user, pk)


def topic_comments(user: Any, topic: Topic) -> list[TopicComment]:
    """Hidden posts stay visible to moderators (marked), never to residents."""
    rows = TopicComment.objects.filter(topic=topic)
    if not may(user, topic.place_path, "manage"):
        rows = rows.filter(hidden=False)
    return list(rows.order_by("id")[:500])


def access_comment(user: Any, topic: Topic, pk: Any) -> TopicComment:
    try:
        return TopicComment.objects.select_related("topic").get(pk=pk, topic=topic)
    except (TopicComment.DoesNotExist, ValueError, TypeError):
        raise NotFound(gettext("未找到该发言")) from None


def access_voter(vote: Vote, pk: Any) -> Voter:
    try:
        return Voter.objects.get(pk=pk, vote=vote)
    except (Voter.DoesNotExist, ValueError, TypeError):
        raise NotFound(gettext("投票人不在本次表决名册中"), field="voter_id") from None


@dataclass
class VoteView:
    vote: Vote
    result: Result | None
    may_manage: bool
    voted: bool
    voters: list[Voter]
    ballots: dict[int, Ballot]
    proxies: list[ProxyRegistration]  # staff: every registration, with voter and proxy
    proxy_for: list[Voter]  # the user's person: voters registered to them who have not voted


def vote_view(user: Any, vote: Vote) -> VoteView:
    """The result is shown to staff at any time and to residents once the vote has closed."""
    from linli.deliberation.services_votes import own_voter

    manage = may(user, vote.place_path, "manage")
    result = count_vote(vote) if (manage or vote.status == "closed") else None
    mine = own_voter(user, vote)
    voted = mine is not None and Ballot.objects.filter(vote=vote, voter=mine).exists()
    voters: list[Voter] = []
    ballots: dict[int, Ballot] = {}
    proxies: list[ProxyRegistration] = []
    if manage:
        voters = list(Voter.objects.filter(vote=vote).order_by("id")[:2000])
        ballots = {b.voter_id: b for b in Ballot.objects.filter(vote=vote)}
        for v in voters:
            v.ballot = ballots.get(v.pk)  # type: ignore[attr-defined]
        proxies = list(ProxyRegistration.objects.filter(vote=vote).select_related("voter", "proxy").order_by("id"))
    return VoteView(
        vote=vote,
        result=result,
        may_manage=manage,
        voted=voted,
        voters=voters,
        ballots=ballots,
        proxies=proxies,
        proxy_for=proxy_duties(user, vote),
    )


def proxy_duties(user: Any, vote: Vote) -> list[Voter]:
    """The voters whose registered proxy the user is and who have not voted yet, while the vote is open."""
    person_id = getattr(user, "person_id", None)
    if person_id is None or vote.status != VoteStatus.OPEN or timezone.now() >= vote.closes_at:
        return []
    registered = ProxyRegistration.objects.filter(vote=vote, proxy_id=person_id).values("voter_id")
    cast = Ballot.objects.filter(vote=vote).values("voter_id")
    return list(Voter.objects.filter(vote=vote, pk__in=registered).exclude(pk__in=cast).order_by("id"))


def access_proxy_person(user: Any, pk: Any) -> Person:
    """A proxy named by ledger id (paper ballots, registrations): a resident the user can see."""
    person = Person.objects.visible_to(user).filter(pk=parse_id(pk) or 0, anonymised_at__isnull=True).first()
    if person is None:
        raise NotFound(gettext("未找到代理人"), field="proxy_person_id")
    return person


def access_proxy_registration(vote: Vote, pk: Any) -> ProxyRegistration:
    registration_id = parse_id(pk)
    registration = (
        ProxyRegistration.objects.filter(vote=vote, pk=registration_id).select_related("vote").first()
        if registration_id is not None
        else None
    )
    if registration is None:
        raise NotFound(gettext("未找到该代理委托"), field="registration_id")
    return registration


@dataclass
class RateRow:
    place: Place | None
    label: str
    closed: int
    success: int

    @property
    def rate(self) -> float | None:
        return round(100 * self.success / self.closed, 1) if self.closed else None


def mediation_closed_in(cases: QuerySet[MediationCase], *, start: dt.date, end: dt.date) -> QuerySet[MediationCase]:
    """调解成功率's denominator: cases closed (outcome set) with ``closed_on`` in [start, end]; the success
    rate is those with outcome success among them (docs/metrics.md, as the dashboards count)."""
    return cases.filter(closed_on__gte=start, closed_on__lte=end).exclude(outcome=MediationOutcome.PENDING)


def mediation_rates(user: Any, *, node: Place, start: dt.date, end: dt.date) -> list[RateRow]:
    """Success rate of cases closed in [start, end] under ``node``: a total row, then one per child node."""
    if not scope_for(user, MediationCase.SCOPE_CAPABILITY).covers(node.path):
        raise NotFound(gettext("未找到该节点,或您无权查看"))
    if start > end:
        raise InvalidInput(gettext("开始日期不能晚于结束日期"), field="start")
    closed = mediation_closed_in(MediationCase.objects.filter(place_path__under=node.path), start=start, end=end)
    child_len = len(node.path) + Place.steplen
    grouped = (
        closed.annotate(branch=Substr("place_path", 1, child_len))
        .values("branch")
        .annotate(n=Count("id"), ok=Count("id", filter=Q(outcome=MediationOutcome.SUCCESS)))
    )
    by_branch = {row["branch"]: (row["n"], row["ok"]) for row in grouped}
    total = RateRow(node, str(node), sum(n for n, _ in by_branch.values()), sum(ok for _, ok in by_branch.values()))
    rows = [total]
    for child in Place.objects.filter(path__startswith=node.path, depth=node.depth + 1).order_by("path"):
        n, ok = by_branch.get(child.path, (0, 0))
        rows.append(RateRow(child, str(child), n, ok))
    at_node = by_branch.get(node.path)
    if at_node:
        rows.append(RateRow(None, f"{node}(直属)", *at_node))
    return rows
