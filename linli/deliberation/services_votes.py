"""Votes: create, open (freezing the electorate), cast online, enter paper ballots, close and publish.

One ballot per voter is a unique constraint, so two devices racing for the same voter cannot
both win; the loser gets ``Conflict``. Ballots are never updated (trigger in migration 0002).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext

from linli.audit.services import audit_record
from linli.core.dates import aware
from linli.core.errors import Conflict, Forbidden, InvalidInput
from linli.core.text import clean_text
from linli.deliberation.models import (
    Ballot,
    Channel,
    Choice,
    Electorate,
    ProxyRegistration,
    Publication,
    PublicationKind,
    SecretChoice,
    Topic,
    Vote,
    Voter,
    VoteRule,
    VoteStatus,
)
from linli.deliberation.permissions import require
from linli.deliberation.tally import count_vote
from linli.people.models import Ownership, Person
from linli.places.models import Household, Place, PlaceKind

VOTE_PLACE_KINDS = {PlaceKind.BUILDING, PlaceKind.COMPOUND, PlaceKind.COMMUNITY}
ADULT_YEARS = 18


@transaction.atomic
def vote_create(
    *,
    actor: Any,
    place: Place,
    title: str,
    question: str,
    electorate: str,
    rule: str,
    closes_at: dt.datetime,
    secret: bool = False,
    topic: Topic | None = None,
) -> Vote:
    require(actor, place.path, "manage", gettext("您的岗位无权在此发起表决"))
    if place.kind not in VOTE_PLACE_KINDS:
        raise InvalidInput(gettext("表决范围应为楼栋、小区或社区"), field="place_id")
    if electorate not in Electorate.values:
        raise InvalidInput(gettext("投票人范围无效"), field="electorate")
    if rule not in VoteRule.values:
        raise InvalidInput(gettext("表决规则无效"), field="rule")
    if rule != VoteRule.SIMPLE and electorate != Electorate.OWNERS:
        raise InvalidInput(gettext("民法典第278条规则只适用于业主表决"), field="rule")
    closes_at = aware(closes_at)
    if closes_at <= timezone.now():
        raise InvalidInput(gettext("截止时间应晚于现在"), field="closes_at")
    if (
        topic is not None
        and not place.path.startswith(topic.place_path)
        and not topic.place_path.startswith(place.path)
    ):
        raise InvalidInput(gettext("议题与表决范围不一致"), field="topic_id")
    vote = Vote.objects.create(
        place=place,
        place_path=place.path,
        title=clean_text(title, field="title", label=gettext("标题"), max_length=120),
        question=clean_text(question, field="question", label=gettext("表决事项"), max_length=5000),
        electorate=electorate,
        rule=rule,
        secret=secret,
        closes_at=closes_at,
        topic=topic,
        created_by=actor,
    )
    audit_record(action="vote.created", actor=actor, target=vote, rule=rule, electorate=electorate)
    return vote


def current_ownerships(place_path: str, today: dt.date) -> Any:
    return (
        Ownership.objects.filter(place_path__under=place_path)
        .filter(Q(since__isnull=True) | Q(since__lte=today))
        .filter(Q(until__isnull=True) | Q(until__gte=today))
    )


def owner_voters(vote: Vote, today: dt.date) -> list[Voter]:
    """Owners counted as the Supreme People's Court's interpretation on building ownership (Art. 9) says:
    one head per exclusive part (专有部分), so co-owners of a flat are one voter; and one head per
    buyer, so a sole owner of several flats is one voter with their areas summed.

    (A person who co-owns one flat and solely owns another is a head through each; the ledger
    rarely holds that case and the interpretation does not settle it.)
    """
    rows = current_ownerships(vote.place_path, today).select_related("person", "household__place")
    owners_of: dict[int, dict[int, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    names: dict[int, str] = {}
    flats: dict[int, Household] = {}
    for o in rows:
        owners_of[o.household_id][o.person_id] += o.area_m2 * o.share
        names[o.person_id] = o.person.name
        flats[o.household_id] = o.household
    sole_area: dict[int, Decimal] = defaultdict(Decimal)
    voters: list[Voter] = []
    for household_id in sorted(owners_of):
        owners = owners_of[household_id]
        if len(owners) == 1:
            (person_id, area), *_ = owners.items()
            sole_area[person_id] += area
        else:
            label = "、".join(names[pid] for pid in sorted(owners)) + f"({flats[household_id]})"
            voters.append(Voter(vote=vote, household_id=household_id, label=label[:120], area_m2=sum(owners.values())))
    voters += [Voter(vote=vote, person_id=pid, label=names[pid], area_m2=sole_area[pid]) for pid in sorted(sole_area)]
    return voters


def _household_voters(vote: Vote) -> list[Voter]:
    households = (
        Household.objects.filter(place_path__under=vote.place_path, members__moved_out_on__isnull=True)
        .select_related("place")
        .distinct()
        .order_by("id")
    )
    return [Voter(vote=vote, household=h, label=str(h), area_m2=h.area_m2 or 0) for h in households]


def _adult_voters(vote: Vote, today: dt.date) -> list[Voter]:
    try:
        born_by = today.replace(year=today.year - ADULT_YEARS)
    except ValueError:  # 29 February
        born_by = today.replace(year=today.year - ADULT_YEARS, day=28)
    people = Person.objects.filter(
        place_path__under=vote.place_path,
        birth_date__lte=born_by,
        moved_out_on__isnull=True,
        anonymised_at__isnull=True,
    ).order_by("id")
    return [Voter(vote=vote, person=p, label=p.name) for p in people.only("id", "name")]


@transaction.atomic
def vote_open(*, actor: Any, vote: Vote) -> Vote:
    """Freeze the electorate from the ledger and start the vote."""
    require(actor, vote.place_path, "manage", gettext("您的岗位无权开启此表决"))
    vote = Vote.objects.select_for_update().get(pk=vote.pk)
    if vote.status != VoteStatus.DRAFT:
        raise Conflict(gettext("该表决已开启过"))
    if vote.closes_at <= timezone.now():
        raise Conflict(gettext("截止时间已过,不能开启"))
    today = timezone.localdate()
    if vote.electorate == Electorate.OWNERS:
        voters = owner_voters(vote, today)
    elif vote.electorate == Electorate.HOUSEHOLDS:
        voters = _household_voters(vote)
    else:
        voters = _adult_voters(vote, today)
    if not voters:
        raise InvalidInput(gettext("台账中该范围内没有符合条件的投票人"), field="electorate")
    Voter.objects.bulk_create(voters, batch_size=1000)
    vote.status = VoteStatus.OPEN
    vote.opened_at = timezone.now()
    vote.save(update_fields=["status", "opened_at"])
    audit_record(action="vote.opened", actor=actor, target=vote, voters=len(voters))
    return vote


def own_voter(user: Any, vote: Vote) -> Voter | None:
    """The voter the user casts for: themselves, or their household for household votes."""
    person = getattr(user, "person", None)
    if person is None:
        return None
    if vote.electorate == Electorate.HOUSEHOLDS:
        if not person.household_id or person.moved_out_on is not None:
            return None
        return Voter.objects.filter(vote=vote, household_id=person.household_id).first()
    mine = Voter.objects.filter(vote=vote, person_id=person.pk).first()
    if mine is not None or vote.electorate != Electorate.OWNERS:
        return mine
    # A co-owner casts the one ballot of the flat they share.
    flats = current_ownerships(vote.place_path, timezone.localdate()).filter(person=person).values("household_id")
    return Voter.objects.filter(vote=vote, household_id__in=flats).order_by("id").first()


def _record(
    *,
    vote: Vote,
    voter: Voter,
    choice: str,
    channel: str,
    actor: Any,
    paper_number: str = "",
    proxy: Person | None = None,
    proxy_authorisation: str = "",
    registered: bool = False,
) -> Ballot:
    if choice not in Choice.values:
        raise InvalidInput(gettext("请选择赞成、反对或弃权"), field="choice")
    locked = _lock_open(vote, gettext("表决已结束或尚未开始,不能投票"))
    if Ballot.objects.filter(vote=vote, voter=voter).exists():
        raise Conflict(gettext("该投票人已经投过票"), field="voter_id")
    if (
        channel == Channel.ONLINE
        and proxy is not None
        and not registered
        and _unregistered_online(vote, proxy) >= ONLINE_PROXIES_MAX
    ):
        raise Forbidden(
            gettext("网上代理投票每人限代 %(max)d 位投票人;其余委托请交工作人员核验书面委托书后登记")
            % {"max": ONLINE_PROXIES_MAX},
            field="voter_id",
        )
    if paper_number and Ballot.objects.filter(vote=vote, paper_number=paper_number).exists():
        raise Conflict(
            gettext("纸质票编号 %(paper_number)s 已录入过") % {"paper_number": paper_number}, field="paper_number"
        )
    try:
        with transaction.atomic():
            ballot = Ballot.objects.create(
                vote=vote,
                voter=voter,
                channel=channel,
                choice="" if locked.secret else choice,
                paper_number=paper_number,
                proxy=proxy,
                proxy_authorisation=proxy_authorisation,
                recorded_by=actor,
            )
            if locked.secret:
                SecretChoice.objects.create(vote=vote, choice=choice, area_m2=voter.area_m2)
    except IntegrityError:
        raise Conflict(gettext("该投票人已经投过票,或纸质票编号重复"), field="voter_id") from None
    # The audit row names the ballot, never the choice of a secret vote.
    audit_record(action="vote.ballot_recorded", actor=actor, target=vote, channel=channel, voter=voter.pk)
    return ballot


# A proxy's written authorisation cannot be checked online: a resident may cast one other voter's ballot
# there (an elderly parent's, a neighbour's abroad) on an authorisation they type. More proxies are either
# registered by staff, who see the written authorisations (``proxy_register``), or entered as paper ballots.
# Without a cap one account could cast every owner's ballot.
ONLINE_PROXIES_MAX = 1


def _lock_open(vote: Vote, refusal: str) -> Vote:
    """The vote's row, locked for this transaction, if it is open now; ``Conflict(refusal)`` otherwise."""
    locked = Vote.objects.select_for_update().get(pk=vote.pk)
    if locked.status != VoteStatus.OPEN or timezone.now() >= locked.closes_at:
        raise Conflict(refusal)
    return locked


