"""“四位一体” (seed 001: 推行社区居委会、业主委员会、物业公司、法律顾问“四位一体”社区治理联动议事决策机制):
a community's 法律顾问 (a lawyer or a law firm, over a term) and which of the four parties came to a 四位一体 joint
meeting. One function per change, each audited; staff who manage the community (the meeting's node) write."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.audit.services import audit_record
from linli.core.errors import Conflict, InvalidInput, NotFound
from linli.core.idempotency import clean_key, create_once
from linli.core.identifiers import normalise_contact_phone, parse_id
from linli.core.lookups import ancestor_paths
from linli.core.text import clean_text
from linli.deliberation.models import (
    AdviserKind,
    FourParty,
    LegalAdviser,
    Meeting,
    MeetingKind,
    MeetingPartyPresence,
)
from linli.deliberation.permissions import require
from linli.orgs.models import Organisation, OrganisationKind
from linli.places.models import Place, PlaceKind

PARTY_ORG_KIND = {
    FourParty.RESIDENTS_COMMITTEE: OrganisationKind.RESIDENTS_COMMITTEE,
    FourParty.OWNERS_COMMITTEE: OrganisationKind.OWNERS_COMMITTEE,
    FourParty.PROPERTY_COMPANY: OrganisationKind.PROPERTY_COMPANY,
}


def community_of(place: Place) -> Place | None:
    """The community a place is in (itself, for a community)."""
    if place.kind == PlaceKind.COMMUNITY:
        return place
    return Place.objects.filter(path__in=ancestor_paths(place.path, Place.steplen), kind=PlaceKind.COMMUNITY).first()


@transaction.atomic
def adviser_appoint(
    *,
    actor: Any,
    community: Place,
    kind: str,
    name: str,
    starts_on: dt.date | None,
    ends_on: dt.date | None = None,
    firm: str = "",
    phone: str = "",
    idempotency_key: str = "",
) -> LegalAdviser:
    """Record the community's 法律顾问 from ``starts_on`` (to ``ends_on``, or open-ended). Two engagements may overlap
    (a firm and its lawyer, a handover); a double submit with the same key records one."""
    if community.kind != PlaceKind.COMMUNITY:
        raise InvalidInput(_("法律顾问由社区聘请,请选择社区"), field="community_id")
    require(actor, community.path, "manage", _("您的岗位无权为此社区聘请法律顾问"))
    if kind not in AdviserKind.values:
        raise InvalidInput(_("请选择律师(个人)或律师事务所(机构)"), field="kind")
    if starts_on is None:
        raise InvalidInput(_("请填写聘期开始日期"), field="starts_on")
    if ends_on is not None and ends_on < starts_on:
        raise InvalidInput(_("聘期结束日期不能早于开始日期"), field="ends_on")
    values = {
        "kind": kind,
        "name": clean_text(name, field="name", label=_("法律顾问名称"), max_length=64),
        "firm": clean_text(firm, field="firm", label=_("执业机构"), max_length=100, required=False),
        "phone": normalise_contact_phone(phone, field="phone"),
        "starts_on": starts_on,
        "ends_on": ends_on,
    }
    key = clean_key(idempotency_key)

    def create() -> LegalAdviser:
        adviser = LegalAdviser.objects.create(
            community=community, place_path=community.path, appointed_by=actor, idempotency_key=key, **values
        )
        audit_record(action="legal_adviser.appoint", actor=actor, target=adviser, kind=kind, community=community.pk)
        return adviser

    adviser, _created = create_once(
        earlier=LegalAdviser.objects.filter(appointed_by=actor),
        key=key,
        create=create,
        same=lambda e: e.community_id == community.pk and all(getattr(e, f) == v for f, v in values.items()),
        refusal=lambda e: _("这个 Idempotency-Key 已用于另一位法律顾问"),
    )
    return adviser


@transaction.atomic
def adviser_end(*, actor: Any, adviser: LegalAdviser, ends_on: dt.date | None) -> LegalAdviser:
    """End an engagement on ``ends_on`` (its last day): not before it began; an ended one cannot be ended again."""
    require(actor, adviser.place_path, "manage", _("您的岗位无权为此社区聘请法律顾问"))
    adviser = LegalAdviser.objects.select_for_update().get(pk=adviser.pk)
    if ends_on is None:
        raise InvalidInput(_("请填写聘期结束日期"), field="ends_on")
    if adviser.ends_on is not None and adviser.ends_on < timezone.localdate():
        raise Conflict(_("该法律顾问的聘期已结束"), field="ends_on")
    if ends_on < adviser.starts_on:
        raise InvalidInput(_("聘期结束日期不能早于开始日期"), field="ends_on")
    adviser.ends_on = ends_on
    adviser.save(update_fields=["ends_on"])
    audit_record(action="legal_adviser.end", actor=actor, target=adviser, ends_on=ends_on.isoformat())
    return adviser


def _meeting_day(meeting: Meeting) -> dt.date:
    return timezone.localtime(meeting.starts_at).date()


def _org_for(meeting: Meeting, party: str, organisation_id: Any) -> Organisation:
    """The 居委会, 业委会 or 物业服务企业 that came: of the party's kind, registered at or serving the meeting's place,
    a node above it or one under it."""
    org = Organisation.objects.filter(pk=parse_id(organisation_id) or 0, kind=PARTY_ORG_KIND[FourParty(party)]).first()
    if org is None:
        raise InvalidInput(_("请选择该方的组织"), field="organisation_id")
    here = ancestor_paths(meeting.place_path, Place.steplen)
    near = [org.place_path, *org.serves.values_list("path", flat=True)]
    if not any(p in here or p.startswith(meeting.place_path) for p in near):
        raise InvalidInput(_("该组织不在会议所在社区或小区"), field="organisation_id")
    return org


def _adviser_for(meeting: Meeting, adviser_id: Any) -> LegalAdviser:
    """The legal adviser of the meeting's community, in force on the meeting's day."""
    community = community_of(meeting.place)
    adviser = (
        LegalAdviser.objects.filter(pk=parse_id(adviser_id) or 0, community=community).first() if community else None
    )
    if adviser is None:
        raise InvalidInput(_("请选择本社区的法律顾问"), field="adviser_id")
    if not adviser.in_force_on(_meeting_day(meeting)):
        raise InvalidInput(_("会议当天该法律顾问不在聘期内"), field="adviser_id")
    return adviser


@transaction.atomic
def party_present_record(
    *,
    actor: Any,
    meeting: Meeting,
    party: str,
    attendee: str,
    organisation_id: int | None = None,
    adviser_id: int | None = None,
) -> MeetingPartyPresence:
    """Record that one of the four parties was at a 四位一体 meeting, and who came for it. Once per party (409)."""
    require(actor, meeting.place_path, "manage", _("您的岗位无权管理此会议"))
    if meeting.kind != MeetingKind.FOUR_IN_ONE:
        raise Conflict(_("只有四位一体联席会议记录四方到会"), field="party")
    if party not in FourParty.values:
        raise InvalidInput(_("请选择居委会、业委会、物业公司或法律顾问"), field="party")
    who = clean_text(attendee, field="attendee", label=_("到会人员"), max_length=64)
    org = _org_for(meeting, party, organisation_id) if party != FourParty.LEGAL_ADVISER else None
    adviser = _adviser_for(meeting, adviser_id) if party == FourParty.LEGAL_ADVISER else None
    try:
        with transaction.atomic():
            row = MeetingPartyPresence.objects.create(
                meeting=meeting, party=party, organisation=org, adviser=adviser, attendee=who, recorded_by=actor
            )
    except IntegrityError:
        raise Conflict(_("该方到会已记录"), field="party") from None
    audit_record(action="meeting.party_recorded", actor=actor, target=meeting, party=party)
    return row


@transaction.atomic
def party_present_remove(*, actor: Any, meeting: Meeting, party: str) -> None:
    """Take back a mistaken record of a party's presence."""
    require(actor, meeting.place_path, "manage", _("您的岗位无权管理此会议"))
    deleted, _rows = MeetingPartyPresence.objects.filter(meeting=meeting, party=party).delete()
    if not deleted:
        raise NotFound(_("该方到会尚未记录"), field="party")
    audit_record(action="meeting.party_removed", actor=actor, target=meeting, party=party)
