"""Writes of an owners' committee election: set it up, its preparatory group (筹备组) and candidates, the party
branch's check, and each step of its lifecycle (publish the candidates, open voting, close, certify, seat).

One function per state change, one transaction each, with its ``ElectionEvent`` and audit record. A step out of
order is ``Conflict``; a bad value is ``InvalidInput`` naming the field. Running an election needs ``manage`` at
the compound (``linli.elections.permissions``); the branch's check needs the compound's branch secretary or
``manage``. Ballots, the electorate and proxies are ``services_ballots``.

Seating calls ``linli.cobuilding.services_property.committee_member_add`` for each member (and, for a first
formation, ``linli.orgs.services.organisation_register`` for the new body), so the members land in the same
table the committee pages and their indicators already read.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.audit.services import audit_record
from linli.core.dates import aware
from linli.core.errors import Conflict, Forbidden, InvalidInput
from linli.core.idempotency import clean_key, create_once
from linli.core.text import clean_text, whole_number
from linli.elections.models import (
    CHAIR_AFFILIATIONS,
    PARTY_SHARE_TARGET,
    SEATS_MAX,
    Affiliation,
    Body,
    Candidate,
    ElectedSeat,
    Election,
    ElectionEvent,
    ElectionKind,
    ElectionStatus,
    Outcome,
    PrepMember,
    PrepRole,
)
from linli.elections.permissions import BRANCH_POSITION, may_check, may_manage
from linli.elections.tally import ElectionTally, count_election
from linli.orgs.models import Organisation
from linli.people.models import Person, Position
from linli.places.models import Place, PlaceKind

TITLE_MAX = 120
NOTE_MAX = 300
TERM_YEARS_MAX = 5  # 业主大会和业主委员会指导规则: 业委会每届任期不超过5年
VOTING_DAYS_MAX = 60
UNFINISHED = (ElectionStatus.DRAFT, ElectionStatus.PUBLISHED, ElectionStatus.VOTING, ElectionStatus.CLOSED)


def require_manage(actor: Any, election_or_place: Any, message: str) -> None:
    path = getattr(election_or_place, "place_path", None) or election_or_place.path
    if not may_manage(actor, path):
        raise Forbidden(message)


def _event(election: Election, actor: Any, from_status: str, to_status: str, note: str = "") -> None:
    ElectionEvent.objects.create(
        election=election, actor=actor, from_status=from_status, to_status=to_status, note=note[:NOTE_MAX]
    )


def _locked(election: Election) -> Election:
    return Election.objects.select_for_update().get(pk=election.pk)


def _require_status(election: Election, *statuses: str, message: str) -> None:
    if election.status not in statuses:
        raise Conflict(message)


def on_branch_committee(person: Person, compound: Place) -> bool:
    """Whether the person holds a branch-committee position (支部书记/委员) today at, above or below the compound."""
    today = timezone.localdate()
    positions = Position.objects.filter(person=person, kind=BRANCH_POSITION, start_date__lte=today).exclude(
        end_date__lt=today
    )
    return any(
        compound.path.startswith(path) or path.startswith(compound.path)
        for path in positions.values_list("place__path", flat=True)
    )


@dataclass(frozen=True)
class PartyShare:
    party: int
    total: int

    @property
    def share(self) -> float | None:
        return self.party / self.total if self.total else None

    @property
    def below_target(self) -> bool:
        """Fewer than half the candidates are party members (seed 002: 一般不低于50%): a warning, never a block."""
        return self.total > 0 and self.party * 2 < self.total

    @property
    def percent(self) -> str:
        return f"{self.party * 100 / self.total:.0f}%" if self.total else "—"


def party_share(election: Election) -> PartyShare:
    candidates = Candidate.objects.filter(election=election)
    return PartyShare(candidates.filter(party_member=True).count(), candidates.count())


def party_warning(share: PartyShare) -> str:
    if not share.below_target:
        return ""
    return _("候选人中党员 %(party)d 名,占 %(percent)s,低于一般不低于 %(target)d%% 的要求") % {
        "party": share.party,
        "percent": share.percent,
        "target": int(PARTY_SHARE_TARGET * 100),
    }


# ----------------------------------------------------------------------------- setting up


@dataclass(frozen=True)
class ElectionFields:
    """What the form or the API sends; ``clean_fields`` checks every value."""

    kind: Any
    body: Any
    seats: Any
    term_starts: Any
    term_ends: Any
    title: Any = ""
    publicity_days: Any = 7
    committee: Organisation | None = None


def _term(starts: Any, ends: Any) -> tuple[dt.date, dt.date]:
    if not isinstance(starts, dt.date):
        raise InvalidInput(_("请填写任期开始日期"), field="term_starts")
    if not isinstance(ends, dt.date):
        raise InvalidInput(_("请填写任期结束日期"), field="term_ends")
    if ends <= starts:
        raise InvalidInput(_("任期结束日期应晚于开始日期"), field="term_ends")
    try:
        longest = starts.replace(year=starts.year + TERM_YEARS_MAX)
    except ValueError:  # 29 February
        longest = starts.replace(year=starts.year + TERM_YEARS_MAX, day=28)
    if ends > longest:
        raise InvalidInput(_("每届任期不超过 %(n)d 年") % {"n": TERM_YEARS_MAX}, field="term_ends")
    return starts, ends


def clean_fields(place: Place, fields: ElectionFields) -> dict[str, Any]:
    if fields.kind not in ElectionKind.values:
        raise InvalidInput(_("请选择选举类型"), field="kind")
    if fields.body not in Body.values:
        raise InvalidInput(_("请选择选举机构(业委会或监事会)"), field="body")
    starts, ends = _term(fields.term_starts, fields.term_ends)
    title = clean_text(fields.title, field="title", label=_("选举名称"), max_length=TITLE_MAX, required=False)
    return {
        "kind": fields.kind,
        "body": fields.body,
        "seats": whole_number(fields.seats, field="seats", label=_("应选名额"), low=1, high=SEATS_MAX),
        "term_starts": starts,
        "term_ends": ends,
        "publicity_days": whole_number(
            fields.publicity_days, field="publicity_days", label=_("公示天数"), low=1, high=30
        ),
        "title": title or f"{place.name}{Body(fields.body).label}{ElectionKind(fields.kind).label}",
    }


def _check_committee(place: Place, kind: str, body: str, committee: Organisation | None) -> None:
    if kind == ElectionKind.FOUNDING:
        if committee is not None:
            raise InvalidInput(_("首次成立不需选择现有机构"), field="committee_id")
        if Organisation.objects.filter(kind=body, place_path=place.path).exists():
            raise InvalidInput(_("本小区已有%(body)s,请选择换届选举或补选") % {"body": Body(body).label}, field="kind")
        return
    if committee is None:
        raise InvalidInput(_("换届或补选须选择本小区现有的%(body)s") % {"body": Body(body).label}, field="committee_id")
    if committee.kind != body or committee.place_path != place.path:
        raise InvalidInput(
            _("“%(org)s”不是本小区的%(body)s") % {"org": committee.name, "body": Body(body).label},
            field="committee_id",
        )


@transaction.atomic
def election_create(
    *, actor: Any, place: Place, fields: ElectionFields, idempotency_key: str = ""
) -> tuple[Election, bool]:
    """Set up an election (筹备中) of the compound's committee or board: ``(election, created)``."""
    if place.kind != PlaceKind.COMPOUND:
        raise InvalidInput(_("业委会选举须在小区范围内进行"), field="place_id")
    require_manage(actor, place, _("您的岗位无权在“%(place)s”组织业委会选举") % {"place": place.name})
    values = clean_fields(place, fields)
    _check_committee(place, values["kind"], values["body"], fields.committee)
    key = clean_key(idempotency_key)

    def create() -> Election:
        Place.objects.select_for_update().filter(pk=place.pk).first()  # one election of a body at a time
        if Election.objects.filter(place=place, body=values["body"], status__in=UNFINISHED).exists():
            raise Conflict(_("本小区已有一场未结束的%(body)s选举") % {"body": Body(values["body"]).label}, field="body")
        election = Election.objects.create(
            place=place,
            place_path=place.path,
            committee=fields.committee,
            created_by=actor,
            idempotency_key=key,
            **values,
        )
        _event(election, actor, "", ElectionStatus.DRAFT)
        return election

    election, created = create_once(
        earlier=Election.objects.filter(created_by=actor),
        key=key,
        create=create,
        same=lambda e: e.place_id == place.pk and e.body == values["body"] and e.kind == values["kind"],
        refusal=lambda e: _("这个 Idempotency-Key 已用于另一场选举“%(title)s”") % {"title": e.title},
    )
    if created:
        audit_record(
            action="elections.created",
            actor=actor,
            target=election,
            place=place.pk,
            kind=election.kind,
            body=election.body,
            seats=election.seats,
        )
    return election, created


