"""A real third-party Open311 client (PyPI ``georeport``) against a live server, JSON and XML.

``georeport`` 0.3.1 is the one GeoReport v2 client on PyPI that runs on Python 3: ``three`` 0.8.0
imports ``itertools.ifilter`` and ``open311`` 1.1 uses Python 2 implicit relative imports, so
both fail at import on 3.11. ``georeport`` reads (services, service definitions, requests) but
cannot create requests: 0.3.1 has no POST method at all (its README: "does not currently support
the creation of new 311 service requests"; ``GeoReport`` only has ``get_service_list``,
``get_service_definition``, ``get_service_requests`` and ``get_service_request``). Nothing on our
side blocks it; the library simply never sends a POST. So the create goes through
``GeoReportWithPost`` below: the library's own client object (its root address, jurisdiction,
api_key and output format, and its xmltodict parsing for XML) plus the one method the spec
defines and the library lacks, a form-encoded (or multipart, with ``media``) POST to
``requests.{format}`` — the way such a client would add it.
"""

from __future__ import annotations

from typing import Any

import pytest
import requests
from georeport import GeoReport

from linli.interop.keys import open311_key_create
from linli.places.models import Place
from linli.tickets import transitions as tr
from linli.tickets.models import Category, Ticket
from linli.tickets.selectors import TicketFilters, filter_tickets, visible_tickets
from tests.conftest import build_demo

pytestmark = pytest.mark.django_db(transaction=True)


class GeoReportWithPost(GeoReport):
    """georeport's client plus POST Service Request (GeoReport v2 §"POST Service Request")."""

    def post_service_request(self, service_code: str, media: bytes | None = None, **fields: Any) -> dict[str, Any]:
        import xmltodict

        data = {"service_code": service_code, "api_key": self.api_key, **fields}
        if self.jurisdiction:
            data["jurisdiction_id"] = self.jurisdiction
        files = {"media": ("photo.png", media, "image/png")} if media is not None else None
        response = requests.post(
            f"{self.root_address}/requests.{self.output_format}", data=data, files=files, timeout=10
        )
        response.raise_for_status()
        if self.output_format == "json":
            return response.json()[0]
        return xmltodict.parse(response.content)["service_requests"]["request"]


@pytest.fixture
def live(django_db_serialized_rollback: Any, transactional_db: Any, live_server: Any) -> Any:
    """The demo street visible to the live server thread (rebuilt if an earlier test flushed it)."""
    if not Place.objects.exists():
        build_demo()
    return live_server


def test_third_party_client_follows_a_request_from_creation_to_closure(live):
    from linli.accounts.models import User

    street = Place.objects.get(kind="street")
    top = Category.objects.create(name="市政设施")
    lamp = Category.objects.create(parent=top, level=2, name="路灯不亮")
    _row, key = open311_key_create(actor=None, name="第三方客户端", jurisdiction_id=street.pk)
    base = f"{live.url}/open311/v2"
    building = Place.objects.filter(kind="building").order_by("path").first()
    assert building is not None

    for fmt in ("json", "xml"):
        client = GeoReport(base, jurisdiction=street.code, api_key=key, output_format=fmt)
        services = client.get_service_list()
        services = services if isinstance(services, list) else [services]
        assert str(lamp.pk) in [s["service_code"] for s in services]
        definition = client.get_service_definition(str(lamp.pk))
        assert definition["service_code"] == str(lamp.pk)

    created = requests.post(
        f"{base}/requests.json",
        data={
            "api_key": key,
            "jurisdiction_id": street.code,
            "service_code": str(lamp.pk),
            "lat": str(building.lat),
            "long": str(building.lng),
            "description": "楼下路灯坏了一周",
            "first_name": "Li",
            "last_name": "Lei",
        },
        timeout=10,
    )
    assert created.status_code == 201, created.text
    request_id = created.json()[0]["service_request_id"]
    ticket = Ticket.objects.get(pk=int(request_id))
    grid = User.objects.get(username="grid")
    queue = filter_tickets(visible_tickets(grid), grid, TicketFilters(queue="mine"))
    assert queue.filter(pk=ticket.pk).exists()  # in the grid worker's own workbench queue

    json_client = GeoReport(base, jurisdiction=street.code, output_format="json")
    xml_client = GeoReport(base, jurisdiction=street.code, output_format="xml")
    assert json_client.get_service_request(request_id)["status"] == "open"
    assert xml_client.get_service_request(request_id)["status"] == "open"

    tr.ticket_accept(actor=grid, ticket_id=ticket.pk)
    tr.ticket_assign(
        actor=grid, ticket_id=ticket.pk, place_id=Place.objects.get(kind="grid", path=ticket.place_path[:20]).pk
    )
    tr.ticket_start(actor=grid, ticket_id=ticket.pk)
    tr.ticket_resolve(actor=grid, ticket_id=ticket.pk, note="已更换灯泡,恢复照明")

    for client in (json_client, xml_client):
        seen = client.get_service_request(request_id)
        assert seen["status"] == "closed" and seen["status_notes"] == "已更换灯泡,恢复照明"
        listed = client.get_service_requests(status="closed")
        listed = listed if isinstance(listed, list) else [listed]
        assert request_id in [r["service_request_id"] for r in listed]

    updates = requests.get(f"{base}/servicerequestupdates.json", params={"api_key": key}, timeout=10).json()
    assert [u["status"] for u in updates if u["service_request_id"] == request_id] == [
        "INVESTIGATING",
        "ACTION_SCHEDULED",
        "IN_PROGRESS",
        "FIXED",
    ]


def test_the_client_creates_requests_in_json_and_xml_with_a_photo_and_reads_them_back(live):
    import io

    from PIL import Image

    from linli.accounts.models import User
    from linli.tickets.models import TicketPhoto
    from linli.tickets.transitions import ticket_accept

    street = Place.objects.get(kind="street")
    top = Category.objects.create(name="环境卫生")
    litter = Category.objects.create(parent=top, level=2, name="垃圾堆放")
    _row, key = open311_key_create(actor=None, name="第三方客户端", jurisdiction_id=street.pk)
    building = Place.objects.filter(kind="building").order_by("path").first()
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (10, 120, 10)).save(buffer, format="PNG")
    base = f"{live.url}/open311/v2"
    for fmt in ("json", "xml"):
        client = GeoReportWithPost(base, jurisdiction=street.code, api_key=key, output_format=fmt)
        created = client.post_service_request(
            str(litter.pk),
            media=buffer.getvalue(),
            lat=str(building.lat),
            long=str(building.lng),
            description=f"楼道口垃圾堆了三天({fmt})",
            email="li@example.com",
        )
        request_id = created["service_request_id"]
        assert created["token"] and request_id.isdigit()
        photo = TicketPhoto.objects.get(ticket_id=int(request_id))
        assert (photo.width, photo.height) == (64, 48)
        assert not client.get_service_request(request_id)["description"]  # published once staff accept it
        ticket_accept(actor=User.objects.get(username="admin"), ticket_id=int(request_id))
        seen = client.get_service_request(request_id)
        assert seen["status"] == "open" and seen["description"] == f"楼道口垃圾堆了三天({fmt})"
        image = requests.get(seen["media_url"], timeout=10)
        assert image.status_code == 200 and image.headers["Content-Type"] == "image/png"
