"""The electorate, ballots and proxies of an owners' committee election.

- The electorate is frozen when voting opens by deliberation's owner rule (``owner_voters``: one head per exclusive
  part, a sole owner of several flats one head with their areas summed, co-owners one head), called, not copied.
- A ballot approves up to ``seats`` candidates (差额 approval ballot); more is refused, naming the field. One ballot
  per voter is a unique constraint, so two devices racing for the same voter cannot both win (``Conflict``). The
  ballot row never says which candidates: each approval is an ``ElectionMark`` with a random key and no link back.
- Proxies follow deliberation's approach: staff register a written authorisation they have seen
  (``proxy_register``); online, a resident may otherwise cast at most ``ONLINE_PROXIES_MAX`` other voter's ballot on
  an authorisation they type; paper ballots entered by staff carry the proxy and the authorisation.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.audit.services import audit_record
from linli.core.errors import Conflict, Forbidden, InvalidInput
from linli.core.identifiers import parse_id
from linli.core.text import clean_text
from linli.deliberation.services_votes import ONLINE_PROXIES_MAX, proxy_authorisation_check
from linli.elections.models import (
    Candidate,
    Channel,
    Election,
    ElectionBallot,
    ElectionMark,
    ElectionProxy,
    ElectionStatus,
    ElectionVoter,
)
from linli.elections.services import require_manage
from linli.people.models import Person


def freeze_electorate(election: Election) -> int:
    """Write the owners of the compound today as the election's voters (inside ``election_open_voting``)."""
    from linli.deliberation.models import Vote
    from linli.deliberation.services_votes import owner_voters

    # deliberation's rule reads only the place path of the vote it is given; its unsaved Voter rows carry
    # who each head is and their area, copied here into the election's own electorate.
    heads = owner_voters(Vote(place_path=election.place_path), timezone.localdate())
    if not heads:
        raise InvalidInput(_("台账中本小区没有登记产权的业主,无法开始投票"), field="electorate")
    ElectionVoter.objects.bulk_create(
        [
            ElectionVoter(
                election=election,
                person_id=h.person_id,
                household_id=h.household_id,
                label=h.label,
                area_m2=h.area_m2,
            )
            for h in heads
        ],
        batch_size=1000,
    )
    return len(heads)


def own_voter(user: Any, election: Election) -> ElectionVoter | None:
    """The voter the user casts for: themselves, or the flat they co-own (its one ballot)."""
    from linli.deliberation.services_votes import current_ownerships

    person = getattr(user, "person", None) if getattr(user, "is_authenticated", False) else None
    if person is None:
        return None
    mine = ElectionVoter.objects.filter(election=election, person_id=person.pk).first()
    if mine is not None:
        return mine
    flats = current_ownerships(election.place_path, timezone.localdate()).filter(person=person).values("household_id")
    return ElectionVoter.objects.filter(election=election, household_id__in=flats).order_by("id").first()


def clean_choices(election: Election, raw: Iterable[Any] | None) -> list[Candidate]:
    """The candidates a ballot approves: each once, each of this election, at most ``seats`` of them."""
    ids: list[int] = []
    for item in list(raw or []):
        pk = parse_id(item)
        if pk is None:
            raise InvalidInput(_("候选人选择无效"), field="candidate_ids")
        if pk in ids:
            raise InvalidInput(_("同一候选人只能选一次"), field="candidate_ids")
        ids.append(pk)
    if len(ids) > election.seats:
        raise InvalidInput(
            _("本次应选 %(seats)d 名,每张选票最多选 %(seats)d 名候选人,您选了 %(n)d 名")
            % {"seats": election.seats, "n": len(ids)},
            field="candidate_ids",
        )
    found = {c.pk: c for c in Candidate.objects.filter(election=election, pk__in=ids)}
    if len(found) != len(ids):
        raise InvalidInput(_("所选的人不是本次选举的候选人"), field="candidate_ids")
    return [found[pk] for pk in ids]


def _lock_voting(election: Election, refusal: str) -> Election:
    locked = Election.objects.select_for_update().get(pk=election.pk)
    closes = locked.voting_closes_at
    if locked.status != ElectionStatus.VOTING or (closes is not None and timezone.now() >= closes):
        raise Conflict(refusal)
    return locked


def _unregistered_online(election: Election, proxy: Person) -> int:
    registered = ElectionProxy.objects.filter(election=election, proxy=proxy).values("voter_id")
    return (
        ElectionBallot.objects.filter(election=election, proxy=proxy, channel=Channel.ONLINE)
        .exclude(voter_id__in=registered)
        .count()
    )


