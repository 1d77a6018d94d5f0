"""Open311 GeoReport v2 wire format: JSON and XML documents, the error list, dates, statuses.

The element names and nesting follow the GeoReport v2 specification (and mySociety's
``servicerequestupdates`` extension) so existing civic clients parse us without adapters.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from xml.etree import ElementTree as ET

from django.http import HttpResponse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from linli.core.dates import FIRST, LAST, aware, in_calendar
from linli.tickets.models import OPEN_STATUSES, Status

FORMATS = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}

# Root and item element names per document kind (XML); JSON is the list or object itself.
XML_SHAPES = {
    "services": ("services", "service"),
    "requests": ("service_requests", "request"),
    "updates": ("service_request_updates", "request_update"),
    "errors": ("errors", "error"),
}
# Lists inside an item and the element name of their entries.
XML_LIST_ITEMS = {
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "keywords": "keyword",
}

# mySociety's extended statuses (servicerequestupdates): what FixMyStreet shows for each of ours.
EXTENDED_STATUS: dict[str, str] = {
    Status.SUBMITTED: "OPEN",
    Status.ACCEPTED: "INVESTIGATING",
    Status.ASSIGNED: "ACTION_SCHEDULED",
    Status.PUBLISHED: "ACTION_SCHEDULED",
    Status.CLAIMED: "ACTION_SCHEDULED",
    Status.IN_PROGRESS: "IN_PROGRESS",
    Status.ESCALATED: "INTERNAL_REFERRAL",
    Status.WAITING_INFO: "IN_PROGRESS",
    Status.RESOLVED: "FIXED",
    Status.RATED: "FIXED",
    Status.CLOSED: "CLOSED",
    Status.DECLINED: "NO_FURTHER_ACTION",
    Status.MERGED: "DUPLICATE",
}


class Open311Error(Exception):
    """An error answered as the spec's error list: ``[{"code": 400, "description": "…"}]``."""

    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


def open_or_closed(status: str) -> str:
    return "open" if status in OPEN_STATUSES else "closed"


def iso(value: dt.datetime | None) -> str | None:
    """ISO 8601 in the platform's zone with its offset, e.g. ``2026-03-01T09:30:00+08:00``."""
    if value is None:
        return None
    return timezone.localtime(value).isoformat(timespec="seconds")


def parse_when(value: str, *, name: str, end_of_day: bool = False) -> dt.datetime:
    """A W3C/ISO 8601 datetime (``Z``, an offset, or none = Beijing time) or a plain date."""
    text = (value or "").strip().replace(" ", "+") if "T" in (value or "") else (value or "").strip()
    try:
        parsed = parse_datetime(text)
        if parsed is None:
            day = parse_date(text)
            if day is not None:
                time = dt.time.max if end_of_day else dt.time.min
                parsed = dt.datetime.combine(day, time)
    except ValueError:
        parsed = None
    if parsed is None:
        raise Open311Error(400, f"{name} “{value}” is not an ISO 8601 date or datetime, e.g. 2026-01-31T08:00:00+08:00")
    if not in_calendar(parsed.date()):  # year 1 at +14:00 is before year 1 in UTC: the query overflowed
        raise Open311Error(400, f"{name} “{value}” must lie within {FIRST.isoformat()} … {LAST.isoformat()}")
    return aware(parsed)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _append(parent: ET.Element, name: str, value: Any) -> None:
    child = ET.SubElement(parent, name)
    if isinstance(value, dict):
        for key, inner in value.items():
            _append(child, key, inner)
    elif isinstance(value, list):
        item_name = XML_LIST_ITEMS.get(name, "item")
        for inner in value:
            _append(child, item_name, inner)
    else:
        child.text = _text(value)


def to_xml(kind: str, data: Any) -> bytes:
    """``kind`` is a list document (services, requests, updates, errors) or a root element name
    for a single object (``discovery``, ``service_definition``)."""
    if kind in XML_SHAPES:
        root_name, item_name = XML_SHAPES[kind]
        root = ET.Element(root_name)
        for item in data:
            element = ET.SubElement(root, item_name)
            for key, value in item.items():
                _append(element, key, value)
    else:
        root = ET.Element(kind)
        for key, value in data.items():
            _append(root, key, value)
    body: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return body


def render(fmt: str, kind: str, data: Any, *, status: int = 200) -> HttpResponse:
    body = to_xml(kind, data) if fmt == "xml" else json.dumps(data, ensure_ascii=False).encode()
    response = HttpResponse(body, status=status, content_type=FORMATS.get(fmt, FORMATS["json"]))
    response["Access-Control-Allow-Origin"] = "*"  # public civic data, readable from web clients
    return response


def render_error(fmt: str, error: Open311Error) -> HttpResponse:
    return render(fmt, "errors", [{"code": error.status, "description": error.description}], status=error.status)
