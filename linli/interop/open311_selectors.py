"""Reads for Open311: services from our categories, public requests, tokens, status updates.

Open311 reads are a public feed (GeoReport v2 needs no key to read, like FixMyStreet): they only
ever show requests the reporter marked public, never contact details, and only the fields the
spec names. That is the deliberate exception to "every list starts from ``visible_to(user)``":
there is no user, and the filter below is the whole of what an anonymous caller may see.

What the resident wrote is published only once staff have accepted the request (they read it then):
before that — and for a request declined — the feed lists the request's category, place, times,
status and staff's notes to the resident, but not its description or its photos. Phone and ID numbers
inside published text are masked as the fields are (``core.masking.mask_numbers_in_text``), and
coordinates are rounded to three decimals (about 100 m): the feed shows the problem's neighbourhood,
not the reporter's door.
(Session 14's security review found pending requests published whole, numbers and exact point included.)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import F, Prefetch, Q, QuerySet
from django.utils import timezone

from linli.core.identifiers import parse_id
from linli.core.masking import mask_numbers_in_text
from linli.interop.models import Open311Request, ServiceAttribute
from linli.interop.open311_format import EXTENDED_STATUS, Open311Error, iso, open_or_closed, parse_when
from linli.places.models import Place, PlaceKind
from linli.tickets.models import OPEN_STATUSES, Category, PhotoKind, Status, Ticket, TicketEvent, TicketPhoto
from linli.tickets.selectors import public_status

WINDOW_DAYS = 90
UNREVIEWED = frozenset({Status.SUBMITTED, Status.DECLINED})  # what the resident wrote stays unpublished
COORDINATE_PLACES = 3  # ~110 m of latitude
MAX_RESULTS = 1000
MAX_IDS = 200
# Event notes written for the resident (safe to publish); other notes are internal (escalation
# reasons, supervision remarks) and are replaced by the action's label.
PUBLIC_NOTE_ACTIONS = {"accept", "decline", "request_info", "resolve", "reopen", "close"}
ACTION_LABELS = {
    "submit": "已收到诉求",
    "accept": "已受理",
    "decline": "不予受理",
    "assign": "已派单",
    "publish": "已发布到接单大厅",
    "claim": "已有党员/志愿者接单",
    "start": "开始办理",
    "request_info": "请补充材料",
    "supply_info": "已补充材料",
    "resolve": "已办结",
    "rate": "居民已评价",
    "reopen": "重新办理",
    "escalate": "已上报上级或职能部门",
    "acknowledge": "承办单位已报到",
    "transfer": "已转办",
    "merge": "已与相同问题合并办理",
    "close": "已关闭",
}


# --- services ---------------------------------------------------------------------------------------


def service_categories() -> list[Category]:
    """Leaf categories (what a resident picks), with their parents loaded for ``group``."""
    rows = list(Category.objects.filter(active=True).select_related("parent__parent").order_by("level", "name"))
    parents = {c.parent_id for c in rows if c.parent_id}
    return sorted([c for c in rows if c.pk not in parents], key=lambda c: c.full_name)


def category_for_code(code: Any) -> Category | None:
    pk = parse_id(code)
    if pk is None:
        return None
    return Category.objects.filter(pk=pk, active=True).select_related("parent__parent").first()


def _top(category: Category) -> Category:
    node = category
    while node.parent is not None:
        node = node.parent
    return node


def service_out(category: Category, with_attributes: set[int]) -> dict[str, Any]:
    top = _top(category)
    return {
        "service_code": str(category.pk),
        "service_name": category.name,
        "description": category.full_name,
        "metadata": category.pk in with_attributes,
        "type": "realtime",
        "keywords": ",".join(n for n in category.full_name.split(" / ") if n != category.name),
        "group": top.name,
    }


def services_out() -> list[dict[str, Any]]:
    categories = service_categories()
    with_attributes = set(
        ServiceAttribute.objects.filter(category__in=categories).values_list("category_id", flat=True)
    )
    return [service_out(c, with_attributes) for c in categories]


def attributes_of(category: Category) -> list[ServiceAttribute]:
    return list(ServiceAttribute.objects.filter(category=category).order_by("order", "code"))


def service_definition_out(category: Category) -> dict[str, Any]:
    return {
        "service_code": str(category.pk),
        "attributes": [
            {
                "variable": True,
                "code": a.code,
                "datatype": a.datatype,
                "required": a.required,
                "datatype_description": a.datatype_description,
                "order": a.order,
                "description": a.description,
                "values": [{"key": str(v.get("key", "")), "name": str(v.get("name", ""))} for v in a.values or []],
            }
            for a in attributes_of(category)
        ],
    }


# --- requests ---------------------------------------------------------------------------------------


def public_requests(street: Place | None) -> QuerySet[Ticket]:
    report_photos = Prefetch(
        "photos", queryset=TicketPhoto.objects.filter(kind=PhotoKind.REPORT).order_by("id"), to_attr="report_photos"
    )
    qs = (
        Ticket.objects.filter(public=True)
        .select_related("category", "place", "handling_place", "handling_org", "open311")
        .prefetch_related("merged_into", report_photos)  # merged_into: a self-join would multiply planning time
    )
    if street is not None:
        qs = qs.filter(place_path__under=street.path)
    return qs


def _ids(raw: str) -> list[int]:
    ids: list[int] = []
    for part in raw.split(","):
        part = part.strip()
        if not part:
            continue
        if (pk := parse_id(part)) is None:
            raise Open311Error(400, f"service_request_id “{part}” is not a request id")
        ids.append(pk)
    if len(ids) > MAX_IDS:
        raise Open311Error(400, f"at most {MAX_IDS} service_request_id values per call")
    return ids


def window(start_raw: str, end_raw: str) -> tuple[dt.datetime, dt.datetime]:
    """The requested_datetime range: default the last 90 days, never more than 90 days."""
    span = dt.timedelta(days=WINDOW_DAYS)
    end = parse_when(end_raw, name="end_date", end_of_day=True) if end_raw else None
    start = parse_when(start_raw, name="start_date") if start_raw else None
    if start is None and end is None:
        end = timezone.now()
        start = end - span
    elif start is None:
        assert end is not None
        start = end - span
    elif end is None:
        end = min(start + span, timezone.now()) if start < timezone.now() else start + span
    if end < start:
        raise Open311Error(400, "end_date is before start_date")
    if end - start > span + dt.timedelta(days=1):
        raise Open311Error(400, f"start_date to end_date may not span more than {WINDOW_DAYS} days")
    return start, end


@dataclass
class Found:
    """One page of GET requests, and the fixed window the next page must repeat (so requests
    arriving meanwhile do not shift the pages)."""

    tickets: list[Ticket]
    page: int
    page_size: int
    has_more: bool
    start: dt.datetime | None = None
    end: dt.datetime | None = None


def _positive(params: Any, name: str, default: int, most: int) -> int:
    raw = (params.get(name) or "").strip()
    if not raw:
        return default
    number = parse_id(raw)
    if number is None or number > most:
        raise Open311Error(400, f"{name} must be a whole number from 1 to {most}")
    return number


def search_requests(street: Place | None, params: Any) -> Found:
    """GET requests: ``service_request_id`` (comma list) overrides every other filter.

    Spec: the range may not exceed 90 days and servers may cap the count (1,000 here). The spec
    has no paging, so a window holding more than a page is never silently cut: ``page`` and
    ``page_size`` (extension, described in discovery) walk it, and the answer carries a
    ``Link: <…>; rel="next"`` header with the same fixed start/end while more remain."""
    qs = public_requests(street)
    raw_ids = (params.get("service_request_id") or "").strip()
    if raw_ids:
        return Found(list(qs.filter(pk__in=_ids(raw_ids)).order_by("-id")[:MAX_IDS]), 1, MAX_IDS, False)
    page = _positive(params, "page", 1, 100_000)
    size = _positive(params, "page_size", MAX_RESULTS, MAX_RESULTS)
    codes = [c.strip() for c in (params.get("service_code") or "").split(",") if c.strip()]
    if codes:
        ids = [parse_id(c) for c in codes]
        if None in ids:
            raise Open311Error(400, "service_code must be one or more service codes, comma separated")
        qs = qs.filter(category_id__in=ids)
    statuses = {s.strip().lower() for s in (params.get("status") or "").split(",") if s.strip()}
    if statuses - {"open", "closed"}:
        raise Open311Error(400, "status must be open, closed or both (comma separated)")
    if statuses == {"open"}:
        qs = qs.filter(status__in=OPEN_STATUSES)
    elif statuses == {"closed"}:
        qs = qs.exclude(status__in=OPEN_STATUSES)
    start, end = window(params.get("start_date") or "", params.get("end_date") or "")
    qs = qs.filter(submitted_at__gte=start, submitted_at__lte=end)
    offset = (page - 1) * size
    rows = list(qs.order_by("-submitted_at", "-id")[offset : offset + size + 1])
    return Found(rows[:size], page, size, len(rows) > size, start, end)


def public_request(street: Place | None, request_id: str) -> Ticket:
    if (pk := parse_id(request_id)) is None:
        raise Open311Error(404, f"service request “{request_id}” not found")
    ticket = public_requests(street).filter(pk=pk).first()
    if ticket is None:
        raise Open311Error(404, f"service request “{request_id}” not found")
    return ticket


def by_token(token: str) -> Open311Request:
    row = Open311Request.objects.filter(token=token).first()
    if row is None:
        raise Open311Error(404, f"token “{token}” not found")
    return row


def _status_notes(ticket: Ticket, last_note: str) -> str:
    if ticket.status == Status.MERGED and ticket.merged_into_id:
        return f"已与诉求 {ticket.merged_into.number} 合并办理"  # type: ignore[union-attr]
    if ticket.status in (Status.RESOLVED, Status.RATED, Status.CLOSED) and ticket.resolution:
        return ticket.resolution
    return last_note or str(public_status(ticket).label)  # not the handlers' internal state (吹哨待报到)


def last_public_notes(tickets: Iterable[Ticket]) -> dict[int, str]:
    """The latest resident-facing note of each request, in one query."""
    ids = [t.pk for t in tickets]
    notes: dict[int, str] = {}
    rows = (
        TicketEvent.objects.filter(ticket_id__in=ids, action__in=PUBLIC_NOTE_ACTIONS)
        .exclude(note="")
        .order_by("ticket_id", "at", "id")
        .values_list("ticket_id", "note")
    )
    for ticket_id, note in rows:
        notes[ticket_id] = note
    return notes


def media_url_of(ticket: Ticket, extra: Open311Request | None, base: str) -> str:
    """The client's own media_url, else our copy of the first report photo (EXIF removed)."""
    if extra is not None and extra.media_url:
        return extra.media_url
    photos = getattr(ticket, "report_photos", None)
    if photos:
        ext = {"image/png": "png", "image/webp": "webp"}.get(photos[0].content_type, "jpg")
        return f"{base}/media/{photos[0].pk}.{ext}"
    return ""


