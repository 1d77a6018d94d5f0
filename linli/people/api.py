"""Resident ledger API: scoped search, one resident (masked), an audited reveal, a household."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from linli.core.schemas import ErrorOut
from linli.people.models import Person
from linli.people.selectors import (
    LedgerFilter,
    access_household,
    access_person,
    household_detail,
    person_detail,
    search_ledger,
)
from linli.people.services import person_reveal

router = Router(tags=["people"])


class TagOut(Schema):
    id: int
    name: str
    sensitive: bool


class ResidentOut(Schema):
    id: int
    name: str
    gender: str
    birth_date: dt.date | None
    id_number_masked: str
    phone_masked: str
    place_id: int
    address: str
    household_id: int | None
    room: str | None
    relation_to_head: str
    residence_type: str
    moved_out_on: dt.date | None
    tags: list[TagOut]


class ResidenceOut(Schema):
    address: str
    room: str | None
    residence_type: str
    moved_in_on: dt.date | None
    moved_out_on: dt.date | None
    source: str


class OwnershipOut(Schema):
    person_id: int
    household_id: int
    area_m2: Decimal
    share: Decimal


class ResidentDetailOut(ResidentOut):
    political_status: str
    workplace: str
    notes: str
    other_phones_masked: list[str]
    residences: list[ResidenceOut]
    ownerships: list[OwnershipOut]
    may_reveal: bool


class ResidentListOut(Schema):
    items: list[ResidentOut]
    next: str | None


class ResidentFilter(Schema):
    q: str = Field("", description="姓名的一部分,或完整身份证号/手机号(按密钥哈希精确匹配)")
    tag: int | None = None
    building: int | None = None
    residence_type: str = Field("", description="registered / resident / floating / nominal")
    include_moved_out: bool = False
    cursor: str | None = None
    limit: int = 50


class RevealIn(Schema):
    reason: str = Field(..., min_length=1, max_length=500, description="查看完整号码的原因,写入审计日志")


class RevealOut(Schema):
    id: int
    id_number: str
    phone: str
    other_phones: list[str]


class HouseholdOut(Schema):
    id: int
    room: str
    place_id: int
    address: str
    area_m2: Decimal | None
    members: list[ResidentOut]
    tags: list[TagOut]
    ownerships: list[OwnershipOut]


def _resident(p: Person) -> ResidentOut:
    return ResidentOut(
        id=p.pk,
        name=p.name,
        gender=p.gender,
        birth_date=p.birth_date,
        id_number_masked=p.id_number_masked,
        phone_masked=p.phone_masked,
        place_id=p.place_id,
        address=p.place.name,
        household_id=p.household_id,
        room=p.household.room if p.household else None,
        relation_to_head=p.relation_to_head,
        residence_type=p.residence_type,
        moved_out_on=p.moved_out_on,
        tags=[TagOut(id=t.pk, name=t.name, sensitive=t.sensitive) for t in p.visible_tags],  # type: ignore[attr-defined]
    )


@router.get(
    "/residents",
    response={200: ResidentListOut, 422: ErrorOut},
    operation_id="residents_list",
    summary="Search the resident ledger (scoped, masked, keyset-paginated)",
)
def residents_list(request: HttpRequest, filters: Query[ResidentFilter]) -> ResidentListOut:
    page = search_ledger(
        request.user,
        LedgerFilter(
            q=filters.q,
            tag=filters.tag,
            building=filters.building,
            residence_type=filters.residence_type,
            include_moved_out=filters.include_moved_out,
        ),
        cursor=filters.cursor,
        limit=filters.limit,
    )
    return ResidentListOut(items=[_resident(p) for p in page.items], next=page.next)


@router.get(
    "/residents/{resident_id}",
    response={200: ResidentDetailOut, 404: ErrorOut},
    operation_id="residents_read",
    summary="One resident, identifiers masked",
)
def residents_read(request: HttpRequest, resident_id: int) -> ResidentDetailOut:
    person = access_person(request.user, resident_id)
    detail = person_detail(request.user, person)
    return ResidentDetailOut(
        **_resident(person).dict(),
        political_status=person.political_status,
        workplace=person.workplace,
        notes=person.notes,
        other_phones_masked=[p.phone_masked for p in person.extra_phones.all()],
        residences=[
            ResidenceOut(
                address=r.place.name,
                room=r.household.room if r.household else None,
                residence_type=r.residence_type,
                moved_in_on=r.moved_in_on,
                moved_out_on=r.moved_out_on,
                source=r.source,
            )
            for r in detail.residences
        ],
        ownerships=[
            OwnershipOut(person_id=o.person_id, household_id=o.household_id, area_m2=o.area_m2, share=o.share)
            for o in detail.ownerships
        ],
        may_reveal="reveal" in detail.capabilities,
    )


@router.post(
    "/residents/{resident_id}/reveal",
    response={200: RevealOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    operation_id="residents_reveal",
    summary="Reveal full ID and phone numbers, with a reason (audited as resident.reveal)",
)
def residents_reveal(request: HttpRequest, resident_id: int, payload: RevealIn) -> RevealOut:
    person = access_person(request.user, resident_id)
    revealed = person_reveal(actor=request.user, person=person, reason=payload.reason, request=request)
    return RevealOut(
        id=person.pk,
        id_number=revealed.id_number,
        phone=revealed.phone,
        other_phones=[phone for _label, phone in revealed.extra_phones],
    )


@router.get(
    "/households/{household_id}",
    response={200: HouseholdOut, 404: ErrorOut},
    operation_id="households_read",
    summary="A household: members you may see, their visible tags, ownerships",
)
def households_read(request: HttpRequest, household_id: int) -> HouseholdOut:
    household = access_household(request.user, household_id)
    detail = household_detail(request.user, household)
    return HouseholdOut(
        id=household.pk,
        room=household.room,
        place_id=household.place_id,
        address=household.place.name,
        area_m2=household.area_m2,
        members=[_resident(p) for p in detail.members],
        tags=[TagOut(id=t.pk, name=t.name, sensitive=t.sensitive) for t in detail.tags],
        ownerships=[
            OwnershipOut(person_id=o.person_id, household_id=o.household_id, area_m2=o.area_m2, share=o.share)
            for o in detail.ownerships
        ],
    )


# Endpoints for the rest of the pages' actions register on this same router (one path, many methods):
from linli.people import api_ledger  # noqa: E402, F401
