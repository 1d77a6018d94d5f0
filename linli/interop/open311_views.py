"""Open311 GeoReport v2 endpoints under ``/open311/v2/`` (plus mySociety's servicerequestupdates).

Every response, including every error, is in the format the path's extension asks for; an
extension we do not speak gets the error list in JSON. Reads need no key; POST needs ``api_key``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from typing import Any
from xml.etree import ElementTree as ET

from django.http import FileResponse, HttpRequest, HttpResponse, QueryDict
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from linli.core.errors import Forbidden, NotFound
from linli.interop.keys import RateLimited, open311_key_check, street_by_id
from linli.interop.models import Open311Key
from linli.interop.open311_format import FORMATS, Open311Error, render, render_error
from linli.interop.open311_intake import open311_request_create
from linli.interop.open311_selectors import (
    by_token,
    category_for_code,
    public_photo,
    public_request,
    requests_out,
    search_requests,
    service_definition_out,
    services_out,
    updates,
)
from linli.places.models import Place

SPEC_URL = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-03-01T00:00:00+08:00"
MAX_BODY = 64 * 1024

View = Callable[..., HttpResponse]


def open311(methods: tuple[str, ...]) -> Callable[[View], View]:
    """Check the format and method, turn every error into the spec's error list."""

    def wrap(view: View) -> View:
        @csrf_exempt
        @wraps(view)
        def handle(request: HttpRequest, *args: Any, fmt: str = "json", **kwargs: Any) -> HttpResponse:
            out_fmt = fmt.lower() if fmt.lower() in FORMATS else "json"
            try:
                if fmt.lower() not in FORMATS:
                    raise Open311Error(400, f"format “{fmt[:20]}” is not supported: use .json or .xml")
                if request.method not in methods:
                    raise Open311Error(405, f"method {request.method} is not allowed here; use {' or '.join(methods)}")
                return view(request, *args, fmt=out_fmt, **kwargs)
            except Open311Error as exc:
                return render_error(out_fmt, exc)
            except RateLimited as exc:
                limited = render_error(out_fmt, Open311Error(429, exc.message))
                limited["Retry-After"] = str(exc.retry_after)
                return limited
            except Forbidden as exc:
                return render_error(out_fmt, Open311Error(403, exc.message))
            except NotFound as exc:
                return render_error(out_fmt, Open311Error(404, exc.message))

        return handle

    return wrap


def _jurisdiction(params: Any) -> Place | None:
    raw = (params.get("jurisdiction_id") or "").strip()
    return street_by_id(raw) if raw else None


def _key_street(key: Open311Key, asked: Place | None) -> Place | None:
    if key.jurisdiction_id is not None:
        if asked is not None and asked.pk != key.jurisdiction_id:
            raise Forbidden(f"api_key is not valid for jurisdiction_id “{asked.code or asked.pk}”")
        return key.jurisdiction
    return asked


def _form_from_json(body: bytes) -> QueryDict:
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise Open311Error(400, f"request body is not valid JSON: {str(exc)[:120]}") from None
    if not isinstance(data, dict):
        raise Open311Error(400, "request body must be a JSON object of field names and values")
    form = QueryDict(mutable=True)
    for name, value in data.items():
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, dict | list):
                raise Open311Error(400, f"field {name} must be a string or number")
            form.appendlist(str(name), "" if item is None else str(item))
    return form


def _form_from_xml(body: bytes) -> QueryDict:
    """A flat ``<request><field>value</field>…</request>``. No DTDs: no entity expansion."""
    if b"<!DOCTYPE" in body.upper() or b"<!ENTITY" in body.upper():
        raise Open311Error(400, "request body may not contain a DTD or entities")
    try:
        root = ET.fromstring(body)  # noqa: S314 (DTDs refused above, so no entity expansion)
    except ET.ParseError as exc:
        raise Open311Error(400, f"request body is not well-formed XML: {exc}") from None
    form = QueryDict(mutable=True)
    for child in root:
        form.appendlist(child.tag, (child.text or "").strip())
    return form


def _post_data(request: HttpRequest) -> Any:
    ctype = (request.content_type or "").lower()
    if ctype in ("application/x-www-form-urlencoded", "multipart/form-data", ""):
        return request.POST
    body = request.body[: MAX_BODY + 1]
    if len(body) > MAX_BODY:
        raise Open311Error(400, f"request body is larger than {MAX_BODY // 1024} KB")
    if ctype == "application/json":
        return _form_from_json(body)
    if ctype in ("text/xml", "application/xml"):
        return _form_from_xml(body)
    raise Open311Error(400, f"content type {ctype[:60]} is not accepted: send application/x-www-form-urlencoded")


