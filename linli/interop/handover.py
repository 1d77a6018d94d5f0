"""Requests handed over by an external hotline (12345), idempotent on the hotline's ticket id.

The hotline calls with the bearer token of a service account that holds a position at the
street (or above). The request is created through ``linli.tickets.services.ticket_submit``
(source ``phone``: the resident phoned the hotline), so it follows the same workflow; results
go back to the hotline through its webhook subscription, whose payload carries
``external = {system, id}``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from linli.audit.services import audit_record
from linli.core.errors import Forbidden, InvalidInput
from linli.core.scoping import active_positions, capabilities_at
from linli.interop.models import Handover
from linli.places.models import Place, PlaceKind
from linli.tickets.models import Source, Ticket

STREET_DEPTH = 2  # district → street
SYSTEM_MAX = 32
EXTERNAL_ID_MAX = 64


@dataclass
class HandoverResult:
    handover: Handover
    created: bool


def _street_roots(actor: Any) -> list[str]:
    """Paths of the streets (or districts) where the actor holds a position that handles requests."""
    return [
        path
        for _kind, path in active_positions(actor)
        if len(path) <= STREET_DEPTH * Place.steplen and capabilities_at(actor, path) & {"handle", "manage"}
    ]


def handover_receive(
    *,
    actor: Any,
    system: str,
    external_id: str,
    description: str,
    place_id: int,
    title: str = "",
    category_id: int | None = None,
    lat: Decimal | None = None,
    lng: Decimal | None = None,
    contact_phone: str = "",
    reporter_name: str = "",
    public: bool = False,
) -> HandoverResult:
    """Create the request once per ``(system, external_id)``; a repeat returns the first."""
    system = (system or "").strip()
    external_id = (external_id or "").strip()
    if not system or len(system) > SYSTEM_MAX:
        raise InvalidInput(_("来源系统名称应为 1 到 %(max)d 个字符") % {"max": SYSTEM_MAX}, field="system")
    if not external_id or len(external_id) > EXTERNAL_ID_MAX:
        raise InvalidInput(
            _("外部工单号应为 1 到 %(max)d 个字符") % {"max": EXTERNAL_ID_MAX},
            field="external_id",
        )
    roots = _street_roots(actor) if not getattr(actor, "is_superuser", False) else [""]
    if not roots:
        raise Forbidden(_("只有在街道任职的服务账号可以转交工单"))
    existing = Handover.objects.select_related("ticket").filter(system=system, external_id=external_id).first()
    if existing is not None:
        return HandoverResult(existing, False)
    place = Place.objects.filter(pk=place_id).first()
    if place is None or not any(place.path.startswith(root) for root in roots):
        raise InvalidInput(_("所选位置不存在,或不在您所在街道"), field="place_id")
    if place.kind == PlaceKind.STREET:
        raise InvalidInput(_("请指定到社区、小区或楼栋"), field="place_id")
    key = hashlib.sha256(f"{system}\n{external_id}".encode()).hexdigest()[:64]
    try:
        with transaction.atomic():
            ticket = _submit(
                actor=actor,
                description=description,
                title=title,
                category_id=category_id,
                place_id=place.pk,
                lat=lat,
                lng=lng,
                contact_phone=contact_phone,
                reporter_name=reporter_name or system,
                public=public,
                key=key,
            )
            row, created = Handover.objects.get_or_create(
                system=system, external_id=external_id, defaults={"ticket": ticket, "received_by": actor}
            )
            if created:
                audit_record(
                    action="handover.received", actor=actor, target=ticket, system=system, external_id=external_id
                )
    except IntegrityError:
        # The same hand-over raced us: the first one's row is the answer.
        first = Handover.objects.select_related("ticket").get(system=system, external_id=external_id)
        return HandoverResult(first, False)
    return HandoverResult(row, created)


def _submit(
    *,
    actor: Any,
    description: str,
    title: str,
    category_id: int | None,
    place_id: int,
    lat: Decimal | None,
    lng: Decimal | None,
    contact_phone: str,
    reporter_name: str,
    public: bool,
    key: str,
) -> Ticket:
    from linli.tickets.services import ticket_submit

    ticket, _created = ticket_submit(
        actor=actor,
        description=description,
        title=title,
        category_id=category_id,
        place_id=place_id,
        lat=lat,
        lng=lng,
        public=public,
        contact_phone=contact_phone,
        source=Source.PHONE,
        reporter_name=reporter_name,
        idempotency_key=key,
    )
    return ticket
