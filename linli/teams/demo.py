"""Demo data for compound governance teams (street and district sizes; tests call it on the small street):
the first community's 事项模板 (party building, governance and service items assigned to posts), copied into
its compounds; teams seated from the people who hold positions there — the first compound complete, the others
short of 网格员/楼栋长 as most are in practice; and the second community keeping its own, lighter standard
("1+1+N+X"). Written through the services (audited, like a community worker doing it), and safe to run again:
every step answers with what is there."""

from __future__ import annotations

import random
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone

from linli.people.models import Person, Position
from linli.places.models import Place, PlaceKind
from linli.teams import services as s
from linli.teams import services_items as si
from linli.teams.models import DutyItem

# (category, title, detail, frequency, post) — the seed's 党建、治理、服务事项 for the 小区驻点 work.
TEMPLATE = [
    ("party", "组织小区党员开展主题党日", "每月固定一天,组织小区党员学习、议事、志愿服务。", "monthly", "secretary"),
    ("party", "党员中心户联系群众", "联系责任区住户,收集意见建议,宣传政策。", "monthly", "secretary"),
    ("party", "召开小区党支部委员会", "研究小区重要事项,听取网格和楼栋情况汇报。", "monthly", "secretary"),
    ("governance", "网格巡查", "巡查楼道堆物、消防通道、电动车充电等隐患,随手拍上报。", "weekly", "grid_chief"),
    ("governance", "矛盾纠纷排查化解", "排查邻里、物业纠纷,能调解的当场调解,不能的及时上报。", "weekly", "grid_chief"),
    ("governance", "楼栋住户信息更新", "核对住户变动,更新民情台账。", "quarterly", "building"),
    ("service", "走访重点人群", "走访独居老人、残疾人、低保户等,了解需求,落实帮扶。", "monthly", "building"),
    ("service", "收集居民诉求和微心愿", "通过线上集、网格巡、入户访收集诉求和微心愿,及时录入。", "weekly", "volunteer"),
]
LIGHT_STANDARD = [("building", "网格员/楼栋长", 0, 1)]


def _actor() -> Any:
    User = get_user_model()
    return User.objects.filter(username="street").first() or User.objects.filter(is_superuser=True).first()


def _holders(place: Place, kinds: list[str]) -> list[Person]:
    today = timezone.localdate()
    rows = (
        Position.objects.filter(place_path__startswith=place.path, kind__in=kinds, start_date__lte=today)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
        .select_related("person")
        .order_by("kind", "id")
    )
    return [p.person for p in rows]


def build_demo_teams(rng: random.Random) -> None:
    """``rng`` is the demo builder's; nothing here is random, so running the hook again adds nothing."""
    actor = _actor()
    street = Place.objects.filter(kind=PlaceKind.STREET).order_by("path").first()
    if actor is None or street is None:
        return
    communities = list(Place.objects.filter(kind=PlaceKind.COMMUNITY, path__startswith=street.path).order_by("path"))
    if not communities:
        return
    first = communities[0]
    for category, title, detail, frequency, post in TEMPLATE:
        if not DutyItem.objects.filter(place=first, title=title).exists():
            si.item_create(
                actor=actor,
                place=first,
                duty=si.Duty(category=category, title=title, detail=detail, frequency=frequency, post=post),
            )
    si.items_copy(actor=actor, community=first)
    compounds = list(Place.objects.filter(kind=PlaceKind.COMPOUND, path__startswith=first.path).order_by("path"))
    staff = _holders(first, ["community_secretary", "community_staff"])
    for index, compound in enumerate(compounds):
        secretary = staff[index % len(staff)] if staff else None
        _seat(actor, compound, secretary, short=0 if index == 0 else 1 + index % 3)
    if len(communities) > 1:  # the second community keeps a lighter standard of its own
        standard, _created = s.standard_adopt(actor=actor, place=communities[1])
        for code, name, fixed, per_building in LIGHT_STANDARD:
            s.post_save(actor=actor, standard=standard, code=code, name=name, fixed=fixed, per_building=per_building)


def _seat(actor: Any, compound: Place, secretary: Person | None, *, short: int) -> None:
    """The 两委 member as secretary, the grid chief, grid workers and building heads on the 2N posts; the
    complete compound also gets residents as building heads until 2N is met, and a volunteer."""
    if secretary is not None:
        s.member_add(actor=actor, compound=compound, post="secretary", person=secretary, note="社区两委委员")
    chiefs = _holders(compound, ["grid_chief"])
    if chiefs:
        s.member_add(actor=actor, compound=compound, post="grid_chief", person=chiefs[0])
    helpers = _holders(compound, ["grid_worker", "building_head"])
    buildings = Place.objects.filter(kind=PlaceKind.BUILDING, path__startswith=compound.path).count()
    complete = short == 0
    wanted = max(0, 2 * buildings - short)  # the same on every run: a second run seats nobody new
    seated = helpers[:wanted]
    if complete and len(seated) < wanted:
        residents = Person.objects.filter(
            place_path__startswith=compound.path, household__isnull=False, moved_out_on__isnull=True
        ).order_by("id")[: wanted - len(seated) + 1]
        seated += list(residents)
    for person in seated[:wanted]:
        s.member_add(actor=actor, compound=compound, post="building", person=person)
    if complete:
        volunteer = (
            Person.objects.filter(place_path__startswith=compound.path, is_party_member=True, household__isnull=False)
            .order_by("id")
            .first()
        )
        if volunteer is not None:
            member, _created = s.member_add(
                actor=actor, compound=compound, post="volunteer", person=volunteer, note="党员志愿者"
            )
            item = DutyItem.objects.filter(place=compound, post="volunteer").first()
            if item is not None and item.member_id is None:  # 逐条细化: the copy is given to one person
                si.item_update(
                    actor=actor,
                    item=item,
                    duty=si.Duty(
                        category=item.category,
                        title=item.title,
                        detail=item.detail + "由党员志愿者每周三下午在小区驿站值守收集。",
                        frequency=item.frequency,
                        post=item.post,
                        member=member,
                    ),
                )