@transaction.atomic
def election_update(*, actor: Any, election: Election, fields: ElectionFields) -> Election:
    """Rewrite a draft's name, seats, term and publicity period (kind, body and committee stay as set up)."""
    require_manage(actor, election, _("您的岗位无权修改这场选举"))
    locked = _locked(election)
    _require_status(locked, ElectionStatus.DRAFT, message=_("候选人公示后不能再修改选举设置"))
    place = Place.objects.get(pk=locked.place_id)
    values = clean_fields(place, ElectionFields(**{**fields.__dict__, "kind": locked.kind, "body": locked.body}))
    changed = [
        k for k in ("title", "seats", "term_starts", "term_ends", "publicity_days") if getattr(locked, k) != values[k]
    ]
    if not changed:
        return locked
    for k in changed:
        setattr(locked, k, values[k])
    if "seats" in changed:  # the branch checked the list against the old number of seats
        locked.checked_at, locked.checked_by, locked.check_note = None, None, ""
    locked.save()
    audit_record(action="elections.updated", actor=actor, target=locked, changed=changed)
    return locked


# ----------------------------------------------------------------------------- preparatory group


@transaction.atomic
def prep_member_add(
    *, actor: Any, election: Election, role: str, affiliation: str, person: Person | None = None, name: str = ""
) -> PrepMember:
    """Add a member to the 筹备组. The chair (组长) comes from the party branch or the community (党组织牵头)."""
    require_manage(actor, election, _("您的岗位无权调整筹备组"))
    locked = _locked(election)
    _require_status(locked, ElectionStatus.DRAFT, ElectionStatus.PUBLISHED, message=_("投票开始后不能再调整筹备组"))
    if role not in PrepRole.values:
        raise InvalidInput(_("请选择筹备组职务"), field="role")
    if affiliation not in Affiliation.values:
        raise InvalidInput(_("请选择所属单位"), field="affiliation")
    if role == PrepRole.CHAIR and affiliation not in CHAIR_AFFILIATIONS:
        raise InvalidInput(_("筹备组组长应由小区党支部或社区居委会人员担任"), field="affiliation")
    label = person.name if person is not None else clean_text(name, field="name", label=_("姓名"), max_length=64)
    if role == PrepRole.CHAIR and PrepMember.objects.filter(election=locked, role=PrepRole.CHAIR).exists():
        raise Conflict(_("筹备组已有组长"), field="role")
    if person is not None and PrepMember.objects.filter(election=locked, person=person).exists():
        raise Conflict(_("%(name)s 已在筹备组中") % {"name": person.name}, field="person_id")
    try:
        with transaction.atomic():
            member = PrepMember.objects.create(
                election=locked, person=person, name=label, role=role, affiliation=affiliation
            )
    except IntegrityError:
        raise Conflict(_("筹备组已有组长,或此人已在筹备组中"), field="role") from None
    audit_record(action="elections.prep_member_added", actor=actor, target=locked, member=label, role=role)
    return member


