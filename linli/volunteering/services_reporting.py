"""Writes of the 双报到积分管理办法: set a node's rule, clear it (the rule above, or the default, is then in
force). Staff who manage the district, street or community; every change is audited with what changed."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from linli.audit.services import audit_record
from linli.core.errors import InvalidInput
from linli.core.text import clean_text
from linli.places.models import Place
from linli.volunteering.common import bounded_int, require_staff
from linli.volunteering.models import PartyPointRule
from linli.volunteering.selectors_reporting import RULE_FIELDS, RULE_KINDS

LIMITS: dict[str, tuple[Any, int]] = {
    "points_per_activity": (gettext_lazy("每次活动积分"), 50),
    "points_per_order": (gettext_lazy("每单积分"), 50),
    "points_per_wish": (gettext_lazy("每个心愿积分"), 50),
    "annual_points": (gettext_lazy("年度积分目标"), 1000),
    "annual_services": (gettext_lazy("年度服务次数目标"), 100),
}


def _rule_place(actor: Any, place: Place) -> None:
    if place.kind not in RULE_KINDS:
        raise InvalidInput(_("积分办法只能由区、街道或社区制定"), field="place_id")
    require_staff(actor, place.path, "manage")


@transaction.atomic
def party_point_rule_set(
    *,
    actor: Any,
    place: Place,
    title: str = "",
    points_per_activity: Any,
    points_per_order: Any,
    points_per_wish: Any,
    annual_points: Any,
    annual_services: Any,
) -> PartyPointRule:
    """Record (or change) the rule set at ``place``. Awards already made keep their points."""
    _rule_place(actor, place)
    given = {
        "points_per_activity": points_per_activity,
        "points_per_order": points_per_order,
        "points_per_wish": points_per_wish,
        "annual_points": annual_points,
        "annual_services": annual_services,
    }
    values: dict[str, Any] = {
        name: bounded_int(given[name], field=name, label=str(LIMITS[name][0]), low=0, high=LIMITS[name][1])
        for name in RULE_FIELDS
    }
    values["title"] = clean_text(title, field="title", label=_("办法名称"), max_length=100, required=False)
    rule = PartyPointRule.objects.select_for_update().filter(place=place).first()
    if rule is None:
        rule = PartyPointRule.objects.create(place=place, set_by=actor, **values)
        before: dict[str, Any] = {}
    else:
        before = {k: getattr(rule, k) for k in values if getattr(rule, k) != values[k]}
        if not before:
            return rule
        for k, v in values.items():
            setattr(rule, k, v)
        rule.set_by = actor
        rule.save()
    changed = sorted(before) if before else sorted(values)
    audit_record(
        action="party_point_rule.set",
        actor=actor,
        target=place,
        fields=changed,
        before=before,
        after={k: values[k] for k in changed},
    )
    return rule


@transaction.atomic
def party_point_rule_clear(*, actor: Any, place: Place) -> bool:
    """Remove the rule set at ``place``; False if none was set there."""
    _rule_place(actor, place)
    rule = PartyPointRule.objects.select_for_update().filter(place=place).first()
    if rule is None:
        return False
    before = {name: getattr(rule, name) for name in RULE_FIELDS}
    rule.delete()
    audit_record(action="party_point_rule.clear", actor=actor, target=place, before=before)
    return True
