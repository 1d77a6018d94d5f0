"""Training sessions under /api/v1/workforce/trainings: list, read (with the attendees you may see), record a
session, record attendance (safe to repeat: those already recorded are skipped)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import Field

from linli.core.pagination import keyset_page
from linli.core.schemas import Day, ErrorOut, PageQuery
from linli.core.scoping import get_or_not_found
from linli.places.models import Place
from linli.workforce import selectors as sel
from linli.workforce import services_training as st
from linli.workforce.models import Topic, Training
from linli.workforce.permissions import may_keep_training

router = Router(tags=["workforce"])
ERRORS: dict[int, Any] = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
TOPICS = ", ".join(f"{v} ({label})" for v, label in Topic.choices)


class TrainingOut(Schema):
    id: int
    place_id: int
    place_name: str
    title: str
    topic: str = Field(description=TOPICS)
    held_on: dt.date
    hours: float
    organiser: str
    location: str
    attended: int = Field(description="attendances recorded (all of them, 人次)")
    may_keep: bool


class AttendeeOut(Schema):
    worker_id: int
    name: str
    place_name: str


class TrainingDetailOut(TrainingOut):
    attendees: list[AttendeeOut] = Field(description="those of them you may see in the register")


class TrainingListOut(Schema):
    items: list[TrainingOut]
    next: str | None


class TrainingListQuery(PageQuery):
    place_id: int | None = Field(None, description="sessions of this street or community (and of its street)")


class TrainingIn(Schema):
    place_id: int = Field(description="the street or community holding it")
    title: str
    topic: str = Field(description=TOPICS)
    held_on: Day
    hours: float = Field(description="学时, more than 0, at most 24, one decimal")
    organiser: str = ""
    location: str = ""


class WorkforceAttendanceIn(Schema):
    worker_ids: list[int] = Field(description="workers of the session's place in post that day (at most 500)")


class WorkforceAttendanceOut(Schema):
    recorded: int = Field(description="newly recorded (those already recorded are skipped)")
    attended: int


def training_out(request: HttpRequest, t: Training, attended: int) -> dict[str, Any]:
    return {
        "id": t.pk,
        "place_id": t.place_id,
        "place_name": t.place.name,
        "title": t.title,
        "topic": t.topic,
        "held_on": t.held_on,
        "hours": float(t.hours),
        "organiser": t.organiser,
        "location": t.location,
        "attended": attended,
        "may_keep": may_keep_training(request.user, t),
    }


def _detail(request: HttpRequest, pk: int) -> TrainingDetailOut:
    t = sel.access_training(request.user, pk)
    people = sel.attendees(request.user, t)
    return TrainingDetailOut(
        **training_out(request, t, t.attendances.count()),
        attendees=[AttendeeOut(worker_id=w.pk, name=w.person.name, place_name=w.place.name) for w in people],
    )


@router.get(
    "/trainings",
    response={200: TrainingListOut, 404: ErrorOut, 422: ErrorOut},
    operation_id="workforce_trainings_list",
    summary="Training sessions you may see, newest id first (keyset pages)",
)
def workforce_trainings_list(request: HttpRequest, filters: Query[TrainingListQuery]) -> TrainingListOut:
    if filters.cursor:
        keyset_page(Training.objects.none(), key="id", cursor=filters.cursor, limit=filters.limit)  # 422 on cursor
    node = get_or_not_found(Place.objects.all(), filters.place_id, field="place_id") if filters.place_id else None
    qs = sel.training_list(request.user, node=node)
    page = keyset_page(qs, key="id", cursor=filters.cursor, limit=filters.limit, descending=True)
    return TrainingListOut(
        items=[TrainingOut(**training_out(request, t, t.attended)) for t in page.items], next=page.next
    )


@router.post(
    "/trainings",
    response={200: TrainingDetailOut, 201: TrainingDetailOut, **ERRORS},
    operation_id="workforce_trainings_create",
    summary="Record a session held by a street you keep or one of its communities (201); Idempotency-Key retries 200",
)
def workforce_trainings_create(request: HttpRequest, payload: TrainingIn) -> Status[TrainingDetailOut]:
    place = get_or_not_found(Place.objects.all(), payload.place_id, field="place_id")
    item, created = st.training_create(
        actor=request.user,
        place=place,
        fields=st.TrainingFields(
            title=payload.title, topic=payload.topic, held_on=payload.held_on, hours=payload.hours,
            organiser=payload.organiser, location=payload.location,
        ),
        idempotency_key=request.headers.get("Idempotency-Key", ""),
    )  # fmt: skip
    return Status(201 if created else 200, _detail(request, item.pk))


@router.get(
    "/trainings/{training_id}",
    response={200: TrainingDetailOut, 404: ErrorOut},
    operation_id="workforce_trainings_read",
    summary="One session and the attendees you may see",
)
def workforce_trainings_read(request: HttpRequest, training_id: int) -> TrainingDetailOut:
    return _detail(request, training_id)


@router.post(
    "/trainings/{training_id}/attendance",
    response={200: WorkforceAttendanceOut, **ERRORS},
    operation_id="workforce_trainings_attendance",
    summary="Record who attended (each worker once: a repeated submit records nothing more)",
)
def workforce_trainings_attendance(
    request: HttpRequest, training_id: int, payload: WorkforceAttendanceIn
) -> WorkforceAttendanceOut:
    item = sel.access_training(request.user, training_id)
    recorded = st.attendance_record(actor=request.user, training=item, worker_ids=list(payload.worker_ids))
    return WorkforceAttendanceOut(recorded=recorded, attended=item.attendances.count())
