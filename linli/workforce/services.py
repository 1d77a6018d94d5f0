"""Writes of the register: hire a worker, change their details, post, grade or community (a dated event), record
their leave.

Each function is one transaction with its audit event, and needs ``manage`` at the worker's street
(``linli.workforce.permissions``). Post, grade and community are never overwritten silently: each change appends a
``WorkerEvent`` dated from when it takes effect, so the history answers "who held which grade on date X". A leave
keeps the row. A hire retried under its idempotency key answers with the first row; a person holds one open spell
(the database refuses a second).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.audit.services import audit_record
from linli.core import crypto
from linli.core.dates import parse_day
from linli.core.errors import Conflict, Forbidden, InvalidInput
from linli.core.idempotency import clean_key, create_once
from linli.core.identifiers import half_width
from linli.core.ratelimit import reveal_budget
from linli.core.scoping import scope_for
from linli.core.text import DIGITS_MAX, clean_text
from linli.people.models import Person, Position
from linli.places.models import Place
from linli.workforce.models import (
    GRADE_MAX,
    GRADE_MIN,
    Education,
    Employment,
    EventKind,
    LeaveReason,
    Post,
    Qualification,
    Worker,
    WorkerEvent,
)
from linli.workforce.permissions import WORKER_PLACE_KINDS, keeps_street, may_keep, street_path_of

CERTIFICATE_MAX = 32
NOTE_MAX = 200
EARLIEST = dt.date(1980, 1, 1)


@dataclass(frozen=True)
class WorkerDetails:
    """What a register form or the API sends besides the person and the hire date; checked by ``clean``."""

    place: Any  # a Place (street or community)
    post: Any
    grade: Any
    employment: Any = Employment.FULL_TIME
    education: Any = ""
    qualification: Any = ""
    certificate_no: Any = ""


def _choice(raw: Any, choices: Any, *, field: str, label: str, blank: bool = False) -> str:
    text = str(raw if raw is not None else "").strip()
    if blank and not text:
        return ""
    if text not in choices.values or (not blank and not text):
        raise InvalidInput(_("请选择%(label)s") % {"label": label}, field=field)
    return text


def grade_of(raw: Any) -> int:
    text = half_width(str(raw if raw is not None else "")).strip()
    if not text:
        raise InvalidInput(_("请填写%(label)s") % {"label": _("薪酬等级")}, field="grade")
    if not (text.isascii() and text.isdigit()) or len(text) > DIGITS_MAX or not GRADE_MIN <= int(text) <= GRADE_MAX:
        raise InvalidInput(_("薪酬等级应为 1 到 18 之间的整数(三岗十八级)"), field="grade")
    return int(text)


def day_of(raw: Any, *, field: str, label: str) -> dt.date:
    day = parse_day(raw, field)
    if day is None:
        raise InvalidInput(_("请填写%(label)s") % {"label": label}, field=field)
    if day < EARLIEST:
        raise InvalidInput(_("%(label)s不能早于 1980 年") % {"label": label}, field=field)
    if day > timezone.localdate():
        raise InvalidInput(_("%(label)s不能在未来") % {"label": label}, field=field)
    return day


def _certificate(raw: Any, qualification: str) -> str:
    text = half_width(
        clean_text(raw, field="certificate_no", label=_("证书编号"), max_length=CERTIFICATE_MAX, required=False)
    )
    text = text.replace(" ", "").upper()
    if text and not text.isalnum():
        raise InvalidInput(_("证书编号只能包含字母和数字"), field="certificate_no")
    if text and not qualification:
        raise InvalidInput(_("填写证书编号前请先选择职业资格等级"), field="qualification")
    return text


def clean(details: WorkerDetails) -> dict[str, Any]:
    place = details.place
    if not isinstance(place, Place) or place.kind not in WORKER_PLACE_KINDS:
        raise InvalidInput(_("所在单位须是社区或街道"), field="place_id")
    qualification = _choice(
        details.qualification, Qualification, field="qualification", label=_("职业资格等级"), blank=True
    )
    return {
        "place": place,
        "post": _choice(details.post, Post, field="post", label=_("岗位")),
        "grade": grade_of(details.grade),
        "employment": _choice(details.employment, Employment, field="employment", label=_("用工类型")),
        "education": _choice(details.education, Education, field="education", label=_("学历"), blank=True),
        "qualification": qualification,
        "certificate_no": _certificate(details.certificate_no, qualification),
    }


def person_may_be_hired_by(actor: Any, person: Person, street_path: str) -> bool:
    """A person in the actor's ledger, or one holding a position in the street (staff who live elsewhere)."""
    if scope_for(actor, "ledger").covers(person.place_path):
        return True
    return Position.objects.filter(person=person, place__path__startswith=street_path).exists()


