"""POST requests over Open311: check the input, place it in our tree, create it through tickets.

The request itself is created by ``linli.tickets.services.ticket_submit`` (source ``api``, the
key's service account as submitter), so it enters the same workflow, deadlines and staff
workbench as any other; what Open311 sends beyond that (email, media_url, address_string,
attributes, the token) is kept beside it in ``Open311Request``.
"""

from __future__ import annotations

import itertools
import math
import secrets
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db import transaction

from linli.audit.services import audit_record
from linli.core import crypto
from linli.core.errors import InvalidInput
from linli.core.identifiers import parse_id
from linli.interop.models import AttributeType, Open311Key, Open311Request
from linli.interop.open311_format import Open311Error
from linli.interop.open311_selectors import attributes_of, category_for_code
from linli.places.models import Place, PlaceKind
from linli.places.services import validate_point
from linli.tickets.models import Source, Ticket

DESCRIPTION_LIMIT = 4000
# An address and a point further apart than this are two different places, not one imprecise one.
DISAGREE_METRES = 1000
NEAREST_BUILDING_METRES = 150
REPORTABLE = {PlaceKind.COMMUNITY, PlaceKind.COMPOUND, PlaceKind.GRID, PlaceKind.BUILDING, PlaceKind.UNIT}


@dataclass
class Located:
    place: Place
    lat: Decimal | None
    lng: Decimal | None


