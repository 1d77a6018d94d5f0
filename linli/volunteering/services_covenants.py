"""Writes for 盟约 (team covenants, seed 003 "建立盟规、签订盟约"): sign, amend while in force, terminate.

Each is one transaction with an audit event. A covenant is never deleted: ended early it is 解约 with a
reason and a date; a covenant whose term has passed reads as 期满 without any write (see
``selectors_covenants.covenant_state``).
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.audit.services import audit_record
from linli.core.dates import valid_day
from linli.core.errors import Conflict, Forbidden, InvalidInput
from linli.core.identifiers import parse_id
from linli.core.text import clean_text
from linli.people.models import Person
from linli.places.models import Place, PlaceKind
from linli.volunteering.common import ancestors, may, require_staff, staff_q
from linli.volunteering.models import CovenantStatus, Team, TeamCovenant
from linli.volunteering.selectors_covenants import access_covenant, covenant_state

MAX_SERVICES = 40
MAX_SERVICE_LENGTH = 50
MAX_HOURS = Decimal("100000")
MAX_TERM_DAYS = 366 * 5
SEPARATORS = re.compile(r"[\n\r、,,;;]+")


def clean_services(value: Any) -> list[str]:
    """The services promised: a list of lines (or one text split at line breaks and 、,;), de-duplicated."""
    raw = value if isinstance(value, list | tuple) else SEPARATORS.split(str(value or ""))
    lines: list[str] = []
    for item in raw:
        for part in SEPARATORS.split(str(item or "")):
            text = part.strip()
            if not text:
                continue
            if len(text) > MAX_SERVICE_LENGTH:
                raise InvalidInput(
                    _("服务项目每项不超过 %(n)d 字:%(item)s") % {"n": MAX_SERVICE_LENGTH, "item": text[:20]},
                    field="services",
                )
            if text not in lines:
                lines.append(text)
    if not lines:
        raise InvalidInput(_("请填写承诺的服务项目"), field="services")
    if len(lines) > MAX_SERVICES:
        raise InvalidInput(_("服务项目不超过 %(n)d 项") % {"n": MAX_SERVICES}, field="services")
    return lines


def clean_hours(value: Any) -> Decimal:
    """承诺服务时长: a positive number of hours, to one decimal place."""
    try:
        hours = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise InvalidInput(_("承诺服务时长应为数字(小时)"), field="hours_promised") from None
    if not hours.is_finite() or hours <= 0 or hours > MAX_HOURS:
        raise InvalidInput(_("承诺服务时长应在 0.5 到 100000 小时之间"), field="hours_promised")
    if hours != hours.quantize(Decimal("0.1")):
        raise InvalidInput(_("承诺服务时长最多保留一位小数"), field="hours_promised")
    return hours


def _term(starts_on: Any, ends_on: Any) -> tuple[dt.date, dt.date]:
    start = valid_day(starts_on, field="starts_on", label=_("起始日期"))
    end = valid_day(ends_on, field="ends_on", label=_("期满日期"))
    if end < start:
        raise InvalidInput(_("期满日期应不早于起始日期"), field="ends_on")
    if (end - start).days > MAX_TERM_DAYS:
        raise InvalidInput(_("盟约期限不超过五年"), field="ends_on")
    return start, end


def _community(actor: Any, community_id: Any) -> Place:
    pk = parse_id(community_id)
    place = Place.objects.filter(pk=pk).first() if pk else None
    if place is None:
        raise InvalidInput(_("请选择签约社区"), field="community_id")
    require_staff(actor, place.path, "manage")
    if place.kind != PlaceKind.COMMUNITY:
        raise InvalidInput(_("盟约的签约方应为社区"), field="community_id")
    return place


def _team(actor: Any, team_id: Any, community: Place) -> Team:
    """A team the signer manages, or one anchored at the community or above it (a street's or unit's team)."""
    pk = parse_id(team_id)
    team = (
        Team.objects.filter(pk=pk).filter(
            staff_q(actor, caps=("manage",)) | Q(place_path__in=ancestors(community.path))
        )
        if pk
        else Team.objects.none()
    ).first()
    if team is None:
        raise InvalidInput(_("请选择签约的志愿队伍"), field="team_id")
    return team


def _signatory(team: Team, person_id: Any, name: Any) -> tuple[Person | None, str]:
    """The team's signatory: one of its members (or its leader), or a name written in."""
    pk = parse_id(person_id) if person_id not in (None, "", 0) else None
    if person_id not in (None, "", 0) and pk is None:
        raise InvalidInput(_("队伍签约人应为本队队员"), field="signatory_person_id")
    if pk:
        person = Person.objects.filter(Q(volunteer_teams__team=team) | Q(pk=team.leader_id), pk=pk).first()
        if person is None:
            raise InvalidInput(_("队伍签约人应为本队队员"), field="signatory_person_id")
        return person, person.name[:64]
    text = clean_text(name, field="signatory_name", label=_("队伍签约人"), max_length=64)
    return None, text


def _may_write(actor: Any, covenant: TeamCovenant) -> None:
    if not may(actor, covenant.place_path, "manage"):
        raise Forbidden(_("只有社区工作人员可以签订、变更或解除盟约"))