def _unregistered_online(vote: Vote, proxy: Person) -> int:
    """Online ballots ``proxy`` cast for others on a typed authorisation (registered ones do not count)."""
    registered = ProxyRegistration.objects.filter(vote=vote, proxy=proxy).values("voter_id")
    return (
        Ballot.objects.filter(vote=vote, proxy=proxy, channel=Channel.ONLINE).exclude(voter_id__in=registered).count()
    )


@transaction.atomic
def proxy_register(*, actor: Any, vote: Vote, voter: Voter, proxy: Person, document: str) -> ProxyRegistration:
    """Staff record a written authorisation they have seen: ``proxy`` may cast ``voter``'s ballot online."""
    require(actor, vote.place_path, "manage", gettext("您的岗位无权登记代理委托"))
    if voter.vote_id != vote.pk:
        raise InvalidInput(gettext("投票人不属于本次表决"), field="voter_id")
    document = clean_text(document, field="document", label=gettext("委托书编号或说明"), max_length=200)
    _lock_open(vote, gettext("表决未在进行中,不能登记代理委托"))
    if voter.person_id == proxy.pk or (voter.household_id and proxy.household_id == voter.household_id):
        raise InvalidInput(gettext("受托人本人即可为该投票人投票,无需登记代理"), field="proxy")
    if Ballot.objects.filter(vote=vote, voter=voter).exists():
        raise Conflict(gettext("该投票人已经投过票"), field="voter_id")
    if ProxyRegistration.objects.filter(vote=vote, voter=voter).exists():
        raise Conflict(gettext("该投票人已登记代理委托;如需更换,请先撤销"), field="voter_id")
    registration = ProxyRegistration.objects.create(
        vote=vote, voter=voter, proxy=proxy, document=document, registered_by=actor
    )
    audit_record(action="vote.proxy_registered", actor=actor, target=vote, voter=voter.pk, proxy=proxy.pk)
    return registration