def request_out(ticket: Ticket, note: str = "", base: str = "") -> dict[str, Any]:
    extra: Open311Request | None = getattr(ticket, "open311", None)
    place = ticket.place
    lat = ticket.lat if ticket.lat is not None else place.lat
    lng = ticket.lng if ticket.lng is not None else place.lng
    agency = ""
    if ticket.handling_org_id:
        agency = ticket.handling_org.name  # type: ignore[union-attr]
    elif ticket.handling_place_id:
        agency = ticket.handling_place.name  # type: ignore[union-attr]
    reviewed = ticket.status not in UNREVIEWED
    return {
        "service_request_id": str(ticket.pk),
        "status": open_or_closed(ticket.status),
        "status_notes": mask_numbers_in_text(_status_notes(ticket, note)),  # staff's words for the resident
        "service_name": ticket.category.name if ticket.category_id else "",  # type: ignore[union-attr]
        "service_code": str(ticket.category_id or ""),
        "description": mask_numbers_in_text(ticket.description) if reviewed else "",
        "agency_responsible": agency,
        "service_notice": f"诉求编号 {ticket.number}",
        "requested_datetime": iso(ticket.submitted_at),
        "updated_datetime": iso(ticket.updated_at),
        "expected_datetime": iso(ticket.resolve_due),
        "address": (extra.address_string if extra and extra.address_string else place.name),
        "address_id": str(place.pk),
        "zipcode": "",
        "lat": round(float(lat), COORDINATE_PLACES) if lat is not None else None,
        "long": round(float(lng), COORDINATE_PLACES) if lng is not None else None,
        "media_url": media_url_of(ticket, extra, base) if reviewed else "",
    }