@open311(("GET",))
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    base = request.build_absolute_uri(reverse("open311:discovery", kwargs={"fmt": fmt})).rsplit("/", 1)[0]
    data = {
        "changeset": CHANGESET,
        "contact": _("请联系街道系统管理员"),
        "key_service": request.build_absolute_uri(reverse("interop:index")),
        "paging": _(
            "GET requests.json/xml 每次最多返回 1000 条(可用 page_size 调小);窗口内更多的结果用 page=2、3…"
            "翻页,响应头 Link rel=next 给出下一页的完整地址(固定了 start_date/end_date,新到的诉求不会使页错位);"
            "起止时间跨度不超过 90 天"
        ),
        "endpoints": [
            {
                "specification": SPEC_URL,
                "url": base,
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return render(fmt, "discovery", data)


@open311(("GET",))
def services(request: HttpRequest, fmt: str) -> HttpResponse:
    _jurisdiction(request.GET)
    return render(fmt, "services", services_out())


@open311(("GET",))
def service_definition(request: HttpRequest, fmt: str, code: str) -> HttpResponse:
    _jurisdiction(request.GET)
    category = category_for_code(code)
    if category is None:
        raise Open311Error(404, f"service_code “{code[:40]}” not found")
    return render(fmt, "service_definition", service_definition_out(category))


@open311(("GET", "POST"))
def requests_collection(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        data = _post_data(request)
        key = open311_key_check(data.get("api_key") or request.GET.get("api_key") or "", request=request)
        street = _key_street(key, _jurisdiction(data) or _jurisdiction(request.GET))
        row = open311_request_create(
            key=key, street=street, data=data, request=request, media=request.FILES.get("media")
        )
        answer = {
            "service_request_id": str(row.ticket_id),
            "token": row.token,
            "service_notice": _("已收到,诉求编号 %(number)s") % {"number": row.ticket.number},
            "account_id": row.account_id or None,
        }
        return render(fmt, "requests", [answer], status=201)
    found = search_requests(_jurisdiction(request.GET), request.GET)
    response = render(fmt, "requests", requests_out(found.tickets, _base(request)))
    if found.has_more and found.start is not None and found.end is not None:
        following = request.GET.copy()
        following["start_date"] = found.start.isoformat()
        following["end_date"] = found.end.isoformat()
        following["page"] = str(found.page + 1)
        following["page_size"] = str(found.page_size)
        response["Link"] = f'<{request.build_absolute_uri(request.path)}?{following.urlencode()}>; rel="next"'
    response["X-Open311-Page"] = str(found.page)
    return response


def _base(request: HttpRequest) -> str:
    """Absolute /open311/v2 root, for media_url links to our copy of a request's photo."""
    return request.build_absolute_uri(reverse("open311:discovery", kwargs={"fmt": "json"})).rsplit("/", 1)[0]


@open311(("GET",))
def request_detail(request: HttpRequest, fmt: str, request_id: str) -> HttpResponse:
    ticket = public_request(_jurisdiction(request.GET), request_id)
    return render(fmt, "requests", requests_out([ticket], _base(request)))


def media(request: HttpRequest, photo_id: str, ext: str) -> HttpResponse:
    """The report photo of a public request (EXIF already removed when it was stored)."""
    try:
        photo = public_photo(photo_id)
    except Open311Error as exc:
        return render_error("json", exc)
    response = FileResponse(photo.image.open("rb"), content_type=photo.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "public, max-age=3600"
    return response


@open311(("GET",))
def token_detail(request: HttpRequest, fmt: str, token: str) -> HttpResponse:
    row = by_token(token)
    return render(fmt, "requests", [{"service_request_id": str(row.ticket_id), "token": row.token}])


@open311(("GET",))
def request_updates(request: HttpRequest, fmt: str) -> HttpResponse:
    """mySociety's extension: status changes since ``start_date``, for FixMyStreet-style clients."""
    key = open311_key_check(request.GET.get("api_key") or "", request=request)
    street = _key_street(key, _jurisdiction(request.GET))
    return render(fmt, "updates", updates(street, request.GET))


@open311(("GET", "POST"))
def unknown(request: HttpRequest, fmt: str = "json", rest: str = "") -> HttpResponse:
    raise Open311Error(404, f"no Open311 endpoint at “{request.path[:100]}”; see discovery.json")