@transaction.atomic
def proxy_withdraw(*, actor: Any, registration: ProxyRegistration) -> None:
    """Staff withdraw a registration (the voter revoked it, or it was entered for the wrong person)."""
    vote = registration.vote
    require(actor, vote.place_path, "manage", gettext("您的岗位无权撤销代理委托"))
    _lock_open(vote, gettext("表决未在进行中,不能撤销代理委托"))
    if Ballot.objects.filter(vote=vote, voter_id=registration.voter_id).exists():
        raise Conflict(gettext("该投票人已经投票,委托不能撤销"), field="voter_id")
    audit_record(
        action="vote.proxy_withdrawn",
        actor=actor,
        target=vote,
        voter=registration.voter_id,
        proxy=registration.proxy_id,
    )
    registration.delete()


def proxy_authorisation_check(proxy: Person | None, authorisation: str) -> str:
    """The written authorisation a proxy ballot carries (owners' votes and committee elections alike)."""
    authorisation = (authorisation or "").strip()
    if proxy is not None and not authorisation:
        raise InvalidInput(gettext("代理投票须登记业主的书面授权"), field="proxy_authorisation")
    if len(authorisation) > 200:
        raise InvalidInput(gettext("授权说明不能超过 200 字"), field="proxy_authorisation")
    return authorisation