def requests_out(tickets: list[Ticket], base: str = "") -> list[dict[str, Any]]:
    notes = last_public_notes(tickets)
    return [request_out(t, notes.get(t.pk, ""), base) for t in tickets]


def public_photo(photo_id: str) -> TicketPhoto:
    """A report photo of a public request (what media_url points to); anything else is 404."""
    pk = parse_id(photo_id)
    photos = TicketPhoto.objects.filter(pk=pk, kind=PhotoKind.REPORT, ticket__public=True)
    photo = photos.exclude(ticket__status__in=UNREVIEWED).first() if pk else None
    if photo is None:
        raise Open311Error(404, f"media “{photo_id[:20]}” not found")
    return photo


# --- mySociety servicerequestupdates ----------------------------------------------------------------


def updates(street: Place | None, params: Any) -> list[dict[str, Any]]:
    """Status changes of public requests in the window (default: the last 90 days), oldest first."""
    start, end = window(params.get("start_date") or "", params.get("end_date") or "")
    qs = TicketEvent.objects.filter(at__gte=start, at__lte=end, ticket__public=True).filter(
        ~Q(from_status=F("to_status")) | Q(action__in=PUBLIC_NOTE_ACTIONS)
    )
    if street is not None:
        qs = qs.filter(place_path__under=street.path)
    rows = qs.exclude(action="submit").select_related("ticket").order_by("at", "id")[:MAX_RESULTS]
    out = []
    for event in rows:
        note = mask_numbers_in_text(event.note) if event.action in PUBLIC_NOTE_ACTIONS and event.note else ""
        out.append(
            {
                "update_id": str(event.pk),
                "service_request_id": str(event.ticket_id),
                "status": EXTENDED_STATUS.get(event.to_status, "OPEN"),
                "updated_datetime": iso(event.at),
                "description": note or ACTION_LABELS.get(event.action, event.action),
                "media_url": "",
                "external_status_code": event.to_status,
            }
        )
    return out


def street_of(place: Place) -> Place | None:
    prefix_len = 2 * Place.steplen
    return Place.objects.filter(path=place.path[:prefix_len], kind=PlaceKind.STREET).first()
