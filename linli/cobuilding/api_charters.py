"""小区规章制度 API (/api/v1/co-building/charters, mounted beside ``api.py``): the register of each compound's
rules documents (管理规约, 文明公约 …) and the figure "compounds whose 管理规约 in force writes in the party's
leadership".

Reads: staff holding manage, handle or lead at the compound or above; residents of the compound read its charters
in force. Anyone else gets the 404 of a missing id. Writes: staff who manage the compound, through
``services_charters``, which check the input and name the field in Chinese (422). The document (PDF, JPEG or PNG)
is uploaded on the page only; the API records the charter without it and says whether one is attached.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import Field

from linli.cobuilding import selectors_charters as sel
from linli.cobuilding import services_charters as svc
from linli.cobuilding.models import CompoundCharter
from linli.cobuilding.selectors_charters import CharterCounts
from linli.core.schemas import Day, ErrorOut, PageQuery

router = Router(tags=["cobuilding"])
ERRORS: dict[int, Any] = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class CobuildingCharterOut(Schema):
    id: int
    compound_id: int
    compound_name: str
    kind: str = Field(..., description="management_covenant, civility_pact, assembly_rules, committee_rules or other")
    kind_label: str
    title: str
    adopted_on: dt.date
    adopted_how: str = Field(..., description="owners_assembly, residents_meeting, committee or other")
    adopted_how_label: str
    party_leadership: bool = Field(..., description="写入党的领导: the document writes in the party's leadership")
    summary: str
    has_document: bool
    document_url: str | None = Field(None, description="the page that serves the document (signed-in session)")
    status: str = Field(..., description="in_force (现行), superseded (已被新版取代) or repealed (已废止)")
    status_label: str
    superseded_by_id: int | None
    repealed_on: dt.date | None
    repeal_reason: str
    recorded_at: dt.datetime


class CobuildingCharterListOut(Schema):
    items: list[CobuildingCharterOut]
    next: str | None


class CobuildingCharterFilter(PageQuery):
    kind: str | None = Field(None, description="one of the kinds")
    status: str | None = Field(None, description="in_force, superseded or repealed")
    compound_id: int | None = None


class CobuildingCharterIn(Schema):
    compound_id: int
    kind: str = Field(..., description="management_covenant, civility_pact, assembly_rules, committee_rules or other")
    title: str = Field(..., description="1–100 characters")
    adopted_on: Day = Field(..., description="not in the future")
    adopted_how: str = Field(..., description="owners_assembly, residents_meeting, committee or other")
    party_leadership: bool
    summary: str = Field("", description="0–2000 characters")


class CobuildingCharterRepealIn(Schema):
    reason: str = Field(..., description="1–200 characters")
    repealed_on: Day | None = Field(None, description="default today; not in the future, not before adoption")


class CobuildingCharterFiguresQuery(Schema):
    place_id: int = Field(..., description="a district, street, community or compound")


class CobuildingCharterCountsOut(Schema):
    compounds: int
    with_covenant: int = Field(..., description="compounds with a 管理规约 in force")
    with_party_leadership: int = Field(..., description="… whose 管理规约 in force writes in the party's leadership")
    with_civility_pact: int = Field(..., description="compounds with a 文明公约 in force")
    rate: Decimal | None = Field(..., description="with_party_leadership ÷ compounds, percent; null without compounds")


class CobuildingCharterCommunityOut(CobuildingCharterCountsOut):
    community_id: int
    community_name: str


class CobuildingCharterFiguresOut(CobuildingCharterCountsOut):
    place_id: int
    place_name: str
    communities: list[CobuildingCharterCommunityOut]


def charter_out(c: CompoundCharter) -> CobuildingCharterOut:
    has_document = bool(c.document)
    return CobuildingCharterOut(
        id=c.pk, compound_id=c.compound_id, compound_name=c.compound.name, kind=c.kind,
        kind_label=c.get_kind_display(), title=c.title, adopted_on=c.adopted_on, adopted_how=c.adopted_how,
        adopted_how_label=c.get_adopted_how_display(), party_leadership=c.party_leadership, summary=c.summary,
        has_document=has_document,
        document_url=reverse("cobuilding:charter_document", args=[c.pk]) if has_document else None,
        status=c.status, status_label=c.get_status_display(), superseded_by_id=c.superseded_by_id,
        repealed_on=c.repealed_on, repeal_reason=c.repeal_reason, recorded_at=c.recorded_at,
    )  # fmt: skip


def _counts(c: CharterCounts) -> dict[str, Any]:
    return {
        "compounds": c.compounds,
        "with_covenant": c.with_covenant,
        "with_party_leadership": c.with_party_leadership,
        "with_civility_pact": c.with_civility_pact,
        "rate": c.rate,
    }


@router.get(
    "/charters",
    response={200: CobuildingCharterListOut, 422: ErrorOut},
    operation_id="cobuilding_charters_list",
    summary="小区规章制度 the caller reads, newest first, filtered by kind, status and compound",
)
def charters_list(request: HttpRequest, filters: Query[CobuildingCharterFilter]) -> CobuildingCharterListOut:
    page = sel.charter_page(
        request.user, kind=filters.kind, status=filters.status, compound_id=filters.compound_id,
        cursor=filters.cursor, limit=filters.limit,
    )  # fmt: skip
    return CobuildingCharterListOut(items=[charter_out(c) for c in page.items], next=page.next)


@router.get(
    "/charters/figures",
    response={200: CobuildingCharterFiguresOut, 404: ErrorOut, 422: ErrorOut},
    operation_id="cobuilding_charters_figures",
    summary="Compounds under a place with a 管理规约 in force, writing in the party's leadership, with a 文明公约; "
    "per community",
)
def charters_figures(request: HttpRequest, q: Query[CobuildingCharterFiguresQuery]) -> CobuildingCharterFiguresOut:
    node = sel.figures_node(request.user, q.place_id, field="place_id")
    f = sel.charter_figures(node)
    return CobuildingCharterFiguresOut(
        place_id=node.pk,
        place_name=node.name,
        **_counts(f),
        communities=[
            CobuildingCharterCommunityOut(
                community_id=r.community.pk if r.community else 0,
                community_name=r.community.name if r.community else "",
                **_counts(r),
            )
            for r in f.rows
        ],
    )


@router.get(
    "/charters/{charter_id}",
    response={200: CobuildingCharterOut, 404: ErrorOut},
    operation_id="cobuilding_charters_read",
    summary="One 小区规章制度; 404 alike for one outside the caller's reach and one that does not exist",
)
def charters_read(request: HttpRequest, charter_id: int) -> CobuildingCharterOut:
    return charter_out(sel.access_charter(request.user, charter_id))


@router.post(
    "/charters",
    response={200: CobuildingCharterOut, 201: CobuildingCharterOut, **ERRORS},
    operation_id="cobuilding_charters_record",
    summary="登记 a compound's rules document (no file: upload the document on the page); it supersedes the one of "
    "its kind in force. The same one again is answered 200 with the first; the same title and date with other "
    "content is 409",
)
def charters_record(request: HttpRequest, payload: CobuildingCharterIn) -> Status[CobuildingCharterOut]:
    charter, created = svc.charter_record(
        actor=request.user, compound_id=payload.compound_id, kind=payload.kind, title=payload.title,
        adopted_on=payload.adopted_on, adopted_how=payload.adopted_how, party_leadership=payload.party_leadership,
        summary=payload.summary,
    )  # fmt: skip
    return Status(201 if created else 200, charter_out(sel.access_charter(request.user, charter.pk)))


@router.post(
    "/charters/{charter_id}/repeal",
    response={200: CobuildingCharterOut, **ERRORS},
    operation_id="cobuilding_charters_repeal",
    summary="废止 a charter in force with a reason and a date; it stays on the register; audited",
)
def charters_repeal(request: HttpRequest, charter_id: int, payload: CobuildingCharterRepealIn) -> CobuildingCharterOut:
    svc.charter_repeal(
        actor=request.user, charter_id=charter_id, reason=payload.reason, repealed_on=payload.repealed_on
    )
    return charter_out(sel.access_charter(request.user, charter_id))