def _metres(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    x = math.radians(lng2 - lng1) * math.cos(math.radians((lat1 + lat2) / 2))
    y = math.radians(lat2 - lat1)
    return 6_371_000 * math.hypot(x, y)


def _inside(boundary: Any, lat: float, lng: float) -> bool:
    """Ray casting over a GeoJSON Polygon/MultiPolygon's outer rings ([lng, lat] pairs)."""
    if not isinstance(boundary, dict):
        return False
    coords = boundary.get("coordinates") or []
    polygons = [coords] if boundary.get("type") == "Polygon" else coords
    for polygon in polygons:
        ring = polygon[0] if polygon else []
        inside = False
        for (x1, y1), (x2, y2) in itertools.pairwise(ring):
            if (y1 > lat) != (y2 > lat) and lng < (x2 - x1) * (lat - y1) / ((y2 - y1) or 1e-12) + x1:
                inside = not inside
        if inside:
            return True
    return False


def _under(root: Place | None) -> Any:
    qs = Place.objects.get_queryset()
    return qs.filter(path__under=root.path) if root is not None else qs


def place_at_point(street: Place | None, lat: Decimal, lng: Decimal) -> Place:
    """The community and compound whose boundary holds the point, then the nearest building."""
    la, ln = float(lat), float(lng)
    found: Place | None = None
    for kind in (PlaceKind.COMMUNITY, PlaceKind.COMPOUND):
        candidates = _under(found or street).filter(kind=kind, boundary__isnull=False).only("path", "boundary")
        inner = next((p for p in candidates if _inside(p.boundary, la, ln)), None)
        if inner is None:
            break
        found = inner
    if found is None:
        raise Open311Error(400, f"lat/long ({lat}, {lng}) is outside every community of the jurisdiction")
    if found.kind == PlaceKind.COMPOUND:
        buildings = _under(found).filter(kind=PlaceKind.BUILDING, lat__isnull=False, lng__isnull=False)
        nearest = min(buildings, key=lambda b: _metres(la, ln, float(b.lat), float(b.lng)), default=None)
        if nearest is not None and _metres(la, ln, float(nearest.lat), float(nearest.lng)) <= NEAREST_BUILDING_METRES:
            found = nearest
    return Place.objects.get(pk=found.pk)


def place_from_address(street: Place | None, address: str) -> Place:
    """Walk down the tree taking, at each level, the longest place name the address contains."""
    found: Place | None = None
    for kinds in ((PlaceKind.COMPOUND, PlaceKind.COMMUNITY), (PlaceKind.BUILDING,), (PlaceKind.UNIT,)):
        names = _under(found or street).filter(kind__in=kinds).only("path", "name", "kind")
        matches = [p for p in names if p.name and p.name in address]
        if not matches:
            break
        found = max(matches, key=lambda p: (len(p.name), p.kind == PlaceKind.COMPOUND))
    if found is None:
        raise Open311Error(
            400, f"address_string “{address[:100]}” names no community, compound or building of the jurisdiction"
        )
    return Place.objects.get(pk=found.pk)


def place_from_id(street: Place | None, address_id: str) -> Place:
    place = Place.objects.filter(pk=pk).first() if (pk := parse_id(address_id)) else None
    if place is None or (street is not None and not place.path.startswith(street.path)):
        raise Open311Error(400, f"address_id “{address_id}” is not a place in the jurisdiction")
    if place.kind not in REPORTABLE:
        raise Open311Error(400, f"address_id “{address_id}” is a {place.kind}; use a community, compound or building")
    return place


def locate(street: Place | None, data: Any) -> Located:
    lat_raw, lng_raw = (data.get("lat") or "").strip(), (data.get("long") or "").strip()
    address = (data.get("address_string") or "").strip()
    address_id = (data.get("address_id") or "").strip()
    if bool(lat_raw) != bool(lng_raw):
        raise Open311Error(400, "lat and long must be given together")
    if not (lat_raw or address or address_id):
        raise Open311Error(400, "a location is required: lat and long, address_string or address_id")
    if len(address) > 500:
        raise Open311Error(400, "address_string may be at most 500 characters")
    lat = lng = None
    by_point = by_address = None
    if lat_raw:
        try:
            lat, lng = validate_point(lat_raw, lng_raw)
        except InvalidInput as exc:
            raise Open311Error(400, f"lat/long: {exc.message}") from None
        assert lat is not None and lng is not None
        by_point = place_at_point(street, lat, lng)
    if address_id:
        by_address = place_from_id(street, address_id)
    elif address:
        by_address = place_from_address(street, address)
    if by_point is not None and by_address is not None:
        _check_agree(by_point, by_address, lat, lng)
    place = by_address or by_point
    assert place is not None
    if by_point is not None and by_address is not None and by_point.path.startswith(by_address.path):
        place = by_point  # the point is more precise than the address
    return Located(place=place, lat=lat, lng=lng)


def _check_agree(by_point: Place, by_address: Place, lat: Decimal | None, lng: Decimal | None) -> None:
    same_branch = by_point.path.startswith(by_address.path) or by_address.path.startswith(by_point.path)
    far = (
        by_address.lat is not None
        and by_address.lng is not None
        and lat is not None
        and lng is not None
        and _metres(float(lat), float(lng), float(by_address.lat), float(by_address.lng)) > DISAGREE_METRES
    )
    if not same_branch or far:
        raise Open311Error(
            400,
            f"lat/long ({lat}, {lng}) lies in {by_point.name} but the address names {by_address.name}: "
            "send one location or two that agree",
        )


def _attributes(category_id: int, data: Any) -> dict[str, Any]:
    from linli.tickets.models import Category

    values: dict[str, Any] = {}
    for attribute in attributes_of(Category(pk=category_id)):
        name = f"attribute[{attribute.code}]"
        if attribute.datatype == AttributeType.MULTI:
            given: Any = [v for v in data.getlist(name) + data.getlist(name + "[]") if v]
        else:
            given = (data.get(name) or "").strip()
        if not given:
            if attribute.required:
                raise Open311Error(400, f"{name} is required for this service")
            continue
        keys = {str(v.get("key")) for v in attribute.values or []}
        chosen = given if isinstance(given, list) else [given]
        if attribute.datatype in (AttributeType.SINGLE, AttributeType.MULTI) and not set(chosen) <= keys:
            raise Open311Error(400, f"{name} must be one of {', '.join(sorted(keys))}")
        if attribute.datatype == AttributeType.NUMBER:
            try:
                float(given)
            except ValueError:
                raise Open311Error(400, f"{name} must be a number") from None
        values[attribute.code] = given
    return values


def _field(data: Any, name: str, limit: int) -> str:
    value = (data.get(name) or "").strip()
    if len(value) > limit:
        raise Open311Error(400, f"{name} may be at most {limit} characters, got {len(value)}")
    return value


@transaction.atomic
def open311_request_create(
    *, key: Open311Key, street: Place | None, data: Any, request: Any = None, media: Any = None
) -> Open311Request:
    """Create one request from Open311 POST fields (a QueryDict-like ``data``), and its ``media``
    upload (multipart) as the request's report photo: checked by content and size by the tickets
    photo service; a bad photo refuses the whole POST (nothing is created)."""
    code = (data.get("service_code") or "").strip()
    if not code:
        raise Open311Error(400, "service_code is required")
    category = category_for_code(code)
    if category is None or category.children.filter(active=True).exists():
        raise Open311Error(400, f"service_code “{code}” is not a service of this endpoint (see services.json)")
    description = _field(data, "description", DESCRIPTION_LIMIT)
    first, last = _field(data, "first_name", 30), _field(data, "last_name", 30)
    email = _field(data, "email", 254)
    if email:
        try:
            EmailValidator()(email)
        except ValidationError:
            raise Open311Error(400, f"email “{email[:60]}” is not a valid address") from None
    media_url = _field(data, "media_url", 1000)
    if media_url:
        try:
            URLValidator(schemes=["http", "https"])(media_url)
        except ValidationError:
            raise Open311Error(400, "media_url must be an http or https URL") from None
    attributes = _attributes(category.pk, data)
    located = locate(street, data)
    try:
        ticket, _created = ticket_submit_for(
            key=key,
            description=description or category.full_name,
            category_id=category.pk,
            place_id=located.place.pk,
            lat=located.lat,
            lng=located.lng,
            phone=_field(data, "phone", 40),
            reporter_name=f"{last}{first}" if last and first and not last.isascii() else f"{first} {last}".strip(),
        )
    except InvalidInput as exc:
        field = {"contact_phone": "phone", "place_id": "address_id"}.get(exc.field or "", exc.field or "request")
        raise Open311Error(400, f"{field}: {exc.message}") from None
    row = Open311Request.objects.create(
        ticket=ticket,
        key=key,
        token=secrets.token_hex(16),
        service_code=str(category.pk),
        address_string=_field(data, "address_string", 500),
        email_enc=crypto.encrypt(email),
        device_id=_field(data, "device_id", 100),
        account_id=_field(data, "account_id", 100),
        media_url=media_url,
        attributes=attributes,
    )
    if media is not None:
        _attach_media(key, ticket, media)
    audit_record(
        action="open311.request_created",
        actor=key.user,
        target=ticket,
        request=request,
        key=key.pk,
        service_code=row.service_code,
    )
    return row


def ticket_submit_for(
    *,
    key: Open311Key,
    description: str,
    category_id: int,
    place_id: int,
    lat: Decimal | None,
    lng: Decimal | None,
    phone: str,
    reporter_name: str,
) -> tuple[Ticket, bool]:
    from linli.routing.services import intake_submit

    # Smart dispatch records its suggestion, as at the page intake (the service code stands: a
    # request with a category is never recategorised).
    return intake_submit(
        actor=key.user,
        description=description,
        category_id=category_id,
        place_id=place_id,
        lat=lat,
        lng=lng,
        public=True,
        contact_phone=phone,
        source=Source.API,
        reporter_name=reporter_name[:64],
    )


def _attach_media(key: Open311Key, ticket: Ticket, media: Any) -> None:
    from linli.tickets.models import PhotoKind
    from linli.tickets.services import ticket_photo_add

    try:
        ticket_photo_add(actor=key.user, ticket_id=ticket.pk, upload=media, kind=PhotoKind.REPORT)
    except InvalidInput as exc:
        raise Open311Error(400, f"media: {exc.message}") from None
