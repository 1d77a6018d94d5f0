"""Helpers the community-worker register tests share (not a test module)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from linli.people.models import Person, Position
from linli.places.models import Place
from linli.workforce import services as ws
from linli.workforce import services_training as st
from linli.workforce.models import Training, Worker


def staff_person(community: Place, kind: str = "community_staff", nth: int = 0) -> Person:
    """The ``nth`` person holding ``kind`` at ``community`` in the demo."""
    ids = list(Position.objects.filter(place=community, kind=kind).order_by("pk").values_list("person_id", flat=True))
    return Person.objects.get(pk=ids[nth])


def resident_of(place: Place, nth: int = 0) -> Person:
    """A resident of ``place`` holding no position and having no account (nth in id order)."""
    return (
        Person.objects.filter(place_path__startswith=place.path, positions__isnull=True, user__isnull=True)
        .order_by("pk")[nth : nth + 1]
        .get()
    )


def details(place: Place, **extra: Any) -> ws.WorkerDetails:
    values: dict[str, Any] = {
        "place": place,
        "post": "other",
        "grade": 6,
        "employment": "full_time",
        "education": "bachelor",
        "qualification": "assistant",
        "certificate_no": "ZS2024000123",
    }
    values.update(extra)
    return ws.WorkerDetails(**values)


def hire(actor: Any, person: Person, place: Place, *, hired_on: dt.date = dt.date(2023, 3, 1), **extra: Any) -> Worker:
    key = extra.pop("idempotency_key", "")
    worker, _created = ws.worker_hire(
        actor=actor, person=person, details=details(place, **extra), hired_on=hired_on, idempotency_key=key
    )
    return Worker.objects.select_related("person", "place").get(pk=worker.pk)


def details_of(worker: Worker, **changes: Any) -> ws.WorkerDetails:
    values: dict[str, Any] = {
        "place": worker.place,
        "post": worker.post,
        "grade": worker.grade,
        "employment": worker.employment,
        "education": worker.education,
        "qualification": worker.qualification,
        "certificate_no": worker.certificate_no,
    }
    values.update(changes)
    return ws.WorkerDetails(**values)


def days_ago(n: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=n)


def session(
    actor: Any, place: Place, *, title: str = "“全科社工”专题培训", topic: str = "generalist", **extra: Any
) -> Training:
    fields = st.TrainingFields(
        title=title,
        topic=topic,
        held_on=extra.pop("held_on", days_ago(10)),
        hours=extra.pop("hours", "4"),
        organiser=extra.pop("organiser", "街道党工委"),
        location=extra.pop("location", "党群服务中心"),
    )
    return st.training_create(actor=actor, place=place, fields=fields, idempotency_key=extra.pop("key", ""))[0]


def account_for(person: Person, username: str) -> Any:
    from linli.accounts.models import User

    return User.objects.filter(person=person).first() or User.objects.create_user(
        username=username, password="demo-pass-2026", person=person
    )
