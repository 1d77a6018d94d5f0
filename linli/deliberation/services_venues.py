"""百姓评理说事点 (mediation venues): set up, change and retire the places residents bring disputes to.

Kept per community or compound by the staff who manage it (``manage`` at the node). A venue is never
deleted: cases and 四员一律 sessions name it (``on_delete=PROTECT``); it is retired and leaves the
residents' list, its records stay.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from linli.audit.services import audit_record
from linli.core.errors import Conflict, InvalidInput
from linli.core.lookups import ancestor_paths
from linli.core.text import clean_text
from linli.deliberation.models import MediationVenue, VenueKind
from linli.deliberation.permissions import require
from linli.people.models import Person
from linli.places.models import Place, PlaceKind

VENUE_PLACE_KINDS = {PlaceKind.COMMUNITY, PlaceKind.COMPOUND}
NOT_YOURS = gettext_noop("您的岗位无权管理该百姓评理说事点")  # translated where raised: _(NOT_YOURS)
MAX_ON_DUTY = 20


def community_path(place: Place) -> str:
    """The path of the community the place lies in (the place itself if it is one; its own path above)."""
    if place.kind == PlaceKind.COMMUNITY:
        return place.path
    found = (
        Place.objects.filter(path__in=ancestor_paths(place.path, Place.steplen), kind=PlaceKind.COMMUNITY)
        .values_list("path", flat=True)
        .first()
    )
    return found or place.path


def venue_serves(venue: MediationVenue, place: Place) -> bool:
    """A venue serves the places of its own community (a compound's venue also takes a neighbour's case)."""
    return place.path.startswith(community_path(venue.place))


def check_venue_for(venue: MediationVenue | None, place: Place, field: str = "venue_id") -> None:
    if venue is None:
        return
    if not MediationVenue.objects.filter(pk=venue.pk, active=True).exists():  # as stored, not as once read
        raise InvalidInput(_("该百姓评理说事点已撤销"), field=field)
    if not venue_serves(venue, place):
        raise InvalidInput(_("该百姓评理说事点不在本社区"), field=field)


def _fields(*, name: str, kind: str, address: str, opening_hours: str, on_duty: list[Person]) -> dict[str, Any]:
    """The checked text fields. The on-duty people are ledger persons the caller could see (the views' and
    API's fetch helpers); a street worker may sit at a community's venue, so their homes are not checked."""
    if kind not in VenueKind.values:
        raise InvalidInput(_("请选择说事点类型"), field="kind")
    if len(on_duty) > MAX_ON_DUTY:
        raise InvalidInput(_("值班人员最多 20 人"), field="on_duty_ids")
    return {
        "name": clean_text(name, field="name", label=_("名称"), max_length=64),
        "kind": kind,
        "address": clean_text(address, field="address", label=_("地址"), max_length=200, required=False),
        "opening_hours": clean_text(
            opening_hours, field="opening_hours", label=_("开放时间"), max_length=100, required=False
        ),
    }


@transaction.atomic
def venue_create(
    *,
    actor: Any,
    place: Place,
    name: str,
    kind: str,
    address: str = "",
    opening_hours: str = "",
    on_duty: list[Person] | None = None,
) -> MediationVenue:
    require(actor, place.path, "manage", _(NOT_YOURS))
    if place.kind not in VENUE_PLACE_KINDS:
        raise InvalidInput(_("百姓评理说事点应设在社区或小区"), field="place_id")
    people = list(on_duty or [])
    fields = _fields(name=name, kind=kind, address=address, opening_hours=opening_hours, on_duty=people)
    if MediationVenue.objects.filter(place=place, name=fields["name"]).exists():
        raise Conflict(_("该节点已有同名的百姓评理说事点"), field="name")
    try:
        with transaction.atomic():
            venue = MediationVenue.objects.create(place=place, place_path=place.path, created_by=actor, **fields)
    except IntegrityError:  # the same name, submitted twice at once
        raise Conflict(_("该节点已有同名的百姓评理说事点"), field="name") from None
    venue.on_duty.set(people)
    audit_record(action="venue.created", actor=actor, target=venue, kind=kind)
    return venue


@transaction.atomic
def venue_update(
    *,
    actor: Any,
    venue: MediationVenue,
    name: str,
    kind: str,
    address: str = "",
    opening_hours: str = "",
    on_duty: list[Person] | None = None,
) -> MediationVenue:
    require(actor, venue.place_path, "manage", _(NOT_YOURS))
    venue = MediationVenue.objects.select_for_update().select_related("place").get(pk=venue.pk)
    if not venue.active:
        raise Conflict(_("该百姓评理说事点已撤销"))
    people = list(on_duty or [])
    fields = _fields(name=name, kind=kind, address=address, opening_hours=opening_hours, on_duty=people)
    if MediationVenue.objects.filter(place_id=venue.place_id, name=fields["name"]).exclude(pk=venue.pk).exists():
        raise Conflict(_("该节点已有同名的百姓评理说事点"), field="name")
    for key, value in fields.items():
        setattr(venue, key, value)
    venue.save(update_fields=list(fields))
    venue.on_duty.set(people)
    audit_record(action="venue.updated", actor=actor, target=venue)
    return venue


@transaction.atomic
def venue_retire(*, actor: Any, venue: MediationVenue) -> MediationVenue:
    """Retire (撤销): it leaves the residents' list and the pickers; cases and sessions keep naming it.
    Retiring a retired venue again changes nothing (a double submit)."""
    require(actor, venue.place_path, "manage", _(NOT_YOURS))
    venue = MediationVenue.objects.select_for_update().get(pk=venue.pk)
    if not venue.active:
        return venue
    venue.active = False
    venue.retired_on = timezone.localdate()
    venue.save(update_fields=["active", "retired_on"])
    audit_record(action="venue.retired", actor=actor, target=venue)
    return venue
