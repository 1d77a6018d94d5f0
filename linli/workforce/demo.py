"""Demo data for the community worker register (street and district sizes; tests call it on the small street):
in every community its 党组织书记 (正职), its two 社区工作者 (a 副主任 and an 其他专职工作者) and up to two grid
chiefs as 公益性岗位 committee members, with grades, education and qualifications; in the first community a
worker who left last year and a promotion (a dated grade change). Each street gets two sessions: a 全科社工
专题培训 attended by most workers, and a 政策法规 session attended by some.

Everything is written through the services as the administrator (audited, as the street's HR would), and the
run is safe to repeat: a person already in the register and a session already recorded are skipped.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from linli.people.models import Person, Position
from linli.places.models import Place, PlaceKind
from linli.workforce import services as ws
from linli.workforce import services_training as st
from linli.workforce.models import Training, Worker

EDUCATIONS = ["bachelor", "bachelor", "college", "college", "postgraduate", "senior"]
QUALIFICATIONS = ["assistant", "assistant", "social_worker", "", "", "senior"]


def _hire(admin: Any, person: Person, place: Place, post: str, grade: int, rng: random.Random, **extra: Any) -> Worker:
    existing = Worker.objects.filter(person=person).order_by("-hired_on").first()
    if existing is not None:
        return existing
    qualification = extra.pop("qualification", rng.choice(QUALIFICATIONS))
    details = ws.WorkerDetails(
        place=place,
        post=post,
        grade=grade,
        employment=extra.pop("employment", "full_time"),
        education=rng.choice(EDUCATIONS),
        qualification=qualification,
        certificate_no=f"ZS{rng.randrange(10**10):010d}" if qualification else "",
    )
    hired = extra.pop("hired_on", dt.date(rng.randrange(2016, 2025), rng.randrange(1, 13), 1))
    return ws.worker_hire(actor=admin, person=person, details=details, hired_on=hired)[0]


def _people(place: Place, kind: str, limit: int) -> list[Person]:
    ids = (
        Position.objects.filter(place=place, kind=kind, end_date__isnull=True)
        .order_by("pk")
        .values_list("person_id", flat=True)[:limit]
    )
    return list(Person.objects.filter(pk__in=list(ids)).order_by("pk"))


def build_demo_workforce(rng: random.Random) -> None:
    User = get_user_model()
    admin = User.objects.filter(is_superuser=True).order_by("pk").first()
    if admin is None:
        return
    today = timezone.localdate()
    for street in Place.objects.filter(kind=PlaceKind.STREET).order_by("path"):
        communities = list(Place.objects.filter(path__under=street.path, kind=PlaceKind.COMMUNITY).order_by("path"))
        for c_index, community in enumerate(communities):
            for person in _people(community, "community_secretary", 1):
                _hire(admin, person, community, "secretary", rng.randrange(13, 17), rng, qualification="social_worker")
            staff = _people(community, "community_staff", 2)
            for k, person in enumerate(staff):
                _hire(admin, person, community, "deputy_director" if k == 0 else "other", rng.randrange(4, 11), rng)
            grids = Place.objects.filter(path__under=community.path, kind=PlaceKind.GRID).order_by("path")[:2]
            for grid in grids:
                for person in _people(grid, "grid_chief", 1):
                    _hire(admin, person, community, "member", rng.randrange(2, 7), rng, employment="public_welfare")
            if c_index == 0 and staff:
                _history(admin, community, staff[-1], today, rng)
        _sessions(admin, street, today)


def _history(admin: Any, community: Place, promoted: Person, today: dt.date, rng: random.Random) -> None:
    """A promotion of one worker (a dated grade change) and a leaver, in the first community."""
    worker = Worker.objects.filter(person=promoted, left_on__isnull=True).select_related("person").first()
    if worker is not None and not worker.events.filter(kind="changed").exists():
        effective = max(worker.hired_on, today - dt.timedelta(days=90))
        ws.worker_update(
            actor=admin, worker=worker, effective_on=effective, note="年度考核优秀,晋升一级",
            details=ws.WorkerDetails(
                place=community, post=worker.post, grade=min(worker.grade + 1, 18), employment=worker.employment,
                education=worker.education, qualification=worker.qualification, certificate_no=worker.certificate_no,
            ),
        )  # fmt: skip
    person = (
        Person.objects.filter(place_path__startswith=community.path, user__isnull=True, positions__isnull=True)
        .order_by("pk")
        .first()
    )
    if person is None or Worker.objects.filter(person=person).exists():
        return
    gone = _hire(admin, person, community, "other", 3, rng, hired_on=dt.date(2021, 3, 1))
    ws.worker_leave(
        actor=admin, worker=gone, left_on=today - dt.timedelta(days=200), reason="resigned", note="考取公务员"
    )


def _sessions(admin: Any, street: Place, today: dt.date) -> None:
    plans = [
        ("“全科社工”专题培训(第一期)", "generalist", today - dt.timedelta(days=40), "4", 0.85),
        ("社区工作者政策法规培训", "policy", today - dt.timedelta(days=12), "2.5", 0.5),
    ]
    for title, topic, held_on, hours, share in plans:
        existing = Training.objects.filter(place=street, title=title).first()
        if existing is not None:
            continue
        training, _created = st.training_create(
            actor=admin,
            place=street,
            fields=st.TrainingFields(
                title=title, topic=topic, held_on=held_on, hours=hours, organiser=f"{street.name}党工委",
                location=f"{street.name}党群服务中心",
            ),
        )  # fmt: skip
        eligible = list(Worker.objects.filter(st.eligible_q(training)).order_by("pk").values_list("pk", flat=True))
        chosen = eligible[: max(1, int(len(eligible) * share))] if eligible else []
        if chosen:
            st.attendance_record(actor=admin, training=training, worker_ids=chosen)
