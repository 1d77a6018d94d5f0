"""Writes of training (培训): set up a session, record who attended.

A session is held at a street or a community and set up by that street's keepers (``manage`` at the street). Its
attendance lists workers of the session's place (a street session: any worker of the street; a community session:
that community's), in post on the day it was held. Recording is safe to repeat: a worker already recorded is
skipped (the unique constraint on session and worker is the guard behind the check), so a double submit records
each person once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from linli.audit.services import audit_record
from linli.core.errors import Forbidden, InvalidInput
from linli.core.idempotency import clean_key, create_once
from linli.core.identifiers import half_width
from linli.core.text import clean_text
from linli.places.models import Place
from linli.workforce.models import Attendance, Topic, Training, Worker
from linli.workforce.permissions import WORKER_PLACE_KINDS, keeps_street, may_keep_training
from linli.workforce.services import day_of

TITLE_MAX = 80
ORGANISER_MAX = 60
LOCATION_MAX = 100
HOURS_MAX = Decimal("24")
ATTENDANCE_MAX = 500


@dataclass(frozen=True)
class TrainingFields:
    title: Any
    topic: Any
    held_on: Any
    hours: Any
    organiser: Any = ""
    location: Any = ""


def hours_of(raw: Any) -> Decimal:
    text = half_width(str(raw if raw is not None else "")).strip()
    if not text:
        raise InvalidInput(_("请填写%(label)s") % {"label": _("学时")}, field="hours")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise InvalidInput(_("学时应为数字,如 2 或 1.5"), field="hours") from None
    if not value.is_finite() or value <= 0 or value > HOURS_MAX or value != value.quantize(Decimal("0.1")):
        raise InvalidInput(_("学时应大于 0、不超过 24,最多一位小数"), field="hours")
    return value.quantize(Decimal("0.1"))


def clean(fields: TrainingFields) -> dict[str, Any]:
    topic = str(fields.topic or "").strip()
    if topic not in Topic.values:
        raise InvalidInput(_("请选择%(label)s") % {"label": _("培训主题")}, field="topic")
    return {
        "title": clean_text(fields.title, field="title", label=_("培训名称"), max_length=TITLE_MAX),
        "topic": topic,
        "held_on": day_of(fields.held_on, field="held_on", label=_("培训日期")),
        "hours": hours_of(fields.hours),
        "organiser": clean_text(
            fields.organiser, field="organiser", label=_("主办单位"), max_length=ORGANISER_MAX, required=False
        ),
        "location": clean_text(
            fields.location, field="location", label=_("培训地点"), max_length=LOCATION_MAX, required=False
        ),
    }


@transaction.atomic
def training_create(
    *, actor: Any, place: Place, fields: TrainingFields, idempotency_key: str = ""
) -> tuple[Training, bool]:
    """Record a session held at ``place`` (a street or community of a street the actor keeps): ``(training,
    created)``. Sessions are recorded once held (attendance is what they are for), so the date is not in the
    future."""
    if place.kind not in WORKER_PLACE_KINDS:
        raise InvalidInput(_("培训须由街道或社区举办"), field="place_id")
    if not keeps_street(actor, place.path):
        raise Forbidden(_("您的岗位无权登记“%(place)s”的培训") % {"place": place.name})
    values = clean(fields)
    key = clean_key(idempotency_key)
    training, created = create_once(
        earlier=Training.objects.filter(created_by=actor),
        key=key,
        create=lambda: Training.objects.create(
            place=place, place_path=place.path, created_by=actor, idempotency_key=key, **values
        ),
        same=lambda e: e.place_id == place.pk and e.title == values["title"] and e.held_on == values["held_on"],
        refusal=lambda e: _("这个 Idempotency-Key 已用于另一场培训“%(title)s”") % {"title": e.title},
    )
    if created:
        audit_record(
            action="workforce.training_created",
            actor=actor,
            target=training,
            place=place.pk,
            topic=training.topic,
            held_on=training.held_on.isoformat(),
        )
    return training, created


def eligible_q(training: Training) -> Q:
    """Workers who may be recorded at ``training``: of its place, in post on the day it was held."""
    day: dt.date = training.held_on
    return Q(place_path__under=training.place_path, hired_on__lte=day) & (Q(left_on__isnull=True) | Q(left_on__gt=day))


@transaction.atomic
def attendance_record(*, actor: Any, training: Training, worker_ids: list[Any]) -> int:
    """Record that these workers attended; returns how many were newly recorded (already recorded ones are
    skipped, so a retried submit adds nothing)."""
    if not may_keep_training(actor, training):
        raise Forbidden(_("您的岗位无权登记这场培训的签到"))
    ids: list[int] = []
    for raw in worker_ids:
        text = str(raw).strip()
        if not (text.isascii() and text.isdigit()) or len(text) > 18:
            raise InvalidInput(_("请选择参加培训的社区工作者"), field="worker_ids")
        if int(text) not in ids:
            ids.append(int(text))
    if not ids:
        raise InvalidInput(_("请选择参加培训的社区工作者"), field="worker_ids")
    if len(ids) > ATTENDANCE_MAX:
        raise InvalidInput(_("一次最多登记 %(n)d 人") % {"n": ATTENDANCE_MAX}, field="worker_ids")
    locked = Training.objects.select_for_update().get(pk=training.pk)  # serialise two recorders of one session
    found = set(Worker.objects.filter(eligible_q(locked), pk__in=ids).values_list("pk", flat=True))
    if found != set(ids):
        raise InvalidInput(_("所选人员中有人不属于本场培训的举办单位,或培训当天不在岗"), field="worker_ids")
    already = set(Attendance.objects.filter(training=locked, worker_id__in=ids).values_list("worker_id", flat=True))
    new = [Attendance(training=locked, worker_id=pk, recorded_by=actor) for pk in ids if pk not in already]
    Attendance.objects.bulk_create(new, ignore_conflicts=True)
    if new:
        audit_record(
            action="workforce.attendance_recorded",
            actor=actor,
            target=locked,
            workers=[a.worker_id for a in new],
        )
    return len(new)
