"""Writes of the 双报到积分管理办法: set a node's rule for a year (施行年度: in force from that year until a later
year's version), or withdraw it from a year (the rule above, or the default, is then in force there).
Staff who manage the district, street or community; every change is audited with the year and what changed.
Versions of other years are never touched, so a year already assessed keeps its rule."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from linli.audit.services import audit_record
from linli.core.errors import InvalidInput
from linli.core.text import clean_text, whole_number
from linli.places.models import Place
from linli.volunteering.common import require_staff
from linli.volunteering.models import PartyPointRule
from linli.volunteering.selectors_reporting import RULE_FIELDS, RULE_KINDS, rule_year

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
    year: Any = None,
    title: str = "",
    points_per_activity: Any,
    points_per_order: Any,
    points_per_wish: Any,
    annual_points: Any,
    annual_services: Any,
) -> PartyPointRule:
    """Record (or change) the version set at ``place`` for ``year`` (default this year). Awards already made
    keep their points."""
    _rule_place(actor, place)
    year = rule_year(year)
    given = {
        "points_per_activity": points_per_activity,
        "points_per_order": points_per_order,
        "points_per_wish": points_per_wish,
        "annual_points": annual_points,
        "annual_services": annual_services,
    }
    values: dict[str, Any] = {
        name: whole_number(given[name], field=name, label=str(LIMITS[name][0]), low=0, high=LIMITS[name][1])
        for name in RULE_FIELDS
    }
    values["title"] = clean_text(title, field="title", label=_("办法名称"), max_length=100, required=False)
    rule, created = PartyPointRule.objects.select_for_update().get_or_create(
        place=place, year=year, defaults={**values, "set_by": actor}
    )
    before: dict[str, Any] = {}
    if not created:
        before = {k: getattr(rule, k) for k in values if getattr(rule, k) != values[k]}
        if rule.withdrawn:
            before["withdrawn"] = True
        if not before:
            return rule
        for k, v in values.items():
            setattr(rule, k, v)
        rule.withdrawn = False
        rule.set_by = actor
        rule.save()
    changed = sorted(before) if before else sorted(values)
    audit_record(
        action="party_point_rule.set",
        actor=actor,
        target=place,
        year=year,
        fields=changed,
        before=before,
        after={k: values.get(k, False) for k in changed},
    )
    return rule


@transaction.atomic
def party_point_rule_clear(*, actor: Any, place: Place, year: Any = None) -> bool:
    """From ``year`` (default this year) on, ``place`` sets no rule of its own; False if it set none in force
    that year. Where the node has no earlier version, that year's version is removed; otherwise a withdrawal
    is recorded for the year, and the earlier years keep theirs."""
    _rule_place(actor, place)
    year = rule_year(year)
    versions = list(PartyPointRule.objects.select_for_update().filter(place=place, year__lte=year).order_by("-year"))
    if not versions or versions[0].withdrawn:
        return False
    own = versions[0]
    before = {name: getattr(own, name) for name in RULE_FIELDS}
    if own.year == year and len(versions) == 1:
        own.delete()
    elif own.year == year:
        own.withdrawn = True
        own.set_by = actor
        own.save()
    else:
        PartyPointRule.objects.create(
            place=place, year=year, withdrawn=True, set_by=actor, **dict.fromkeys(RULE_FIELDS, 0)
        )
    audit_record(action="party_point_rule.clear", actor=actor, target=place, year=year, before=before)
    return True
