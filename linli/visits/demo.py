"""Demo visits for an already-built demo street: a few months of door-to-door work by each grid
worker, care tags and care plans on some households, hazard points with inspections."""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from linli.people.models import CareTag, Person, PersonTag, Position
from linli.places.models import Household
from linli.visits.models import (
    CarePlan,
    ChecklistTemplate,
    Finding,
    HazardLevel,
    HazardPoint,
    Visit,
    VisitKind,
)

FINDINGS = [
    "楼道灯不亮",
    "燃气软管老化",
    "下水道堵塞",
    "独居老人需要助餐",
    "外墙脱落",
    "邻里噪音纠纷",
    "电动车楼道充电",
]
# Keys of the seeded 六查 checklist (visits migration 0004).
ANSWERS = {"people": "家庭成员无变化", "welfare": "养老补贴按时发放", "risks": "未发现隐患", "suspicious": "无"}
HAZARDS = [("地下车库积水点", HazardLevel.MEDIUM), ("老旧电动车棚", HazardLevel.HIGH), ("临河护栏", HazardLevel.LOW)]


def build_demo_visits(rng: random.Random) -> None:
    from django.contrib.auth import get_user_model

    User = get_user_model()
    now = timezone.now()
    template = ChecklistTemplate.objects.filter(code="six_checks").first()
    tags = list(CareTag.objects.filter(active=True, sensitive=False))
    workers = list(Position.objects.filter(kind="grid_worker", end_date__isnull=True).select_related("place"))
    users = {u.person_id: u for u in User.objects.filter(person_id__in=[w.person_id for w in workers])}
    for worker in workers:
        households = list(Household.objects.filter(place_path__startswith=worker.place.path).order_by("id"))
        if not households:
            continue
        # Care tags on about one household in eight; each gets a monthly care plan.
        for hh in households[::8]:
            head = Person.objects.filter(household=hh).order_by("id").first()
            if head is None or not tags:
                continue
            PersonTag.objects.get_or_create(person=head, tag=rng.choice(tags))
            CarePlan.objects.get_or_create(
                household=hh, defaults={"place_path": hh.place_path, "responsible_id": worker.person_id}
            )
        user = users.get(worker.person_id)
        if user is None:  # only the named demo worker has an account; others' visits are credited by person
            user = User.objects.filter(is_superuser=True).first()
        if user is None:
            continue
        visited = rng.sample(households, k=max(1, len(households) * 2 // 3))
        for hh in visited:
            at = now - dt.timedelta(days=rng.randint(1, 120), hours=rng.randint(0, 8))
            members = list(Person.objects.filter(household=hh, moved_out_on__isnull=True)[:3])
            visit = Visit.objects.create(
                place_id=hh.place_id,
                place_path=hh.place_path,
                household=hh,
                visitor=user,
                visitor_person_id=worker.person_id,
                visited_at=at,
                kind=rng.choice([VisitKind.ROUTINE, VisitKind.ROUTINE, VisitKind.KEY_HOUSEHOLD, VisitKind.HARDSHIP]),
                template=template,
                answers=dict(rng.sample(sorted(ANSWERS.items()), k=2)),
                people_served=len(members),
                feedback_superior=rng.random() < 0.7,
                feedback_resident=rng.random() < 0.8,
            )
            visit.persons.set(members)
            if rng.random() < 0.25:
                Finding.objects.create(
                    visit=visit,
                    place_path=visit.place_path,
                    text=rng.choice(FINDINGS),
                    solved_on_spot=rng.random() < 0.6,
                )
        name, level = HAZARDS[rng.randrange(len(HAZARDS))]
        hazard = HazardPoint.objects.create(
            place=worker.place,
            place_path=worker.place.path,
            name=f"{worker.place.name}{name}",
            level=level,
            responsible_id=worker.person_id,
            inspect_every_days=rng.choice([7, 14, 30]),
            warning_plan="汛期每日巡查,水位超警戒线时在业主群预警。",
            response_plan="设置警示围挡,通知物业抽排,必要时疏散车辆和人员。",
        )
        at = now - dt.timedelta(days=rng.randint(1, 20))
        Visit.objects.create(
            place_id=worker.place_id,
            place_path=worker.place.path,
            hazard=hazard,
            visitor=user,
            visitor_person_id=worker.person_id,
            visited_at=at,
            kind=VisitKind.HAZARD,
            notes="现场巡查,未见异常。",
        )
        HazardPoint.objects.filter(pk=hazard.pk).update(last_inspected_at=at)
