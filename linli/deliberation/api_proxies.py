"""Proxy registrations for votes: staff record a written authorisation (委托书) they have seen; the
registered person casts that voter's ballot online (``POST /votes/{id}/ballots`` with ``voter_id``)."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.responses import Status
from pydantic import Field

from linli.core.errors import Forbidden, InvalidInput
from linli.core.schemas import ErrorOut
from linli.deliberation.models import Ballot, ProxyRegistration, Vote
from linli.deliberation.permissions import may
from linli.deliberation.selectors import (
    access_proxy_person,
    access_proxy_registration,
    access_vote,
    access_voter,
    proxy_duties,
)
from linli.deliberation.services_votes import proxy_register, proxy_withdraw
from linli.people.selectors import access_person_by_id_number

router = Router(tags=["deliberation"])
ERRORS = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class ProxyRegistrationIn(Schema):
    voter_id: int
    proxy_person_id: int | None = Field(None, description="the proxy's ledger record; or give proxy_id_number")
    proxy_id_number: str | None = Field(None, max_length=24, description="the proxy's ID number, as on the 委托书")
    document: str = Field(..., max_length=200, description="the authorisation's number or a description")


class ProxyRegistrationOut(Schema):
    id: int
    vote_id: int
    voter_id: int
    voter_label: str
    proxy_person_id: int
    proxy_name: str
    document: str
    registered_at: dt.datetime
    voted: bool


class ProxyRegistrationListOut(Schema):
    items: list[ProxyRegistrationOut]


class ProxyDutyOut(Schema):
    voter_id: int
    voter_label: str


class ProxyDutyListOut(Schema):
    items: list[ProxyDutyOut]


def _out(r: ProxyRegistration, voted: set[int]) -> ProxyRegistrationOut:
    return ProxyRegistrationOut(
        id=r.pk,
        vote_id=r.vote_id,
        voter_id=r.voter_id,
        voter_label=r.voter.label,
        proxy_person_id=r.proxy_id,
        proxy_name=r.proxy.name,
        document=r.document,
        registered_at=r.registered_at,
        voted=r.voter_id in voted,
    )


def _require_manage(request: HttpRequest, vote: Vote) -> None:
    if not may(request.user, vote.place_path, "manage"):
        raise Forbidden(_("您的岗位无权查看或登记代理委托"))


@router.get(
    "/votes/{vote_id}/proxies",
    response={200: ProxyRegistrationListOut, **ERRORS},
    operation_id="deliberation_proxies_list",
    summary="Staff: the vote's proxy registrations",
)
def proxies_list(request: HttpRequest, vote_id: int) -> ProxyRegistrationListOut:
    vote = access_vote(request.user, vote_id)
    _require_manage(request, vote)
    rows = ProxyRegistration.objects.filter(vote=vote).select_related("voter", "proxy").order_by("id")
    voted = set(Ballot.objects.filter(vote=vote).values_list("voter_id", flat=True))
    return ProxyRegistrationListOut(items=[_out(r, voted) for r in rows])


@router.post(
    "/votes/{vote_id}/proxies",
    response={201: ProxyRegistrationOut, **ERRORS},
    operation_id="deliberation_proxies_register",
    summary="Staff: register a written proxy authorisation they have seen",
)
def proxies_register(request: HttpRequest, vote_id: int, payload: ProxyRegistrationIn) -> Status[ProxyRegistrationOut]:
    vote = access_vote(request.user, vote_id)
    _require_manage(request, vote)
    if (payload.proxy_person_id is None) == (payload.proxy_id_number is None):
        raise InvalidInput(_("请给出受托人的台账编号或身份证号(二选一)"), field="proxy_person_id")
    if payload.proxy_person_id is not None:
        proxy = access_proxy_person(request.user, payload.proxy_person_id)
    else:
        proxy = access_person_by_id_number(request.user, payload.proxy_id_number or "", field="proxy_id_number")
    registration = proxy_register(
        actor=request.user,
        vote=vote,
        voter=access_voter(vote, payload.voter_id),
        proxy=proxy,
        document=payload.document,
    )
    return Status(201, _out(registration, set()))


@router.delete(
    "/votes/{vote_id}/proxies/{registration_id}",
    response={204: None, **ERRORS},
    operation_id="deliberation_proxies_withdraw",
    summary="Staff: withdraw a registration before the voter has voted",
)
def proxies_withdraw(request: HttpRequest, vote_id: int, registration_id: int) -> Status[None]:
    vote = access_vote(request.user, vote_id)
    _require_manage(request, vote)
    proxy_withdraw(actor=request.user, registration=access_proxy_registration(vote, registration_id))
    return Status(204, None)


@router.get(
    "/votes/{vote_id}/proxy-duties",
    response={200: ProxyDutyListOut, **ERRORS},
    operation_id="deliberation_proxy_duties",
    summary="The voters whose registered proxy the caller is and who have not voted yet",
)
def proxy_duties_list(request: HttpRequest, vote_id: int) -> ProxyDutyListOut:
    vote = access_vote(request.user, vote_id)
    return ProxyDutyListOut(
        items=[ProxyDutyOut(voter_id=v.pk, voter_label=v.label) for v in proxy_duties(request.user, vote)]
    )