@transaction.atomic
def ballot_cast(
    *,
    actor: Any,
    vote: Vote,
    choice: str,
    for_voter: Voter | None = None,
    proxy_authorisation: str = "",
) -> Ballot:
    """A resident votes online, for themselves or (with recorded authorisation) as a proxy."""
    mine = own_voter(actor, vote)
    if for_voter is None or (mine is not None and for_voter.pk == mine.pk):
        if mine is None:
            raise Forbidden(gettext("您不在本次表决的投票人名册中"))
        return _record(vote=vote, voter=mine, choice=choice, channel=Channel.ONLINE, actor=actor)
    if for_voter.vote_id != vote.pk:
        raise InvalidInput(gettext("投票人不属于本次表决"), field="voter_id")
    proxy = getattr(actor, "person", None)
    if proxy is None:
        raise Forbidden(gettext("代理投票须以居民身份登录"))
    _lock_open(vote, gettext("表决已结束或尚未开始,不能投票"))  # before reading the registration: see proxy_withdraw
    registration = ProxyRegistration.objects.filter(vote=vote, voter=for_voter).first()
    if registration is not None and registration.proxy_id != proxy.pk:
        raise Forbidden(gettext("该投票人已委托他人代理投票"), field="voter_id")
    authorisation = registration.document if registration else proxy_authorisation_check(proxy, proxy_authorisation)
    return _record(
        vote=vote,
        voter=for_voter,
        choice=choice,
        channel=Channel.ONLINE,
        actor=actor,
        proxy=proxy,
        proxy_authorisation=authorisation,
        registered=registration is not None,
    )


@transaction.atomic
def ballot_enter_paper(
    *,
    actor: Any,
    vote: Vote,
    voter: Voter,
    choice: str,
    paper_number: str,
    proxy: Person | None = None,
    proxy_authorisation: str = "",
) -> Ballot:
    """Staff enter a paper ballot under its printed number (unique within the vote)."""
    require(actor, vote.place_path, "manage", gettext("您的岗位无权录入纸质票"))
    if voter.vote_id != vote.pk:
        raise InvalidInput(gettext("投票人不属于本次表决"), field="voter_id")
    number = clean_text(paper_number, field="paper_number", label=gettext("纸质票编号"), max_length=32)
    authorisation = proxy_authorisation_check(proxy, proxy_authorisation)
    return _record(
        vote=vote,
        voter=voter,
        choice=choice,
        channel=Channel.PAPER,
        actor=actor,
        paper_number=number,
        proxy=proxy,
        proxy_authorisation=authorisation,
    )


@transaction.atomic
def vote_close(*, actor: Any, vote: Vote, publish_days: int = 7, reason: str = "") -> Publication:
    """End the vote, count it from the rows and publish the result (公示) for ``publish_days``."""
    require(actor, vote.place_path, "manage", gettext("您的岗位无权结束此表决"))
    vote = Vote.objects.select_for_update().get(pk=vote.pk)
    if vote.status != VoteStatus.OPEN:
        raise Conflict(gettext("只有投票中的表决可以结束"))
    if not 1 <= publish_days <= 60:
        raise InvalidInput(gettext("公示期应为 1 到 60 天"), field="publish_days")
    now = timezone.now()
    reason = (reason or "").strip()
    if now < vote.closes_at and not reason:
        raise InvalidInput(gettext("提前结束表决须说明理由"), field="reason")
    vote.status = VoteStatus.CLOSED
    vote.closed_at = now
    vote.save(update_fields=["status", "closed_at"])
    result = count_vote(vote)
    outcome = "通过" if result.approved else "未通过"
    lines = [f"表决事项:{vote.question}", f"结果:{outcome}"]
    lines += [
        f"{c.label}:{c.value} / {c.base}(需 {c.rule_display},即 {c.needed_display}){'达到' if c.met else '未达到'}"
        for c in result.checks
    ]
    publication = Publication.objects.create(
        place_id=vote.place_id,
        place_path=vote.place_path,
        kind=PublicationKind.VOTE_RESULT,
        title=f"表决结果公示:{vote.title}"[:120],
        body="\n".join(lines),
        vote=vote,
        starts_at=now,
        ends_at=now + dt.timedelta(days=publish_days),
        published_by=actor,
    )
    audit_record(action="vote.closed", actor=actor, target=vote, approved=result.approved, reason=reason[:200])
    return publication