@transaction.atomic
def covenant_sign(
    *,
    actor: Any,
    team_id: int,
    community_id: int,
    title: str,
    services: list[str] | str,
    hours_promised: Any,
    starts_on: dt.date,
    ends_on: dt.date,
    signed_on: dt.date | None = None,
    signatory_person_id: int | None = None,
    signatory_name: str = "",
) -> TeamCovenant:
    """Community staff sign a covenant with a team. A second identical submit (same team, community and
    start) is refused as already signed, so a double click signs once."""
    community = _community(actor, community_id)
    team = _team(actor, team_id, community)
    title_text = clean_text(title, field="title", label=_("盟约名称"), max_length=100)
    lines = clean_services(services)
    hours = clean_hours(hours_promised)
    start, end = _term(starts_on, ends_on)
    today = timezone.localdate()
    signed = today if signed_on is None else valid_day(signed_on, field="signed_on", label=_("签约日期"))
    if signed > today:
        raise InvalidInput(_("签约日期不能晚于今天"), field="signed_on")
    person, name = _signatory(team, signatory_person_id, signatory_name)
    try:
        with transaction.atomic():
            covenant = TeamCovenant.objects.create(
                team=team, community=community, place_path=community.path, title=title_text, services=lines,
                hours_promised=hours, starts_on=start, ends_on=end, signed_on=signed, signed_by=actor,
                team_signatory=person, team_signatory_name=name,
            )  # fmt: skip
    except IntegrityError:
        raise Conflict(_("该队伍已与本社区签订同一起始日期的盟约")) from None
    audit_record(
        action="covenant.sign", actor=actor, target=covenant, team=team.pk, hours=str(hours),
        starts_on=start.isoformat(), ends_on=end.isoformat(),
    )  # fmt: skip
    return covenant


@transaction.atomic
def covenant_amend(
    *,
    actor: Any,
    covenant_id: int,
    title: str | None = None,
    services: list[str] | str | None = None,
    hours_promised: Any = None,
    ends_on: dt.date | None = None,
    signatory_person_id: int | None = None,
    signatory_name: str | None = None,
) -> TeamCovenant:
    """Change a covenant in force (``None`` leaves a field as it is). An expired or terminated covenant is
    a record and stays as signed. Audited with the names of the fields that changed."""
    covenant = access_covenant(actor, covenant_id, lock=True)
    _may_write(actor, covenant)
    if covenant_state(covenant, timezone.localdate()) != "active":
        raise Conflict(_("只有生效中的盟约可以变更"))
    changes: dict[str, Any] = {}
    if title is not None:
        changes["title"] = clean_text(title, field="title", label=_("盟约名称"), max_length=100)
    if services is not None:
        changes["services"] = clean_services(services)
    if hours_promised is not None:
        changes["hours_promised"] = clean_hours(hours_promised)
    if ends_on is not None:
        changes["ends_on"] = _term(covenant.starts_on, ends_on)[1]
    renamed = signatory_name is not None and signatory_name.strip() != covenant.team_signatory_name
    if signatory_person_id or renamed:  # the same name again keeps the signatory (and their person) as they are
        person, name = _signatory(covenant.team, signatory_person_id, signatory_name)
        changes["team_signatory_id"] = person.pk if person else None
        changes["team_signatory_name"] = name
    changed = [f for f, v in changes.items() if getattr(covenant, f) != v]
    if not changed:
        return covenant
    for field in changed:
        setattr(covenant, field, changes[field])
    names = sorted({f.removesuffix("_id") for f in changed})
    covenant.save(update_fields=[*names, "updated_at"])
    audit_record(action="covenant.amend", actor=actor, target=covenant, fields=names)
    return covenant


@transaction.atomic
def covenant_terminate(
    *, actor: Any, covenant_id: int, reason: str, terminated_on: dt.date | None = None
) -> TeamCovenant:
    """解约: end a covenant in force early, with a reason and the date; it stays on record."""
    covenant = access_covenant(actor, covenant_id, lock=True)
    _may_write(actor, covenant)
    today = timezone.localdate()
    state = covenant_state(covenant, today)
    if state == "terminated":
        raise Conflict(_("该盟约已解约"))
    if state == "expired":
        raise Conflict(_("该盟约已期满,无需解约"))
    why = clean_text(reason, field="reason", label=_("解约原因"), max_length=200)
    day = today if terminated_on is None else valid_day(terminated_on, field="terminated_on", label=_("解约日期"))
    if day > today:
        raise InvalidInput(_("解约日期不能晚于今天"), field="terminated_on")
    if day < covenant.signed_on:
        raise InvalidInput(_("解约日期不能早于签约日期"), field="terminated_on")
    covenant.status = CovenantStatus.TERMINATED
    covenant.terminated_on = day
    covenant.termination_reason = why
    covenant.terminated_by = actor
    covenant.save(update_fields=["status", "terminated_on", "termination_reason", "terminated_by", "updated_at"])
    audit_record(action="covenant.terminate", actor=actor, target=covenant, terminated_on=day.isoformat(), reason=why)
    return covenant