@transaction.atomic
def prep_member_remove(*, actor: Any, member: PrepMember) -> None:
    election = member.election
    require_manage(actor, election, _("您的岗位无权调整筹备组"))
    locked = _locked(election)
    _require_status(locked, ElectionStatus.DRAFT, message=_("候选人公示后不能再移出筹备组成员"))
    audit_record(action="elections.prep_member_removed", actor=actor, target=locked, member=member.name)
    member.delete()


# ----------------------------------------------------------------------------- candidates


def _owner_here(person: Person, election: Election) -> bool:
    from linli.deliberation.services_votes import current_ownerships

    return bool(current_ownerships(election.place_path, timezone.localdate()).filter(person=person).exists())


def _uncheck(election: Election) -> None:
    if election.checked_at is not None:
        election.checked_at, election.checked_by, election.check_note = None, None, ""
        election.save(update_fields=["checked_at", "checked_by", "check_note"])


@transaction.atomic
def candidate_add(
    *,
    actor: Any,
    election: Election,
    person: Person,
    cross_branch: bool | None = None,
    statement: str = "",
) -> Candidate:
    """Nominate an owner living in the compound. Party membership is read from the ledger; ``cross_branch``
    (standing for 交叉任职) defaults to whether they hold a branch-committee position, and only a party member
    can. Changing the list undoes the branch's check."""
    require_manage(actor, election, _("您的岗位无权提名候选人"))
    locked = _locked(election)
    _require_status(locked, ElectionStatus.DRAFT, message=_("候选人名单公示后不能再增减候选人"))
    if person.moved_out_on is not None or person.anonymised_at is not None:
        raise InvalidInput(_("%(name)s 已迁出,不能作为候选人") % {"name": person.name}, field="person_id")
    if not person.place_path.startswith(locked.place_path) or not _owner_here(person, locked):
        raise InvalidInput(_("%(name)s 不是在本小区居住的业主") % {"name": person.name}, field="person_id")
    if Candidate.objects.filter(election=locked, person=person).exists():
        raise Conflict(_("%(name)s 已是候选人") % {"name": person.name}, field="person_id")
    party = person.is_party_member  # the ledger's flag, set from 政治面貌 (people.models.is_party_status)
    place = Place.objects.get(pk=locked.place_id)
    cross = on_branch_committee(person, place) if cross_branch is None else bool(cross_branch)
    if cross and not party:
        raise InvalidInput(_("交叉任职须为党支部委员(党员)"), field="cross_branch")
    text = clean_text(statement, field="statement", label=_("候选人简介"), max_length=NOTE_MAX, required=False)
    try:
        with transaction.atomic():
            candidate = Candidate.objects.create(
                election=locked,
                person=person,
                name=person.name,
                party_member=party,
                cross_branch=cross,
                statement=text,
                nominated_by=actor,
            )
    except IntegrityError:
        raise Conflict(_("%(name)s 已是候选人") % {"name": person.name}, field="person_id") from None
    _uncheck(locked)
    audit_record(
        action="elections.candidate_added",
        actor=actor,
        target=locked,
        person=person.pk,
        party_member=party,
        cross_branch=cross,
    )
    return candidate


