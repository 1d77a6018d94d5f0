"""Intake of requests: submission (idempotent, numbered), photos, categories, deadlines.

State changes after submission are in ``linli.tickets.transitions`` (one function per action)
on top of the table in ``linli.tickets.workflow``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core import crypto, uploads
from linli.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from linli.core.idempotency import clean_key, create_once
from linli.core.identifiers import normalise_phone
from linli.core.prepared import prepared_cursor
from linli.core.scoping import capabilities_at
from linli.core.text import clean_text
from linli.core.uploads import IMAGE_FORMATS, MAX_PIXELS, inspect_image  # noqa: F401  (re-exported)
from linli.insights import rollups
from linli.places.models import Place, PlaceKind
from linli.places.selectors import place_and_ancestors
from linli.places.services import validate_point
from linli.tickets.models import (
    DESCRIPTION_MAX,
    PHOTOS_MAX,
    TITLE_MAX,
    Category,
    Kind,
    PhotoKind,
    Priority,
    Source,
    Status,
    Ticket,
    TicketCounter,
    TicketEvent,
    TicketPhoto,
)

DEFAULT_RESPONSE_HOURS = 24
DEFAULT_RESOLVE_WORKDAYS = 5
REPORTABLE_KINDS = {PlaceKind.COMMUNITY, PlaceKind.COMPOUND, PlaceKind.GRID, PlaceKind.BUILDING, PlaceKind.UNIT}
STAFF_SOURCES = {Source.PHONE, Source.DOOR, Source.PATROL, Source.VISIT, Source.MEETING, Source.PROACTIVE}


# --- deadlines ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Dispatch:
    """Smart dispatch's category for a request about to be created (``routing.services.intake_submit``):
    the request is written with it, its deadlines and its default unit, and an ``auto_categorise`` event."""

    category: Category
    score: float
    model_version: int


# Called with the cleaned title and description and the category the reporter chose (or None).
Dispatcher = Callable[[str, str, "Category | None"], "Dispatch | None"]


@dataclass(frozen=True)
class Deadlines:
    response_due: dt.datetime
    resolve_due: dt.datetime
    warning: str | None


def compute_deadlines(*, category: Category | None, start: dt.datetime) -> Deadlines:
    """Respond within the category's hours; resolve by the end of its N-th working day.

    Working days follow the official calendar (``linli.workdays``); a span reaching into a year
    whose holidays are not yet published is counted weekends-only and carries a warning.
    """
    from linli.workdays.services import add_working_days, calendar_warning

    hours = category.response_hours if category else DEFAULT_RESPONSE_HOURS
    days = category.resolve_workdays if category else DEFAULT_RESOLVE_WORKDAYS
    resolve_due = add_working_days(start, days=days)
    return Deadlines(  # in UTC, as the database gives them back: an answer built from the object reads the same
        response_due=(start + dt.timedelta(hours=hours)).astimezone(dt.UTC),
        resolve_due=resolve_due.astimezone(dt.UTC),
        warning=calendar_warning(start, resolve_due),
    )


# --- submission ------------------------------------------------------------------------------------


def _resolve_place(*, actor: Any, place_id: int | None) -> tuple[Place, list[Place] | None]:
    """The place reported and, when it was chosen by id, the places above it (read with it, for the
    category's default unit); ``None`` for the reporter's own address (read when a unit needs them)."""
    if place_id is None:  # the reporter's own address (one query: not the whole ledger record)
        home = Place.objects.filter(people__pk=actor.person_id).first() if getattr(actor, "person_id", None) else None
        if home is None:
            raise InvalidInput(_("请选择问题所在的小区或楼栋"), field="place_id")
        return home, None
    above = place_and_ancestors(place_id=place_id)
    if not above:
        raise InvalidInput(_("所选位置不存在"), field="place_id")
    if above[-1].kind not in REPORTABLE_KINDS:
        raise InvalidInput(_("位置应为社区、小区、网格、楼栋或单元"), field="place_id")
    return above[-1], above


def _resolve_category(category_id: int | None) -> Category | None:
    if category_id is None:
        return None
    category = Category.objects.filter(pk=category_id, active=True).first()
    if category is None:
        raise InvalidInput(_("所选分类不存在或已停用"), field="category_id")
    return category


def _next_number(year: int) -> str:
    """Allocate ``YYYY-NNNNNN``: one ``UPDATE … RETURNING`` takes the year's row lock until commit,
    so concurrent submissions never share a number (was five statements and a savepoint a request)."""
    q = connection.ops.quote_name
    table, last, year_ = q(TicketCounter._meta.db_table), q("last"), q("year")
    sql = f"UPDATE {table} SET {last} = {last} + 1 WHERE {year_} = %s RETURNING {last}"  # noqa: S608 - names from metadata
    with prepared_cursor(connection.alias) as cursor:  # its text never varies: planned once (core.prepared)
        cursor.execute(sql, [year])
        row = cursor.fetchone()
    if row is None:  # the year's first request
        try:
            with transaction.atomic():
                TicketCounter.objects.create(year=year, last=0)
        except IntegrityError:  # another transaction created the year's row first
            pass
        return _next_number(year)
    return f"{year}-{row[0]:06d}"


def ticket_submit(
    *,
    actor: Any,
    description: str,
    title: str = "",
    category_id: int | None = None,
    place_id: int | None = None,
    lat: Any = None,
    lng: Any = None,
    public: bool = True,
    anonymous: bool = False,
    contact_phone: str = "",
    source: str = Source.APP,
    reporter_name: str = "",
    kind: str = Kind.HELP,
    idempotency_key: str = "",
    dispatch: Dispatcher | None = None,
    on_created: Callable[[Ticket], None] | None = None,
    quiet: bool = False,
) -> tuple[Ticket, bool]:
    """Create a request; returns ``(ticket, created)``. A retry with the same idempotency key
    returns the first request and creates nothing. ``dispatch`` (smart dispatch) is asked for a
    category once the input is valid; what it returns is written with the request. ``on_created``
    writes what belongs with a new request (routing's suggestion) inside its transaction. ``quiet``: nobody is told
    of the new request (one resolved on the spot in the same transaction: there is nothing to take up)."""
    if not getattr(actor, "is_authenticated", False):
        raise Forbidden(_("请先登录"))
    key = clean_key(idempotency_key)
    description = clean_text(
        description, field="description", label=_("问题描述"), max_length=DESCRIPTION_MAX, show_length=True
    )
    title = clean_text(title, field="title", label=_("标题"), max_length=TITLE_MAX, required=False, show_length=True)
    if not title:
        title = description.splitlines()[0][:30]
    reporter_name = clean_text(
        reporter_name, field="reporter_name", label=_("反映人"), max_length=64, required=False, show_length=True
    )
    if source not in Source.values:
        raise InvalidInput(_("未知来源“%(source)s”") % {"source": source}, field="source")
    if kind not in Kind.values:
        raise InvalidInput(_("诉求类型应为 求助、投诉、建议、咨询、举报 或 表扬"), field="kind")
    la, ln = validate_point(lat, lng)
    phone = normalise_phone(contact_phone, field="contact_phone") if (contact_phone or "").strip() else ""
    category = _resolve_category(category_id)
    place, above = _resolve_place(actor=actor, place_id=place_id)
    if source in STAFF_SOURCES and not capabilities_at(actor, place.path) & {"handle", "manage"}:
        raise Forbidden(_("只有该区域的工作人员可以代录电话、上门、巡查、走访、会议收集或主动发现的诉求"))
    auto = dispatch(title, description, category) if dispatch is not None else None
    created_event: list[TicketEvent] = []

    def create() -> Ticket:
        ticket, event = _create(
            actor=actor,
            description=description,
            title=title,
            category=category,
            place=place,
            lat=la,
            lng=ln,
            public=bool(public),
            anonymous=bool(anonymous),
            phone=phone,
            source=source,
            reporter_name=reporter_name,
            kind=kind,
            key=key,
            auto=auto,
            above=above,
        )
        if on_created is not None:
            on_created(ticket)
        created_event.append(event)
        return ticket

    ticket, created = create_once(
        earlier=Ticket.objects.filter(submitted_by=actor),
        key=key,
        create=create,
        # A different report sent under a used key is refused rather than answered with the first (lost).
        same=lambda existing: existing.description == description,
        refusal=lambda existing: (
            _("这个 Idempotency-Key 已用于另一条诉求(%(number)s),新的诉求请换一个") % {"number": existing.number}
        ),
    )
    if created and not quiet:
        from linli.tickets.notifications import after_event_later, remember_units_above

        if above is not None:  # the grid and community whose staff hear of it: among the places read already
            remember_units_above(ticket, above)
        event = created_event[0]
        transaction.on_commit(lambda: after_event_later(ticket, event))
    return ticket, created


def _create(
    *,
    actor: Any,
    description: str,
    title: str,
    category: Category | None,
    place: Place,
    lat: Decimal | None,
    lng: Decimal | None,
    public: bool,
    anonymous: bool,
    phone: str,
    source: str,
    reporter_name: str,
    key: str,
    kind: str = Kind.HELP,
    auto: Dispatch | None = None,
    above: list[Place] | None = None,
) -> tuple[Ticket, TicketEvent]:
    now = timezone.now()
    unit: dict[str, Any] = {}
    handling: dict[str, Any] = {}
    if auto is not None:  # dispatch chose the category: the request starts with it and its default unit
        from linli.tickets.transitions import default_unit, unit_data

        category = auto.category
        unit_place, unit_org = default_unit(Ticket(place_path=place.path), category, ancestors=above)
        if unit_place or unit_org:
            unit = unit_data(unit_place, unit_org)
            handling = {"handling_place": unit_place, "handling_org": unit_org}
    deadlines = compute_deadlines(category=category, start=now)
    ticket = Ticket.objects.create(
        number=_next_number(timezone.localtime(now).year),
        title=title,
        description=description,
        category=category,
        place=place,
        place_path=place.path,
        lat=lat,
        lng=lng,
        public=public,
        anonymous=anonymous,
        phone_enc=crypto.encrypt(phone),
        phone_hash=crypto.keyed_hash("phone", phone),
        source=source,
        kind=kind,
        priority=category.priority if category else Priority.LOW,
        submitted_by=actor,
        reporter_name=reporter_name,
        idempotency_key=key,
        submitted_at=now,
        response_due=deadlines.response_due,
        resolve_due=deadlines.resolve_due,
        **handling,
    )
    event = TicketEvent(
        ticket=ticket,
        place_path=ticket.place_path,
        actor=actor,
        at=now,
        action="submit",
        from_status="",
        to_status=Status.SUBMITTED,
        data={"source": source, "calendar_warning": deadlines.warning},
    )
    events = [event]
    if auto is not None:
        assert category is not None
        events.append(
            TicketEvent(
                ticket=ticket,
                place_path=ticket.place_path,
                actor=None,
                at=now,
                action="auto_categorise",
                from_status=Status.SUBMITTED,
                to_status=Status.SUBMITTED,
                # Stored data in the platform's language, whatever the reporter's page language is.
                note=f"智能分类:{category.full_name}(置信度 {auto.score:.0%},模型 v{auto.model_version})"
                + (f";派至{unit['unit']}" if unit else ""),
                data={"category_id": category.pk, "score": auto.score, "model_version": auto.model_version, **unit},
            )
        )
    TicketEvent.objects.bulk_create(events)  # one INSERT for both events
    ticket.written_events = events  # type: ignore[attr-defined]  # its whole timeline so far (api.detail_out)
    rollups.on_ticket_created(ticket=ticket, events=events)  # dashboards' rollups move in the same transaction
    return ticket, event


# --- photos ----------------------------------------------------------------------------------------


def _read_upload(upload: Any) -> bytes:
    return uploads.read_upload(upload, field="photo")


def ticket_photo_add(*, actor: Any, ticket_id: int, upload: Any, kind: str = PhotoKind.REPORT) -> TicketPhoto:
    """Attach one photo: the reporter (report photos) or whoever resolves it (result photos)."""
    from linli.tickets.workflow import lock_ticket, relations

    if kind not in PhotoKind.values:
        raise InvalidInput(_("未知照片类型"), field="kind")
    clean = uploads.clean_image(_read_upload(upload), field="photo")  # EXIF/GPS gone before anyone sees it
    with transaction.atomic():
        ticket = lock_ticket(actor=actor, ticket_id=ticket_id)
        mine = relations(actor, ticket)
        if kind == PhotoKind.REPORT and not mine & {"submitter", "handle", "manage"}:
            raise Forbidden(_("只有反映人或工作人员可以补充反映照片"))
        if kind == PhotoKind.RESULT and not mine & {"claimant", "handle", "manage", "liaison"}:
            raise Forbidden(_("只有办理人可以上传办结照片"))
        if not ticket.is_open and kind == PhotoKind.REPORT:
            raise Conflict(_("诉求已办结,不能再补充反映照片"))
        if ticket.photos.filter(kind=kind).count() >= PHOTOS_MAX:
            raise InvalidInput(_("每条诉求最多 %(max)d 张照片") % {"max": PHOTOS_MAX}, field="photo")
        photo = TicketPhoto(
            ticket=ticket,
            kind=kind,
            content_type=clean.content_type,
            width=clean.width,
            height=clean.height,
            size=len(clean.data),
            uploaded_by=actor,
        )
        photo.image.save(uploads.random_name(clean.extension), ContentFile(clean.data), save=False)
        photo.save()
    return photo


def photo_for(*, actor: Any, photo_id: int) -> TicketPhoto:
    from linli.tickets.workflow import may_see

    photo = TicketPhoto.objects.select_related("ticket").filter(pk=photo_id).first()
    if photo is None or not may_see(actor, photo.ticket):
        raise NotFound(_("未找到该照片,或您无权查看"))
    return photo
