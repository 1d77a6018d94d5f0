"""Writes for a volunteer team's service areas (服务区域, seed 000: 划分党员服务责任区): the communities, compounds and
grids a team serves beyond where it is registered. One function per change, audited."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from linli.audit.services import audit_record
from linli.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from linli.core.identifiers import parse_id
from linli.core.scoping import get_or_not_found
from linli.volunteering.common import STAFF_CAPS, may, require_staff, staff_place
from linli.volunteering.models import SERVICE_AREA_KINDS, Team, TeamServiceArea


def _managed_team(actor: Any, team_id: Any) -> Team:
    team = get_or_not_found(Team.objects.select_for_update().filter(pk__in=Team.objects.visible_to(actor)), team_id)
    require_staff(actor, team.place_path, "manage")
    return team


@transaction.atomic
def team_area_add(*, actor: Any, team_id: int, place_id: int) -> TeamServiceArea:
    """The team serves this community, compound or grid too. The actor manages the team's node and the served place
    (a community cannot put its team into another community's grids; the street above both can)."""
    team = _managed_team(actor, team_id)
    place = staff_place(actor, place_id, "manage")
    if place.kind not in SERVICE_AREA_KINDS:
        raise InvalidInput(_("服务区域应为社区、小区或网格"), field="place_id")
    try:
        with transaction.atomic():
            area = TeamServiceArea.objects.create(team=team, place=place, place_path=place.path, added_by=actor)
    except IntegrityError:
        raise Conflict(_("该队伍已服务此处"), field="place_id") from None
    audit_record(action="team.area_add", actor=actor, target=team, place=place.pk)
    return area


@transaction.atomic
def team_area_remove(*, actor: Any, team_id: int, place_id: int) -> None:
    """The team no longer serves the place: managers of the team's node or of the served place. Outside both it is
    "not found"; staff there without ``manage`` are refused."""
    area = (
        TeamServiceArea.objects.select_for_update()
        .select_related("team")
        .filter(team_id=parse_id(team_id) or 0, place_id=parse_id(place_id) or 0)
        .first()
    )
    paths = (area.team.place_path, area.place_path) if area is not None else ()
    if not any(may(actor, p, "manage") for p in paths):
        if any(may(actor, p, c) for p in paths for c in STAFF_CAPS):
            raise Forbidden(_("您的岗位无权进行此操作"))
        raise NotFound(_("该队伍没有这个服务区域"), field="place_id")
    assert area is not None
    team = area.team
    area.delete()
    audit_record(action="team.area_remove", actor=actor, target=team, place=area.place_id)
