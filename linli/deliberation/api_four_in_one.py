"""Deliberation API, “四位一体” (seed 001): community legal advisers (list, record, end), the four parties' presence
at a 四位一体 meeting (list, record, take back) and the figures per community. Mounted under /api/v1/deliberation;
every write is the service the pages call (``services_four_in_one``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import Field

from linli.core.errors import NotFound
from linli.core.pagination import keyset_page
from linli.core.schemas import Day, ErrorOut, PageQuery
from linli.deliberation.models import AdviserKind, FourParty, LegalAdviser, MeetingPartyPresence
from linli.deliberation.selectors import access_meeting
from linli.deliberation.selectors_four_in_one import (
    CommunityFourInOne,
    access_adviser,
    four_in_one_figures,
    meeting_parties,
    visible_advisers,
)
from linli.deliberation.services_four_in_one import (
    adviser_appoint,
    adviser_end,
    party_present_record,
    party_present_remove,
)
from linli.places.models import Place

router = Router(tags=["deliberation"])
ERRORS: dict[int, Any] = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
PARTY_HELP = "四方: " + ", ".join(f"{p.value} ({p.label})" for p in FourParty)


class AdviserIn(Schema):
    community_id: int
    kind: str = Field(..., description="person (律师) or firm (律师事务所)")
    name: str = Field(..., description="1–64 characters")
    firm: str = Field("", description="执业机构, at most 100 characters")
    phone: str = Field("", description="a public office phone (landline with area code, mobile or service number)")
    starts_on: Day
    ends_on: Day | None = Field(None, description="the last day of the engagement; omitted: open-ended")


class AdviserEndIn(Schema):
    ends_on: Day


class AdviserOut(Schema):
    id: int
    community_id: int
    kind: str
    name: str
    firm: str
    phone: str
    starts_on: dt.date
    ends_on: dt.date | None


class AdviserListOut(Schema):
    items: list[AdviserOut]
    next: str | None


class PartyIn(Schema):
    party: str = Field(..., description=PARTY_HELP)
    attendee: str = Field(..., description="who came for the party, 1–64 characters")
    organisation_id: int | None = Field(None, description="the 居委会, 业委会 or 物业服务企业 (not for legal_adviser)")
    adviser_id: int | None = Field(None, description="legal_adviser only: the community's adviser in force that day")


class PartyOut(Schema):
    party: str
    label: str
    present: bool
    organisation_id: int | None
    adviser_id: int | None
    attendee: str


class FourInOneQuery(Schema):
    node: int
    start: Day
    end: Day


class CommunityFourInOneOut(Schema):
    community_id: int
    name: str
    held: int = Field(description="四位一体联席会议 held (minutes recorded) starting in the period")
    all_four: int = Field(description="of those, with all four parties' presence recorded")
    all_four_rate: float | None
    advisers: list[str] = Field(description="legal advisers in force on the period's last day")


class FourInOneOut(Schema):
    node_id: int
    start: dt.date
    end: dt.date
    total: CommunityFourInOneOut
    communities_with_adviser: int
    communities: list[CommunityFourInOneOut]


def adviser_out(a: LegalAdviser) -> AdviserOut:
    return AdviserOut(
        id=a.pk, community_id=a.community_id, kind=a.kind, name=a.name, firm=a.firm, phone=a.phone,
        starts_on=a.starts_on, ends_on=a.ends_on,
    )  # fmt: skip


def _party_out(party: str, label: str, p: MeetingPartyPresence | None) -> PartyOut:
    return PartyOut(
        party=party, label=label, present=p is not None, organisation_id=p.organisation_id if p else None,
        adviser_id=p.adviser_id if p else None, attendee=p.attendee if p else "",
    )  # fmt: skip


def _community_out(c: CommunityFourInOne) -> CommunityFourInOneOut:
    return CommunityFourInOneOut(
        community_id=c.community_id, name=c.name, held=c.held, all_four=c.all_four, all_four_rate=c.all_four_rate,
        advisers=c.advisers,
    )  # fmt: skip


def _place(pk: int, field: str) -> Place:
    place = Place.objects.filter(pk=pk).first()
    if place is None:
        raise NotFound(_("未找到该地点"), field=field)
    return place


@router.get(
    "/legal-advisers",
    response={200: AdviserListOut, 422: ErrorOut},
    operation_id="deliberation_legal_advisers_list",
    summary="社区法律顾问: staff see those under their nodes, a resident their community's",
)
def advisers_list(request: HttpRequest, page: Query[PageQuery]) -> AdviserListOut:
    result = keyset_page(visible_advisers(request.user), key="id", cursor=page.cursor, limit=page.limit)
    return AdviserListOut(items=[adviser_out(a) for a in result.items], next=result.next)


@router.post(
    "/legal-advisers",
    response={201: AdviserOut, **ERRORS},
    operation_id="deliberation_legal_advisers_create",
    summary="Record a community's 法律顾问 (community managers); retries with the same Idempotency-Key record one",
)
def advisers_create(request: HttpRequest, payload: AdviserIn) -> Status[AdviserOut]:
    adviser = adviser_appoint(
        actor=request.user,
        community=_place(payload.community_id, "community_id"),
        kind=payload.kind if payload.kind in AdviserKind.values else "",
        name=payload.name,
        firm=payload.firm,
        phone=payload.phone,
        starts_on=payload.starts_on,
        ends_on=payload.ends_on,
        idempotency_key=request.headers.get("Idempotency-Key", ""),
    )
    return Status(201, adviser_out(adviser))


@router.post(
    "/legal-advisers/{adviser_id}/end",
    response={200: AdviserOut, **ERRORS},
    operation_id="deliberation_legal_advisers_end",
    summary="End an engagement on its last day (community managers); audited",
)
def advisers_end(request: HttpRequest, adviser_id: int, payload: AdviserEndIn) -> AdviserOut:
    adviser = adviser_end(actor=request.user, adviser=access_adviser(request.user, adviser_id), ends_on=payload.ends_on)
    return adviser_out(adviser)


@router.get(
    "/meetings/{meeting_id}/parties",
    response={200: list[PartyOut], 404: ErrorOut},
    operation_id="deliberation_meeting_parties_list",
    summary="The four parties of a 四位一体 meeting, each with its recorded presence",
)
def parties_list(request: HttpRequest, meeting_id: int) -> list[PartyOut]:
    meeting = access_meeting(request.user, meeting_id)
    return [_party_out(r.party, r.label, r.presence) for r in meeting_parties(meeting)]


@router.post(
    "/meetings/{meeting_id}/parties",
    response={201: PartyOut, **ERRORS},
    operation_id="deliberation_meeting_parties_record",
    summary="Record that a party came to a 四位一体 meeting (managers of its node); once per party (409); audited",
)
def parties_record(request: HttpRequest, meeting_id: int, payload: PartyIn) -> Status[PartyOut]:
    meeting = access_meeting(request.user, meeting_id)
    row = party_present_record(
        actor=request.user,
        meeting=meeting,
        party=payload.party,
        attendee=payload.attendee,
        organisation_id=payload.organisation_id,
        adviser_id=payload.adviser_id,
    )
    return Status(201, _party_out(row.party, str(FourParty(row.party).label), row))


@router.delete(
    "/meetings/{meeting_id}/parties/{party}",
    response={204: None, **ERRORS},
    operation_id="deliberation_meeting_parties_remove",
    summary="Take back a mistaken record of a party's presence (managers of the meeting's node); audited",
)
def parties_remove(request: HttpRequest, meeting_id: int, party: str) -> Status[None]:
    party_present_remove(actor=request.user, meeting=access_meeting(request.user, meeting_id), party=party)
    return Status(204, None)


@router.get(
    "/four-in-one",
    response={200: FourInOneOut, 404: ErrorOut, 422: ErrorOut},
    operation_id="deliberation_four_in_one_figures",
    summary="四位一体 under a node: joint meetings held, those with all four parties, advisers — per community",
)
def four_in_one(request: HttpRequest, q: Query[FourInOneQuery]) -> FourInOneOut:
    f = four_in_one_figures(request.user, node=_place(q.node, "node"), start=q.start, end=q.end)
    return FourInOneOut(
        node_id=f.node.pk, start=f.start, end=f.end, total=_community_out(f.total),
        communities_with_adviser=f.communities_with_adviser, communities=[_community_out(c) for c in f.communities],
    )  # fmt: skip