@transaction.atomic
def candidate_remove(*, actor: Any, candidate: Candidate) -> None:
    election = candidate.election
    require_manage(actor, election, _("您的岗位无权调整候选人"))
    locked = _locked(election)
    _require_status(locked, ElectionStatus.DRAFT, message=_("候选人名单公示后不能再增减候选人"))
    audit_record(action="elections.candidate_removed", actor=actor, target=locked, person=candidate.person_id)
    candidate.delete()
    _uncheck(locked)


@transaction.atomic
def candidates_check(*, actor: Any, election: Election, note: str = "") -> PartyShare:
    """The compound's party branch checks the candidate list (支部把关): recorded, with the party share; below
    half the note and the audit say so (a warning: the list may still be published)."""
    if not may_check(actor, election.place_path):
        raise Forbidden(_("候选人名单应由小区党支部审核"))
    locked = _locked(election)
    _require_status(locked, ElectionStatus.DRAFT, message=_("只能审核筹备中的候选人名单"))
    share = party_share(locked)
    if share.total < locked.seats:
        raise Conflict(
            _("候选人 %(n)d 名,少于应选名额 %(seats)d 名") % {"n": share.total, "seats": locked.seats},
            field="candidates",
        )
    text = clean_text(note, field="note", label=_("审核意见"), max_length=NOTE_MAX, required=False)
    locked.checked_by, locked.checked_at, locked.check_note = actor, timezone.now(), text
    locked.save(update_fields=["checked_by", "checked_at", "check_note"])
    warning = party_warning(share)
    _event(
        locked, actor, locked.status, locked.status, "；".join(x for x in (_("支部审核候选人名单"), text, warning) if x)
    )
    audit_record(
        action="elections.candidates_checked",
        actor=actor,
        target=locked,
        party=share.party,
        candidates=share.total,
        below_target=share.below_target,
    )
    return share


# ----------------------------------------------------------------------------- lifecycle


@transaction.atomic
def election_publish(*, actor: Any, election: Election) -> Election:
    """Publish the checked candidate list (公示) for the election's publicity days."""
    require_manage(actor, election, _("您的岗位无权公示候选人"))
    locked = _locked(election)
    _require_status(locked, ElectionStatus.DRAFT, message=_("只有筹备中的选举可以公示候选人"))
    if not PrepMember.objects.filter(election=locked, role=PrepRole.CHAIR).exists():
        raise Conflict(_("请先组建筹备组并确定组长"), field="prep_members")
    share = party_share(locked)
    if share.total < locked.seats:
        raise Conflict(
            _("候选人 %(n)d 名,少于应选名额 %(seats)d 名") % {"n": share.total, "seats": locked.seats},
            field="candidates",
        )
    if locked.checked_at is None:
        raise Conflict(_("候选人名单须先经小区党支部审核"), field="candidates")
    now = timezone.now()
    locked.status = ElectionStatus.PUBLISHED
    locked.published_at = now
    locked.publicity_ends_at = now + dt.timedelta(days=locked.publicity_days)
    locked.save(update_fields=["status", "published_at", "publicity_ends_at"])
    _event(locked, actor, ElectionStatus.DRAFT, ElectionStatus.PUBLISHED, party_warning(share))
    audit_record(
        action="elections.published",
        actor=actor,
        target=locked,
        candidates=share.total,
        party=share.party,
        below_target=share.below_target,
    )
    return locked


