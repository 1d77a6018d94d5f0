# ruff: noqa: F811  (pytest fixtures imported from test_interop_open311 are redefined as arguments)
"""Open311 ``media`` uploads (multipart) stored as the request's photo, and GET requests beyond the
1,000 cap walked with ``page``/``page_size`` and the ``Link: rel=next`` header (nothing silently cut)."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from linli.interop import open311_selectors
from linli.tickets import transitions as tr
from linli.tickets.models import Ticket, TicketPhoto
from tests.support import png_upload
from tests.test_interop_open311 import BASE, building, error_of, key, services, street  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db


def _fields(key: str, services: Any, **extra: Any) -> dict[str, Any]:
    b = building()
    return {
        "api_key": key,
        "service_code": str(services["lamp"].pk),
        "lat": str(b.lat),
        "long": str(b.lng),
        "description": "路灯坏了",
        **extra,
    }


def test_a_media_upload_becomes_the_requests_photo_and_its_media_url_once_accepted(
    client: Any, key: str, services: Any, users: Any
) -> None:
    r = client.post(f"{BASE}/requests.json", _fields(key, services, media=png_upload("photo.png", (40, 30))))
    assert r.status_code == 201, r.content
    ticket = Ticket.objects.get(pk=int(r.json()[0]["service_request_id"]))
    photo = TicketPhoto.objects.get(ticket=ticket)
    assert photo.kind == "report" and photo.content_type == "image/png" and (photo.width, photo.height) == (40, 30)
    pending = client.get(f"{BASE}/requests/{ticket.pk}.json").json()[0]
    assert pending["media_url"] == "" and pending["description"] == ""  # nothing published before review
    assert client.get(f"{BASE}/media/{photo.pk}.png").status_code == 404
    tr.ticket_accept(actor=users["grid"], ticket_id=ticket.pk)
    seen = client.get(f"{BASE}/requests/{ticket.pk}.json").json()[0]
    assert seen["media_url"].endswith(f"/open311/v2/media/{photo.pk}.png")
    image = client.get(seen["media_url"].split("testserver")[-1])
    assert image.status_code == 200 and image["Content-Type"] == "image/png"
    Image.open(io.BytesIO(b"".join(image.streaming_content))).verify()


def test_a_media_file_that_is_not_an_image_refuses_the_whole_post(client: Any, key: str, services: Any) -> None:
    before = Ticket.objects.count()
    fake = SimpleUploadedFile("photo.jpg", b"<?php echo 1; ?>" * 10, content_type="image/jpeg")
    r = client.post(f"{BASE}/requests.xml", _fields(key, services, media=fake))
    code, description = error_of(r)
    assert r.status_code == 400 and code == 400 and description.startswith("media:")
    assert Ticket.objects.count() == before and not TicketPhoto.objects.exists()


def test_an_oversized_media_file_is_refused_with_its_limit(client: Any, key: str, services: Any, settings: Any) -> None:
    settings.UPLOAD_MAX_BYTES = 2048
    big = SimpleUploadedFile("big.png", b"\x89PNG\r\n\x1a\n" + b"0" * 4096, content_type="image/png")
    before = Ticket.objects.count()
    r = client.post(f"{BASE}/requests.json", _fields(key, services, media=big))
    assert r.status_code == 400 and error_of(r)[1] == "media: 文件不能超过 1 MB"
    assert Ticket.objects.count() == before


def test_media_of_a_private_request_or_a_made_up_id_is_404(client: Any, key: str, services: Any) -> None:
    r = client.post(f"{BASE}/requests.json", _fields(key, services, media=png_upload("photo.png", (40, 30))))
    ticket = Ticket.objects.get(pk=int(r.json()[0]["service_request_id"]))
    photo = TicketPhoto.objects.get(ticket=ticket)
    Ticket.objects.filter(pk=ticket.pk).update(public=False)
    assert client.get(f"{BASE}/media/{photo.pk}.png").status_code == 404
    assert client.get(f"{BASE}/media/999999.png").status_code == 404


def test_get_requests_beyond_a_page_follows_link_next_without_losing_or_repeating_any(
    client: Any, key: str, services: Any
) -> None:
    made = []
    for i in range(5):
        r = client.post(f"{BASE}/requests.json", _fields(key, services, description=f"第{i}盏路灯"))
        made.append(r.json()[0]["service_request_id"])
    seen: list[str] = []
    url = f"{BASE}/requests.json?page_size=2&service_code={services['lamp'].pk}"
    pages = 0
    while url:
        r = client.get(url)
        assert r.status_code == 200
        seen += [x["service_request_id"] for x in r.json()]
        link = r.headers.get("Link", "")
        url = link[1 : link.index(">")].split("testserver")[-1] if link else ""
        pages += 1
        if pages == 2:  # a request arriving while the client pages does not shift later pages
            client.post(f"{BASE}/requests.json", _fields(key, services, description="新来的"))
    assert pages == 3 and sorted(seen) == sorted(made) and len(seen) == len(set(seen))


def test_the_cap_still_holds_and_bad_paging_values_are_refused(client: Any, key: str, services: Any) -> None:
    assert open311_selectors.MAX_RESULTS == 1000
    r = client.get(f"{BASE}/requests.json?page_size=1001")
    assert r.status_code == 400 and "page_size" in error_of(r)[1]
    assert client.get(f"{BASE}/requests.xml?page=0").status_code == 400
    discovery = client.get(f"{BASE}/discovery.json").json()
    assert "page_size" in discovery["paging"] and "Link" in discovery["paging"]


def test_the_first_page_is_the_newest_and_has_no_link_when_all_fit(client: Any, key: str, services: Any) -> None:
    client.post(f"{BASE}/requests.json", _fields(key, services))
    r = client.get(f"{BASE}/requests.json", {"end_date": timezone.now().isoformat()})
    assert r.status_code == 200 and "Link" not in r.headers and r["X-Open311-Page"] == "1"