def _require_keeper(actor: Any, place: Place) -> None:
    if not keeps_street(actor, place.path):
        raise Forbidden(_("只有街道的社区工作者管理人员可以维护“%(place)s”的队伍台账") % {"place": place.name})


@transaction.atomic
def worker_hire(
    *, actor: Any, person: Person | None, details: WorkerDetails, hired_on: Any, idempotency_key: str = ""
) -> tuple[Worker, bool]:
    """Register a hire (入职): ``(worker, created)``. The first event carries the post, grade and community.
    ``person`` None (an id that names nobody) is refused exactly like a person outside the street, after the
    keeper check, so the answer never tells whether an id exists."""
    values = clean(details)
    place: Place = values["place"]
    _require_keeper(actor, place)
    day = day_of(hired_on, field="hired_on", label=_("入职日期"))
    if (
        person is None
        or person.anonymised_at is not None
        or not person_may_be_hired_by(actor, person, street_path_of(place.path))
    ):
        raise InvalidInput(_("请从本街道台账中选择人员"), field="person_id")
    key = clean_key(idempotency_key)
    certificate = values.pop("certificate_no")

    def create() -> Worker:
        if Worker.objects.filter(person=person, left_on__isnull=True).exists():
            raise Conflict(_("此人已在社区工作者台账中(在职),请勿重复登记"), field="person_id")
        worker = Worker.objects.create(
            person=person,
            place_path=place.path,
            hired_on=day,
            certificate_enc=crypto.encrypt(certificate) if certificate else "",
            created_by=actor,
            idempotency_key=key,
            **values,
        )
        WorkerEvent.objects.create(
            worker=worker, kind=EventKind.HIRED, effective_on=day, post=worker.post, grade=worker.grade,
            place=place, actor=actor,
        )  # fmt: skip
        return worker

    try:
        worker, created = create_once(
            earlier=Worker.objects.filter(created_by=actor),
            key=key,
            create=create,
            same=lambda e: e.person_id == person.pk,
            refusal=lambda e: _("这个 Idempotency-Key 已用于登记另一名社区工作者"),
        )
    except IntegrityError:  # two clerks registering the same person at once: the unique open spell
        raise Conflict(_("此人已在社区工作者台账中(在职),请勿重复登记"), field="person_id") from None
    if created:
        audit_record(
            action="workforce.worker_hired",
            actor=actor,
            target=worker,
            target_label=person.name,
            place=place.pk,
            post=worker.post,
            hired_on=day.isoformat(),
        )
    return worker, created


DETAIL_FIELDS = ("employment", "education", "qualification")


def _lock(worker: Worker) -> Worker:
    return Worker.objects.select_for_update().get(pk=worker.pk)


def _last_event_day(worker: Worker) -> dt.date:
    last = WorkerEvent.objects.filter(worker=worker).order_by("-effective_on", "-id").first()
    return last.effective_on if last is not None else worker.hired_on