@transaction.atomic
def election_open_voting(*, actor: Any, election: Election, closes_at: dt.datetime) -> Election:
    """After the publicity period, freeze the owners from the ledger and open voting until ``closes_at``."""
    from linli.elections.services_ballots import freeze_electorate

    require_manage(actor, election, _("您的岗位无权开始投票"))
    locked = _locked(election)
    _require_status(locked, ElectionStatus.PUBLISHED, message=_("只有公示期满的选举可以开始投票"))
    now = timezone.now()
    if locked.publicity_ends_at is not None and now < locked.publicity_ends_at:
        ends = timezone.localtime(locked.publicity_ends_at)
        raise Conflict(_("候选人公示期至 %(ends)s 结束,之后才能开始投票") % {"ends": f"{ends:%Y-%m-%d %H:%M}"})
    if not isinstance(closes_at, dt.datetime):
        raise InvalidInput(_("请填写投票截止时间"), field="closes_at")
    closes_at = aware(closes_at)
    if closes_at <= now:
        raise InvalidInput(_("投票截止时间应晚于现在"), field="closes_at")
    if closes_at > now + dt.timedelta(days=VOTING_DAYS_MAX):
        raise InvalidInput(_("投票期最长 %(n)d 天") % {"n": VOTING_DAYS_MAX}, field="closes_at")
    voters = freeze_electorate(locked)
    locked.status = ElectionStatus.VOTING
    locked.voting_opened_at = now
    locked.voting_closes_at = closes_at
    locked.save(update_fields=["status", "voting_opened_at", "voting_closes_at"])
    _event(locked, actor, ElectionStatus.PUBLISHED, ElectionStatus.VOTING)
    audit_record(action="elections.voting_opened", actor=actor, target=locked, voters=voters)
    return locked


@transaction.atomic
def election_close(*, actor: Any, election: Election, reason: str = "") -> ElectionTally:
    """End voting (before its deadline only with a reason) and count: the election is valid or fails for lack of
    participation (流会), and the event says which condition failed, with the numbers."""
    require_manage(actor, election, _("您的岗位无权结束投票"))
    locked = _locked(election)
    _require_status(locked, ElectionStatus.VOTING, message=_("只有投票中的选举可以结束投票"))
    now = timezone.now()
    text = clean_text(reason, field="reason", label=_("理由"), max_length=NOTE_MAX, required=False)
    if locked.voting_closes_at is not None and now < locked.voting_closes_at and not text:
        raise InvalidInput(_("提前结束投票须说明理由"), field="reason")
    locked.status = ElectionStatus.CLOSED
    locked.closed_at = now
    tally = count_election(locked)
    locked.outcome = Outcome.VALID if tally.participation_met else Outcome.FAILED
    locked.save(update_fields=["status", "closed_at", "outcome"])
    failed = "；".join(f"{c.label} {c.value}/{c.base} {_('未达到')} {c.rule_display}" for c in tally.failed_checks)
    _event(locked, actor, ElectionStatus.VOTING, ElectionStatus.CLOSED, "；".join(x for x in (text, failed) if x))
    audit_record(
        action="elections.closed",
        actor=actor,
        target=locked,
        outcome=locked.outcome,
        participating=tally.participating.count,
        electorate=tally.electorate.count,
        reason=text[:200],
    )
    return tally


