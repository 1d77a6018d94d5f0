"""Venues under /api/v1/venues/: list and read them (public fields), their free and busy times, set one up or
change it, and the figures. Bookings are ``api_bookings``.

A public venue is read by any signed-in caller; an internal one by those who work at, above or below its place
and by its owning unit's liaison; anyone else gets the 404 of a missing id. Changes need ``manage`` at the place
(or being the owning unit's liaison, for an existing venue). Texts, times and choices are checked by the services,
so a refusal names the field in Chinese (422).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import Field

from linli.core.errors import InvalidInput
from linli.core.pagination import keyset_page
from linli.core.schemas import Day, ErrorOut, PageQuery
from linli.core.scoping import get_or_not_found
from linli.places.models import Place
from linli.venues import selectors as sel
from linli.venues import services as vs
from linli.venues.models import Purpose, Venue, VenueStatus, VenueType
from linli.venues.opening import hm, weekly_windows
from linli.venues.permissions import OWNER_KINDS, may_manage_venue

router = Router(tags=["venues"])
ERRORS: dict[int, Any] = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
PURPOSES = ", ".join(f"{v} ({label})" for v, label in Purpose.choices)
TYPES = "场地类型: " + ", ".join(f"{v} ({label})" for v, label in VenueType.choices)


class VenueOut(Schema):
    id: int
    place_id: int
    place_name: str
    name: str
    kind: str = Field(description=TYPES)
    kind_label: str
    owner_name: str = Field(description="the unit opening the venue (双向开放), or the place itself")
    organisation_id: int | None = Field(description="the partner unit, social organisation or department, if any")
    partner_owned: bool
    address: str
    capacity: int
    facilities: list[str]
    purposes: list[str] = Field(description=PURPOSES)
    hours: list[str | None] = Field(description="Monday first: 'HH:MM–HH:MM', or null when closed that weekday")
    open_on_holidays: bool = Field(description="false: closed on statutory holidays (the official calendar)")
    slot_minutes: int
    max_hours: int
    days_ahead: int
    requires_approval: bool
    max_per_person: int = Field(description="bookings not yet begun one person may hold at this venue")
    public: bool
    contact_phone: str = Field(description="the venue's office line (public)")
    notice: str
    status: str = Field(description=", ".join(f"{v} ({label})" for v, label in VenueStatus.choices))
    may_manage: bool


class VenueListOut(Schema):
    items: list[VenueOut]
    next: str | None


class VenueListQuery(PageQuery):
    place_id: int | None = Field(None, description="venues under this street, community or compound")
    purpose: str | None = Field(None, description=PURPOSES)
    kind: str | None = Field(None, description=TYPES)
    min_capacity: int | None = Field(None, ge=1, le=30000, description="at least this many people")


class VenueWindowIn(Schema):
    opens: str = Field("", description="HH:MM on a half hour; blank both: closed that day")
    closes: str = Field("", description="HH:MM on a half hour (24:00 allowed)")


class VenueIn(Schema):
    name: str = Field(description="up to 60 characters, unique at its place")
    kind: str | None = Field(None, description=TYPES + "; omitted: other (其他) for a new venue, unchanged on update")
    capacity: int
    purposes: list[str] = Field(description=PURPOSES)
    hours: list[VenueWindowIn] = Field(description="seven windows, Monday first")
    organisation_id: int | None = Field(None, description="a unit opening its venue (双向开放); none: the place's own")
    address: str = ""
    facilities: list[str] = Field(default_factory=list, description="投影, 音响, 桌椅 …")
    open_on_holidays: bool = False
    slot_minutes: int = Field(30, description="30 or 60")
    max_hours: int = Field(4, description="the longest booking, 1–12 hours")
    days_ahead: int = Field(14, description="how many days ahead one may book, 1–60")
    requires_approval: bool = True
    max_per_person: int = Field(3, description="1–20")
    public: bool = True
    contact_phone: str = ""
    notice: str = Field("", description="使用须知, up to 500 characters")


class VenueCreateIn(VenueIn):
    place_id: int = Field(description="a street, community or compound you manage")


class VenueUpdateIn(VenueIn):
    status: str | None = Field(None, description="active (开放) or suspended (暂停开放); none: unchanged")


def venue_out(request: HttpRequest, v: Venue) -> VenueOut:
    return VenueOut(
        id=v.pk,
        place_id=v.place_id,
        place_name=v.place.name,
        name=v.name,
        kind=v.kind,
        kind_label=v.kind_label,
        owner_name=v.owner_name,
        organisation_id=v.organisation_id,
        partner_owned=v.partner_owned,
        address=v.address,
        capacity=v.capacity,
        facilities=list(v.facilities),
        purposes=v.purpose_list,
        hours=[f"{hm(w.opens)}–{hm(w.closes)}" if w else None for w in weekly_windows(v.weekly_hours)],
        open_on_holidays=v.open_on_holidays,
        slot_minutes=v.slot_minutes,
        max_hours=v.max_hours,
        days_ahead=v.days_ahead,
        requires_approval=v.requires_approval,
        max_per_person=v.max_per_person,
        public=v.public,
        contact_phone=v.contact_phone,
        notice=v.notice,
        status=v.status,
        may_manage=may_manage_venue(request.user, v),
    )


def _fields(payload: VenueIn) -> vs.VenueFields:
    from linli.orgs.models import Organisation

    owner = None
    if payload.organisation_id is not None:
        owner = get_or_not_found(
            Organisation.objects.filter(kind__in=OWNER_KINDS), payload.organisation_id, field="organisation_id"
        )
    return vs.VenueFields(
        name=payload.name,
        capacity=payload.capacity,
        purposes=payload.purposes,
        hours=[(w.opens, w.closes) for w in payload.hours],
        organisation=owner,
        address=payload.address,
        facilities=payload.facilities,
        open_on_holidays=payload.open_on_holidays,
        slot_minutes=payload.slot_minutes,
        max_hours=payload.max_hours,
        days_ahead=payload.days_ahead,
        requires_approval=payload.requires_approval,
        max_per_person=payload.max_per_person,
        public=payload.public,
        contact_phone=payload.contact_phone,
        notice=payload.notice,
        kind=payload.kind,
    )


@router.get(
    "",
    response={200: VenueListOut, 404: ErrorOut, 422: ErrorOut},
    operation_id="venues_list",
    summary="Active venues you may see (public ones, and internal ones of your place), by id (keyset pages)",
)
def venues_list(request: HttpRequest, filters: Query[VenueListQuery]) -> VenueListOut:
    qs = sel.visible_venues(request.user).filter(status=VenueStatus.ACTIVE)
    if filters.place_id is not None:
        node = sel.public_node(filters.place_id, field="place_id")
        qs = sel.listed_venues(
            request.user, node, purpose=filters.purpose or "", capacity=filters.min_capacity, kind=filters.kind or ""
        )
    else:
        if filters.kind:
            qs = qs.filter(kind=vs.venue_type(filters.kind))
        if filters.purpose:
            if filters.purpose not in Purpose.values:
                raise InvalidInput(_("请选择活动类别"), field="purpose")
            qs = qs.filter(purposes__contains=f",{filters.purpose},")
        if filters.min_capacity is not None:
            qs = qs.filter(capacity__gte=filters.min_capacity)
    page = keyset_page(qs.select_related("place", "organisation"), key="id", cursor=filters.cursor, limit=filters.limit)
    return VenueListOut(items=[venue_out(request, v) for v in page.items], next=page.next)


@router.post(
    "",
    response={200: VenueOut, 201: VenueOut, **ERRORS},
    operation_id="venues_create",
    summary="Set up a venue at a place you manage (201); an Idempotency-Key retry answers 200 with the first",
)
def venues_create(request: HttpRequest, payload: VenueCreateIn) -> Status[VenueOut]:
    place = get_or_not_found(Place.objects.all(), payload.place_id, field="place_id")
    item, created = vs.venue_create(
        actor=request.user,
        place=place,
        fields=_fields(payload),
        idempotency_key=request.headers.get("Idempotency-Key", ""),
    )
    return Status(201 if created else 200, venue_out(request, sel.access_venue(request.user, item.pk)))


class VenuePurposeCountOut(Schema):
    purpose: str
    label: str
    bookings: int


class VenueTypeCountOut(Schema):
    kind: str
    label: str
    places: int = Field(description="distinct places with a venue of this type (党群服务中心4个 counts centres)")
    venues: int = Field(description="venues of this type under the place now, whatever their state")


class VenueOwnerKindCountOut(Schema):
    kind: str = Field(description="kind of unit: partner_unit (共建单位), social_org (社会组织), department (职能部门)")
    label: str
    units: int = Field(description="distinct units of this kind with at least one venue counted in partner_open")
    venues: int = Field(description="those units' venues counted in partner_open")


class VenueUsageOut(Schema):
    venue_id: int
    name: str
    kind: str
    partner_owned: bool
    approved: int
    no_show: int
    hours_booked: float
    open_hours: float
    utilisation: float | None
    attendees: int


class VenueFiguresOut(Schema):
    place_id: int
    since: dt.date
    until: dt.date
    venues_open: int = Field(description="active public venues under the place now")
    partner_open: int = Field(description="of which opened by a unit (双向开放场所数)")
    partner_units: int = Field(
        description="distinct units (organisations) with at least one venue counted in partner_open (双向开放单位数)"
    )
    partner_units_by_kind: list[VenueOwnerKindCountOut] = Field(
        description="partner_units by kind of unit (kinds with none left out)"
    )
    approved: int = Field(description="bookings on a day of the period that got the venue (approved, incl. no-shows)")
    hours_booked: float = Field(description="their hours")
    open_hours: float = Field(description="opening hours of every venue under the place in the period")
    utilisation: float | None = Field(description="hours_booked / open_hours; null when no hours were open")
    attendees: int = Field(description="expected attendees of those bookings")
    no_show: int
    no_show_rate: float | None = Field(description="no-shows / those bookings that have ended; null when none")
    pending: int = Field(description="requests waiting for approval now (not yet begun)")
    expired: int = Field(description="requests of the period nobody decided before they began (逾期未审核)")
    by_purpose: list[VenuePurposeCountOut]
    by_type: list[VenueTypeCountOut] = Field(description="every 场地类型, also those with none")
    venues: list[VenueUsageOut]


class VenueFiguresQuery(Schema):
    place_id: int = Field(description="a place you manage or lead")
    since: Day | None = Field(None, description="default the 1st of this month")
    until: Day | None = Field(None, description="default today")


@router.get(
    "/figures",
    response={200: VenueFiguresOut, 404: ErrorOut, 422: ErrorOut},
    operation_id="venues_figures_read",
    summary="Venues open and by type, bookings, hours, utilisation, attendees, purposes and no-shows under a place",
)
def venues_figures_read(request: HttpRequest, filters: Query[VenueFiguresQuery]) -> VenueFiguresOut:
    node = get_or_not_found(Place.objects.all(), filters.place_id, field="place_id")
    first, last = sel.default_period()
    f = sel.figures(request.user, node, filters.since or first, filters.until or last)
    return VenueFiguresOut(
        place_id=node.pk,
        since=f.since,
        until=f.until,
        venues_open=f.venues_open,
        partner_open=f.partner_open,
        partner_units=f.partner_units,
        partner_units_by_kind=[
            VenueOwnerKindCountOut(kind=k.kind, label=k.label, units=k.units, venues=k.venues)
            for k in f.partner_units_by_kind
        ],
        approved=f.approved,
        hours_booked=f.hours_booked,
        open_hours=f.open_hours,
        utilisation=f.utilisation,
        attendees=f.attendees,
        no_show=f.no_show,
        no_show_rate=f.no_show_rate,
        pending=f.pending,
        expired=f.expired,
        by_purpose=[VenuePurposeCountOut(purpose=c, label=label, bookings=n) for c, label, n in f.by_purpose],
        by_type=[VenueTypeCountOut(kind=t.kind, label=t.label, places=t.places, venues=t.venues) for t in f.by_type],
        venues=[
            VenueUsageOut(
                venue_id=r.venue.pk,
                name=r.venue.name,
                kind=r.venue.kind,
                partner_owned=r.venue.partner_owned,
                approved=r.approved,
                no_show=r.no_show,
                hours_booked=r.hours_booked,
                open_hours=r.open_hours,
                utilisation=r.utilisation,
                attendees=r.attendees,
            )
            for r in f.venues
        ],
    )


@router.get(
    "/{venue_id}",
    response={200: VenueOut, 404: ErrorOut},
    operation_id="venues_read",
    summary="One venue: what it is, its hours and booking rules (no personal data)",
)
def venues_read(request: HttpRequest, venue_id: int) -> VenueOut:
    return venue_out(request, sel.access_venue(request.user, venue_id))


@router.put(
    "/{venue_id}",
    response={200: VenueOut, **ERRORS},
    operation_id="venues_update",
    summary="Rewrite a venue you manage (every field as given), and suspend or reopen it; unchanged records nothing",
)
def venues_update(request: HttpRequest, venue_id: int, payload: VenueUpdateIn) -> VenueOut:
    item = sel.access_managed_venue(request.user, venue_id)
    vs.venue_update(actor=request.user, venue=item, fields=_fields(payload), status=payload.status)
    return venue_out(request, sel.access_venue(request.user, venue_id))


class VenueBandOut(Schema):
    start: str = Field(description="HH:MM")
    end: str = Field(description="HH:MM (24:00: midnight)")
    state: str = Field(description="free (可预约), busy (已预约) or past (已过)")
    title: str = Field(description="an approved booking's title, when its booker made it public; else empty")


class VenueDayOut(Schema):
    day: dt.date
    weekday: str
    open: bool
    hours: str | None = Field(description="the day's window, HH:MM–HH:MM")
    closed_reason: str = Field(description="why it is closed (a holiday, the weekday, suspended); empty when open")
    bands: list[VenueBandOut]


class VenueAvailabilityOut(Schema):
    venue_id: int
    since: dt.date
    until: dt.date
    days: list[VenueDayOut]


class VenueAvailabilityQuery(Schema):
    since: Day | None = Field(None, description="default today")
    until: Day | None = Field(None, description="default 13 days after since; at most 31 days in all")


@router.get(
    "/{venue_id}/availability",
    response={200: VenueAvailabilityOut, 404: ErrorOut, 422: ErrorOut},
    operation_id="venues_availability",
    summary="Free and busy times day by day (at most 31 days): busy says only that it is taken, never by whom",
)
def venues_availability(
    request: HttpRequest, venue_id: int, filters: Query[VenueAvailabilityQuery]
) -> VenueAvailabilityOut:
    item = sel.access_venue(request.user, venue_id)
    since, until = sel.availability_span(filters.since, filters.until)
    days = [
        VenueDayOut(
            day=d.day,
            weekday=d.opening.weekday,
            open=d.opening.window is not None,
            hours=d.opening.window.label if d.opening.window else None,
            closed_reason=d.opening.closed_reason,
            bands=[VenueBandOut(start=b.start_hm, end=b.end_hm, state=b.state, title=b.title) for b in d.bands],
        )
        for d in sel.availability(item, since, until)
    ]
    return VenueAvailabilityOut(venue_id=item.pk, since=since, until=until, days=days)