@transaction.atomic
def worker_update(
    *, actor: Any, worker: Worker, details: WorkerDetails, effective_on: Any = None, note: str = ""
) -> Worker:
    """Rewrite a worker's details (employment kind, education, qualification, certificate number); a different
    post, grade or community is a change from ``effective_on`` (default today) and appends an event. A leaver's
    record is closed: it cannot change. Saving it unchanged records nothing."""
    if not may_keep(actor, worker):
        raise Forbidden(_("您的岗位无权修改此社区工作者的台账"))
    locked = _lock(worker)
    if locked.left_on is not None:
        raise Conflict(_("此人已离职,台账记录不再修改"))
    values = clean(details)
    place: Place = values.pop("place")
    if place.pk != locked.place_id:
        _require_keeper(actor, place)
        if street_path_of(place.path) != street_path_of(locked.place_path):
            raise InvalidInput(_("调往其他街道请先办理离职,再由该街道登记"), field="place_id")
    certificate = values.pop("certificate_no")
    changed = [name for name in DETAIL_FIELDS if getattr(locked, name) != values[name]]
    if certificate != locked.certificate_no:
        locked.certificate_enc = crypto.encrypt(certificate) if certificate else ""
        changed.append("certificate_no")
    moves = [
        name for name, new in (("post", values["post"]), ("grade", values["grade"])) if getattr(locked, name) != new
    ]
    moved = place.pk != locked.place_id
    note = clean_text(note, field="note", label=_("说明"), max_length=NOTE_MAX, required=False)
    for name in DETAIL_FIELDS:
        setattr(locked, name, values[name])
    if moves or moved:
        day = day_of(effective_on or timezone.localdate(), field="effective_on", label=_("生效日期"))
        if day < _last_event_day(locked):
            raise InvalidInput(
                _("生效日期不能早于上一次变动(%(date)s)") % {"date": _last_event_day(locked).isoformat()},
                field="effective_on",
            )
        WorkerEvent.objects.create(
            worker=locked, kind=EventKind.MOVED if moved and not moves else EventKind.CHANGED, effective_on=day,
            post=values["post"], grade=values["grade"], place=place, note=note, actor=actor,
        )  # fmt: skip
        audit_record(
            action="workforce.worker_changed",
            actor=actor,
            target=locked,
            target_label=worker.person.name,
            effective_on=day.isoformat(),
            post=[locked.post, values["post"]] if "post" in moves else None,
            grade_changed="grade" in moves,  # the grade itself is kept out of the audit detail (pay is sensitive)
            place=[locked.place_id, place.pk] if moved else None,
        )
        locked.post, locked.grade, locked.place, locked.place_path = values["post"], values["grade"], place, place.path
    if not changed and not moves and not moved:
        return locked
    locked.save()
    if changed:
        audit_record(
            action="workforce.worker_updated",
            actor=actor,
            target=locked,
            target_label=worker.person.name,
            changed=changed,
        )
    return locked


@transaction.atomic
def worker_leave(*, actor: Any, worker: Worker, left_on: Any, reason: Any, note: str = "") -> Worker:
    """Record a leave (离职): the row stays, closed, with its date and reason; a ``left`` event ends the history."""
    if not may_keep(actor, worker):
        raise Forbidden(_("您的岗位无权办理此社区工作者的离职"))
    locked = _lock(worker)
    if locked.left_on is not None:
        raise Conflict(_("此人已于 %(date)s 离职") % {"date": locked.left_on.isoformat()})
    day = day_of(left_on, field="left_on", label=_("离职日期"))
    last = _last_event_day(locked)
    if day < last:
        raise InvalidInput(
            _("离职日期不能早于 %(date)s(入职或上一次变动)") % {"date": last.isoformat()}, field="left_on"
        )
    why = _choice(reason, LeaveReason, field="leave_reason", label=_("离职原因"))
    note = clean_text(note, field="leave_note", label=_("离职说明"), max_length=NOTE_MAX, required=False)
    locked.left_on, locked.leave_reason, locked.leave_note = day, why, note
    locked.save(update_fields=["left_on", "leave_reason", "leave_note", "updated_at"])
    WorkerEvent.objects.create(
        worker=locked, kind=EventKind.LEFT, effective_on=day, post=locked.post, grade=locked.grade,
        place_id=locked.place_id, note=note, actor=actor,
    )  # fmt: skip
    audit_record(
        action="workforce.worker_left",
        actor=actor,
        target=locked,
        target_label=worker.person.name,
        left_on=day.isoformat(),
        reason=why,
    )
    return locked


def certificate_reveal(*, actor: Any, worker: Worker, request: Any = None) -> str:
    """The full certificate number, for the street's keepers (and the worker themself); each reveal is audited."""
    from linli.workforce.permissions import sees_grade

    if not sees_grade(actor, worker):
        raise Forbidden(_("您的岗位无权查看证书编号"))
    reveal_budget(actor=actor, request=request)
    number = worker.certificate_no
    audit_record(
        action="workforce.certificate_revealed",
        actor=actor,
        request=request,
        target=worker,
        target_label=worker.person.name,
    )
    return number