@transaction.atomic
def election_certify(
    *, actor: Any, election: Election, runoff: list[Candidate] | None = None, note: str = "", vacate_tied: bool = False
) -> Election:
    """Certify the count (结果确认): the elected candidates become seats. When a tie straddles the last seats the
    run-off's decision is required — ``runoff`` (exactly the open seats' number of the tied candidates) with a
    ``note`` saying how it was decided, or ``vacate_tied`` to leave those seats for a by-election."""
    require_manage(actor, election, _("您的岗位无权确认选举结果"))
    locked = _locked(election)
    _require_status(locked, ElectionStatus.CLOSED, message=_("只有投票已结束的选举可以确认结果"))
    tally = count_election(locked)
    chosen = list(runoff or [])
    text = clean_text(note, field="note", label=_("说明"), max_length=NOTE_MAX, required=False)
    tied_ids = {c.candidate_id for c in tally.tied}
    if chosen and not tied_ids:
        raise InvalidInput(_("本次选举没有并列,无需加试决定"), field="runoff")
    if tied_ids and not vacate_tied:
        if not chosen:
            names = "、".join(c.name for c in tally.tied)
            raise Conflict(
                _("%(names)s 赞成人数相同,并列争夺最后 %(n)d 个席位,须先由加试等方式决定")
                % {"names": names, "n": tally.runoff_seats},
                field="runoff",
            )
        if {c.pk for c in chosen} - tied_ids or len({c.pk for c in chosen}) != tally.runoff_seats:
            raise InvalidInput(_("加试决定须从并列候选人中选定 %(n)d 名") % {"n": tally.runoff_seats}, field="runoff")
        if not text:
            raise InvalidInput(_("请说明加试决定的方式和结果"), field="note")
    if vacate_tied and chosen:
        raise InvalidInput(_("空缺席位与加试决定只能选其一"), field="runoff")
    seats = [ElectedSeat(election=locked, candidate_id=c.candidate_id, rank=c.rank or 0) for c in tally.elected]
    rank = len(seats) + 1
    for candidate in sorted(chosen, key=lambda c: c.pk):
        seats.append(ElectedSeat(election=locked, candidate=candidate, rank=rank, by_runoff=True))
    ElectedSeat.objects.bulk_create(seats)
    locked.status = ElectionStatus.CERTIFIED
    locked.certified_at = timezone.now()
    locked.runoff_note = text
    locked.save(update_fields=["status", "certified_at", "runoff_note"])
    _event(locked, actor, ElectionStatus.CLOSED, ElectionStatus.CERTIFIED, text)
    audit_record(
        action="elections.certified",
        actor=actor,
        target=locked,
        outcome=locked.outcome,
        elected=[s.candidate_id for s in seats],
        runoff=[c.pk for c in chosen],
        vacancies=locked.seats - len(seats),
    )
    return locked


@transaction.atomic
def election_seat(*, actor: Any, election: Election, chair: Candidate | None = None) -> Election:
    """Seat the certified members (就任) in the committee through cobuilding's ``committee_member_add``; a first
    formation registers the new body first (``organisation_register``). ``chair``: the elected member the first
    meeting chose as 主任 (others are 委员)."""
    from linli.cobuilding.models import CommitteeRole
    from linli.cobuilding.services_property import committee_member_add
    from linli.orgs.services import organisation_register

    require_manage(actor, election, _("您的岗位无权办理成员就任"))
    locked = _locked(election)
    _require_status(locked, ElectionStatus.CERTIFIED, message=_("只有结果已确认的选举可以办理就任"))
    seats = list(ElectedSeat.objects.filter(election=locked).select_related("candidate__person").order_by("rank"))
    if not seats:
        raise Conflict(_("本次选举没有当选人,无人就任"))
    if chair is not None and chair.pk not in {s.candidate_id for s in seats}:
        raise InvalidInput(_("主任须为当选人"), field="chair_id")
    place = Place.objects.get(pk=locked.place_id)
    committee = locked.committee
    if committee is None:
        committee = organisation_register(
            actor=actor, kind=locked.body, name=f"{place.name}{Body(locked.body).label}", home=place
        )
        committee.serves.add(place)
    for seat in seats:
        member = committee_member_add(
            actor=actor,
            committee=committee,
            person=seat.candidate.person,
            role=CommitteeRole.CHAIR if chair is not None and seat.candidate_id == chair.pk else CommitteeRole.MEMBER,
            term_starts=locked.term_starts,
            term_ends=locked.term_ends,
            cross_branch=seat.candidate.cross_branch,
        )
        seat.member = member
        seat.save(update_fields=["member"])
    locked.status = ElectionStatus.SEATED
    locked.seated_at = timezone.now()
    locked.committee = committee
    locked.save(update_fields=["status", "seated_at", "committee"])
    _event(locked, actor, ElectionStatus.CERTIFIED, ElectionStatus.SEATED)
    audit_record(action="elections.seated", actor=actor, target=locked, committee=committee.pk, members=len(seats))
    return locked