def _record(
    *,
    election: Election,
    voter: ElectionVoter,
    choices: list[Candidate],
    channel: str,
    actor: Any,
    paper_number: str = "",
    proxy: Person | None = None,
    proxy_authorisation: str = "",
    registered: bool = False,
) -> ElectionBallot:
    _lock_voting(election, _("选举未在投票中,不能投票"))
    if ElectionBallot.objects.filter(election=election, voter=voter).exists():
        raise Conflict(_("该投票人已经投过票"), field="voter_id")
    if (
        channel == Channel.ONLINE
        and proxy is not None
        and not registered
        and _unregistered_online(election, proxy) >= ONLINE_PROXIES_MAX
    ):
        raise Forbidden(
            _("网上代理投票每人限代 %(max)d 位投票人;其余委托请交工作人员核验书面委托书后登记")
            % {"max": ONLINE_PROXIES_MAX},
            field="voter_id",
        )
    if paper_number and ElectionBallot.objects.filter(election=election, paper_number=paper_number).exists():
        raise Conflict(_("纸质票编号 %(n)s 已录入过") % {"n": paper_number}, field="paper_number")
    try:
        with transaction.atomic():
            ballot = ElectionBallot.objects.create(
                election=election,
                voter=voter,
                channel=channel,
                paper_number=paper_number,
                proxy=proxy,
                proxy_authorisation=proxy_authorisation,
                recorded_by=actor,
            )
            ElectionMark.objects.bulk_create(
                [ElectionMark(election=election, candidate=c, area_m2=voter.area_m2) for c in choices]
            )
    except IntegrityError:
        raise Conflict(_("该投票人已经投过票,或纸质票编号重复"), field="voter_id") from None
    # The audit row names the voter and the channel, never the candidates chosen.
    audit_record(action="elections.ballot_recorded", actor=actor, target=election, channel=channel, voter=voter.pk)
    return ballot


@transaction.atomic
def ballot_cast(
    *,
    actor: Any,
    election: Election,
    candidate_ids: Iterable[Any],
    for_voter: ElectionVoter | None = None,
    proxy_authorisation: str = "",
) -> ElectionBallot:
    """An owner votes online, for themselves or (with authorisation) as a proxy."""
    choices = clean_choices(election, candidate_ids)
    mine = own_voter(actor, election)
    if for_voter is None or (mine is not None and for_voter.pk == mine.pk):
        if mine is None:
            raise Forbidden(_("您不在本次选举的投票人名册中"))
        return _record(election=election, voter=mine, choices=choices, channel=Channel.ONLINE, actor=actor)
    if for_voter.election_id != election.pk:
        raise InvalidInput(_("投票人不属于本次选举"), field="voter_id")
    proxy = getattr(actor, "person", None)
    if proxy is None:
        raise Forbidden(_("代理投票须以居民身份登录"))
    _lock_voting(election, _("选举未在投票中,不能投票"))  # before reading the registration: see proxy_withdraw
    registration = ElectionProxy.objects.filter(election=election, voter=for_voter).first()
    if registration is not None and registration.proxy_id != proxy.pk:
        raise Forbidden(_("该投票人已委托他人代理投票"), field="voter_id")
    authorisation = registration.document if registration else proxy_authorisation_check(proxy, proxy_authorisation)
    return _record(
        election=election,
        voter=for_voter,
        choices=choices,
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
    election: Election,
    voter: ElectionVoter,
    candidate_ids: Iterable[Any],
    paper_number: str,
    proxy: Person | None = None,
    proxy_authorisation: str = "",
) -> ElectionBallot:
    """Staff enter a paper ballot under its printed number (unique within the election)."""
    require_manage(actor, election, _("您的岗位无权录入纸质选票"))
    if voter.election_id != election.pk:
        raise InvalidInput(_("投票人不属于本次选举"), field="voter_id")
    number = clean_text(paper_number, field="paper_number", label=_("纸质票编号"), max_length=32)
    choices = clean_choices(election, candidate_ids)
    authorisation = proxy_authorisation_check(proxy, proxy_authorisation)
    return _record(
        election=election,
        voter=voter,
        choices=choices,
        channel=Channel.PAPER,
        actor=actor,
        paper_number=number,
        proxy=proxy,
        proxy_authorisation=authorisation,
    )


@transaction.atomic
def proxy_register(
    *, actor: Any, election: Election, voter: ElectionVoter, proxy: Person, document: str
) -> ElectionProxy:
    """Staff record a written authorisation they have seen: ``proxy`` may cast ``voter``'s ballot online."""
    require_manage(actor, election, _("您的岗位无权登记代理委托"))
    if voter.election_id != election.pk:
        raise InvalidInput(_("投票人不属于本次选举"), field="voter_id")
    text = clean_text(document, field="document", label=_("委托书编号或说明"), max_length=200)
    _lock_voting(election, _("选举未在投票中,不能登记代理委托"))
    if voter.person_id == proxy.pk:
        raise InvalidInput(_("受托人本人即可为该投票人投票,无需登记代理"), field="proxy_id")
    if ElectionBallot.objects.filter(election=election, voter=voter).exists():
        raise Conflict(_("该投票人已经投过票"), field="voter_id")
    if ElectionProxy.objects.filter(election=election, voter=voter).exists():
        raise Conflict(_("该投票人已登记代理委托;如需更换,请先撤销"), field="voter_id")
    registration = ElectionProxy.objects.create(
        election=election, voter=voter, proxy=proxy, document=text, registered_by=actor
    )
    audit_record(action="elections.proxy_registered", actor=actor, target=election, voter=voter.pk, proxy=proxy.pk)
    return registration


@transaction.atomic
def proxy_withdraw(*, actor: Any, registration: ElectionProxy) -> None:
    election = registration.election
    require_manage(actor, election, _("您的岗位无权撤销代理委托"))
    _lock_voting(election, _("选举未在投票中,不能撤销代理委托"))
    if ElectionBallot.objects.filter(election=election, voter_id=registration.voter_id).exists():
        raise Conflict(_("该投票人已经投票,委托不能撤销"), field="voter_id")
    audit_record(
        action="elections.proxy_withdrawn",
        actor=actor,
        target=election,
        voter=registration.voter_id,
        proxy=registration.proxy_id,
    )
    registration.delete()
