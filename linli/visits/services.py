"""Visit writes: record a visit (checklist, persons, findings, photos), feedback steps, and
findings solved on the spot or turned into a request (诉求) linked both ways.

Plans, care plans, quota rules and hazard points are in ``linli.visits.services_plans``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.audit.services import audit_record
from linli.core import uploads
from linli.core.dates import aware
from linli.core.errors import Conflict, Forbidden, InvalidInput
from linli.core.locks import serialize_on
from linli.core.scoping import capabilities_at, every_row, get_or_not_found, scope_for
from linli.people.models import Person
from linli.places.models import Household
from linli.tickets.models import Ticket
from linli.visits.models import (
    FINDING_MAX,
    NOTES_MAX,
    PHOTOS_MAX,
    ChecklistTemplate,
    Finding,
    HazardPoint,
    Visit,
    VisitKind,
    VisitPhoto,
)

RECORDING_CAPABILITIES = {"handle", "manage"}
FUTURE_TOLERANCE = dt.timedelta(minutes=5)
OLDEST_BACKDATE = dt.timedelta(days=366)
FINDINGS_MAX = 20
ANSWER_MAX = 500
PEOPLE_SERVED_MAX = 200
FEEDBACK_STEPS = {"superior": "feedback_superior", "party": "feedback_party", "resident": "feedback_resident"}


@dataclass
class VisitInput:
    """What a visitor submits; pages and the API both build one."""

    household_id: int | None = None
    hazard_id: int | None = None
    visited_at: dt.datetime | None = None
    kind: str = VisitKind.ROUTINE
    template_id: int | None = None
    answers: dict[str, str] = field(default_factory=dict)
    notes: str = ""
    person_ids: list[int] = field(default_factory=list)
    people_served: int | None = None
    findings: list[str] = field(default_factory=list)
    feedback_superior: bool = False
    feedback_party: bool = False
    feedback_resident: bool = False
    idempotency_key: str = ""


def recording_q(user: Any, path_field: str) -> Q:
    """Rows under nodes where the user may record visits (handle or manage)."""
    condition = Q(pk__in=[])
    for capability in RECORDING_CAPABILITIES:
        scope = scope_for(user, capability)
        if scope.everything:
            return every_row()
        if not scope.empty:
            condition |= scope.q(path_field)
    return condition


def household_for_visit(user: Any, household_id: Any) -> Household:
    """A household the user may visit; one outside their scope is the same 404 as a missing one."""
    return get_or_not_found(
        Household.objects.select_related("place").filter(recording_q(user, "place_path")),
        household_id,
        message=_("未找到该住户,或不在您的走访范围内"),
        field="household_id",
    )


def hazard_for_visit(user: Any, hazard_id: Any) -> HazardPoint:
    return get_or_not_found(
        HazardPoint.objects.select_related("place").filter(recording_q(user, "place_path")),
        hazard_id,
        message=_("未找到该隐患点,或不在您的巡查范围内"),
        field="hazard_id",
    )


def _clean_visited_at(value: dt.datetime | None) -> dt.datetime:
    now = timezone.now()
    if value is None:
        return now
    value = aware(value)
    if value > now + FUTURE_TOLERANCE:
        raise InvalidInput(_("走访时间不能晚于现在"), field="visited_at")
    if value < now - OLDEST_BACKDATE:
        raise InvalidInput(_("走访时间不能早于一年前,请核对日期"), field="visited_at")
    return value


def _clean_answers(template: ChecklistTemplate | None, answers: dict[str, Any]) -> dict[str, str]:
    answers = answers or {}
    if template is None:
        if any(str(v or "").strip() for v in answers.values()):
            raise InvalidInput(_("填写检查结果前请先选择检查清单"), field="template_id")
        return {}
    keys = {item["key"] for item in template.items}
    cleaned: dict[str, str] = {}
    for key, value in answers.items():
        if key not in keys:
            raise InvalidInput(
                _("检查项“%(key)s”不在清单“%(template)s”中") % {"key": key, "template": template.name}, field="answers"
            )
        text = str(value or "").strip()
        if len(text) > ANSWER_MAX:
            raise InvalidInput(_("每项检查结果最多 %(max)d 个字") % {"max": ANSWER_MAX}, field="answers")
        if text:
            cleaned[key] = text
    if template.requires_answer and not cleaned:
        raise InvalidInput(_("清单“%(template)s”至少要填写一项检查结果") % {"template": template.name}, field="answers")
    missing = [item["label"] for item in template.items if item.get("required") and item["key"] not in cleaned]
    if missing:
        raise InvalidInput(_("必填检查项未填写:%(items)s") % {"items": _("、").join(missing)}, field="answers")
    return cleaned


def _clean_findings(findings: list[str]) -> list[str]:
    cleaned = [str(f or "").strip() for f in findings or []]
    cleaned = [f for f in cleaned if f]
    if len(cleaned) > FINDINGS_MAX:
        raise InvalidInput(_("一次走访最多记录 %(max)d 个发现的问题") % {"max": FINDINGS_MAX}, field="findings")
    for text in cleaned:
        if len(text) > FINDING_MAX:
            raise InvalidInput(_("每个问题最多 %(max)d 个字") % {"max": FINDING_MAX}, field="findings")
    return cleaned


def _read_photos(uploads_in: list[Any]) -> list[uploads.CleanImage]:
    """Each photo read within the size limit and re-encoded (EXIF/GPS stripped) before it is stored."""
    if len(uploads_in) > PHOTOS_MAX:
        raise InvalidInput(_("每次走访最多 %(max)d 张照片") % {"max": PHOTOS_MAX}, field="photos")
    return [uploads.clean_image(uploads.read_upload(u, field="photos"), field="photos") for u in uploads_in]


def _save_photos(visit: Visit, photos: list[uploads.CleanImage]) -> None:
    for clean in photos:
        photo = VisitPhoto(
            visit=visit, content_type=clean.content_type, width=clean.width, height=clean.height, size=len(clean.data)
        )
        photo.image.save(uploads.random_name(clean.extension), ContentFile(clean.data), save=False)
        photo.save()


def visit_record(*, actor: Any, data: VisitInput, photos: list[Any] | None = None) -> tuple[Visit, bool]:
    """Record one visit with everything found on it; returns ``(visit, created)``.

    A retry with the same idempotency key returns the first visit. The same visitor recording the
    same household or hazard point at the same minute again is refused as a duplicate.
    """
    if not getattr(actor, "is_authenticated", False):
        raise Forbidden(_("请先登录"))
    key = (data.idempotency_key or "").strip()
    if len(key) > 64:
        raise InvalidInput(_("Idempotency-Key 最长 64 个字符"), field="idempotency_key")
    if key:
        existing = Visit.objects.filter(visitor=actor, idempotency_key=key).first()
        if existing is not None:
            return existing, False
    if data.kind not in VisitKind.values:
        raise InvalidInput(_("未知走访类型“%(kind)s”") % {"kind": data.kind}, field="kind")
    visited_at = _clean_visited_at(data.visited_at)
    household: Household | None = None
    hazard: HazardPoint | None = None
    if data.kind == VisitKind.HAZARD or data.hazard_id is not None:
        if data.hazard_id is None:
            raise InvalidInput(_("隐患点巡查请选择隐患点"), field="hazard_id")
        if data.household_id is not None:
            raise InvalidInput(_("一次记录只能对应一个住户或一个隐患点"), field="household_id")
        hazard = hazard_for_visit(actor, data.hazard_id)
        place, path = hazard.place, hazard.place_path
    else:
        if data.household_id is None:
            raise InvalidInput(_("请选择走访的住户"), field="household_id")
        household = household_for_visit(actor, data.household_id)
        place, path = household.place, household.place_path
    if not capabilities_at(actor, path) & RECORDING_CAPABILITIES:
        raise Forbidden(_("只有该区域的工作人员可以记录走访"))
    template = None
    if data.template_id is not None:
        template = ChecklistTemplate.objects.filter(pk=data.template_id, active=True).first()
        if template is None:
            raise InvalidInput(_("所选检查清单不存在或已停用"), field="template_id")
    answers = _clean_answers(template, data.answers)
    notes = (data.notes or "").strip()
    if len(notes) > NOTES_MAX:
        raise InvalidInput(_("走访情况最多 %(max)d 个字") % {"max": NOTES_MAX}, field="notes")
    person_ids = sorted({int(p) for p in data.person_ids or []})
    persons: list[Person] = []
    if person_ids:
        if household is None:
            raise InvalidInput(_("隐患点巡查不能选择走访对象"), field="person_ids")
        persons = list(Person.objects.filter(pk__in=person_ids, household=household, moved_out_on__isnull=True))
        if len(persons) != len(person_ids):
            raise InvalidInput(_("走访对象应为该户的在住成员"), field="person_ids")
    served = data.people_served if data.people_served is not None else len(persons)
    if served < len(persons) or served > PEOPLE_SERVED_MAX:
        raise InvalidInput(
            _("服务人数应在 %(min)d 到 %(max)d 之间") % {"min": len(persons), "max": PEOPLE_SERVED_MAX},
            field="people_served",
        )
    findings = _clean_findings(data.findings)
    images = _read_photos(list(photos or []))
    minute = visited_at.replace(second=0, microsecond=0)
    same = Visit.objects.filter(
        visitor=actor,
        household=household,
        hazard=hazard,
        visited_at__gte=minute,
        visited_at__lt=minute + dt.timedelta(minutes=1),
    )
    try:
        with transaction.atomic():
            # Without an idempotency key (it is optional in the API) the same-minute rule is the only guard
            # against a double submit: checked under a lock on its key, so two submits cannot both pass it.
            serialize_on("visit", actor.pk, getattr(household, "pk", None), getattr(hazard, "pk", None), minute)
            if same.exists():
                raise Conflict(_("这次走访已经记录过了(同一住户、同一时间),请勿重复提交"))
            visit = Visit.objects.create(
                place=place,
                place_path=path,
                household=household,
                hazard=hazard,
                visitor=actor,
                visitor_person_id=getattr(actor, "person_id", None),
                visited_at=visited_at,
                kind=data.kind,
                template=template,
                answers=answers,
                notes=notes,
                people_served=served,
                feedback_superior=bool(data.feedback_superior),
                feedback_party=bool(data.feedback_party),
                feedback_resident=bool(data.feedback_resident),
                idempotency_key=key,
            )
            if persons:
                visit.persons.set(persons)
            Finding.objects.bulk_create([Finding(visit=visit, place_path=path, text=t) for t in findings])
            _save_photos(visit, images)
            if hazard is not None:
                HazardPoint.objects.filter(pk=hazard.pk).update(last_inspected_at=visited_at, reminded_on=None)
            audit_record(action="visit.record", actor=actor, target=visit, kind=data.kind, findings=len(findings))
    except IntegrityError:
        if not key:
            raise
        return Visit.objects.get(visitor=actor, idempotency_key=key), False
    return visit, True


def _may_follow_up(actor: Any, visit: Visit) -> None:
    if visit.visitor_id == getattr(actor, "pk", None):
        return
    if not capabilities_at(actor, visit.place_path) & RECORDING_CAPABILITIES:
        raise Forbidden(_("只有走访人或该区域的工作人员可以处理"))


def _lock_visit(actor: Any, visit_id: Any) -> Visit:
    from linli.core.scoping import access

    visit = access(Visit.objects.all(), actor, visit_id)  # type: ignore[arg-type]
    return Visit.objects.select_for_update().get(pk=visit.pk)


def _lock_finding(actor: Any, finding_id: Any) -> Finding:
    from linli.core.scoping import access

    finding = access(Finding.objects.all(), actor, finding_id)  # type: ignore[arg-type]
    return Finding.objects.select_for_update().select_related("visit").get(pk=finding.pk)


def visit_feedback_set(*, actor: Any, visit_id: int, step: str, done: bool) -> Visit:
    """Mark one feedback step (to the superior, the party org, the resident) done or not done."""
    column = FEEDBACK_STEPS.get(step)
    if column is None:
        raise InvalidInput(_("反馈环节应为 superior、party 或 resident"), field="step")
    with transaction.atomic():
        visit = _lock_visit(actor, visit_id)
        _may_follow_up(actor, visit)
        setattr(visit, column, bool(done))
        visit.save(update_fields=[column])
        audit_record(action="visit.feedback", actor=actor, target=visit, step=step, done=bool(done))
    return visit


def finding_add(*, actor: Any, visit_id: int, text: str) -> Finding:
    (cleaned,) = _clean_findings([text]) or [""]
    if not cleaned:
        raise InvalidInput(_("问题描述不能为空"), field="text")
    with transaction.atomic():
        visit = _lock_visit(actor, visit_id)
        _may_follow_up(actor, visit)
        if visit.findings.count() >= FINDINGS_MAX:
            raise InvalidInput(_("一次走访最多记录 %(max)d 个发现的问题") % {"max": FINDINGS_MAX}, field="text")
        finding = Finding.objects.create(visit=visit, place_path=visit.place_path, text=cleaned)
        audit_record(action="visit.finding_add", actor=actor, target=visit)
    return finding


def finding_solve_on_spot(*, actor: Any, finding_id: int, note: str = "") -> Finding:
    note = (note or "").strip()
    if len(note) > 500:
        raise InvalidInput(_("处理说明最多 500 个字"), field="note")
    with transaction.atomic():
        finding = _lock_finding(actor, finding_id)
        _may_follow_up(actor, finding.visit)
        if finding.ticket_id:
            raise Conflict(_("该问题已转为诉求,请在诉求中办结"))
        if finding.solved_on_spot:
            raise Conflict(_("该问题已标记为当场解决"))
        finding.solved_on_spot = True
        finding.solved_note = note
        finding.save(update_fields=["solved_on_spot", "solved_note"])
        audit_record(action="visit.finding_solved", actor=actor, target=finding.visit, finding=finding.pk)
    return finding


def finding_to_request(*, actor: Any, finding_id: int, category_id: int | None = None) -> Ticket:
    """One tap: a request prefilled from the finding (source 入户走访), linked both ways.

    Tapping twice returns the same request. The visit's photos go with it.
    """
    from linli.tickets.models import Source
    from linli.tickets.services import ticket_photo_add, ticket_submit

    with transaction.atomic():
        finding = _lock_finding(actor, finding_id)
        visit = Visit.objects.select_related("household__place", "hazard").get(pk=finding.visit_id)
        _may_follow_up(actor, visit)
        if finding.ticket_id:
            return Ticket.objects.get(pk=finding.ticket_id)
        if finding.solved_on_spot:
            raise Conflict(_("该问题已当场解决,无需转为诉求"))
        where = str(visit.household) if visit.household else (visit.hazard.name if visit.hazard else "")
        description = (
            f"{finding.text}\n\n(入户走访发现:{where},{timezone.localtime(visit.visited_at):%Y-%m-%d %H:%M},"
            f"{visit.get_kind_display()})"
        )
        ticket, _created = ticket_submit(
            actor=actor,
            description=description,
            title=finding.text.splitlines()[0][:30],
            category_id=category_id,
            place_id=visit.place_id,
            public=False,
            source=Source.VISIT,
            reporter_name=", ".join(p.name for p in visit.persons.all()[:3]),
            idempotency_key=f"visit-finding-{finding.pk}",
        )
        finding.ticket = ticket
        finding.save(update_fields=["ticket"])
        for photo in visit.photos.all()[:PHOTOS_MAX]:
            with photo.image.open("rb") as fh:
                ticket_photo_add(actor=actor, ticket_id=ticket.pk, upload=fh)
        audit_record(
            action="visit.finding_to_request", actor=actor, target=visit, finding=finding.pk, ticket=ticket.number
        )
    return ticket


def visit_photo_add(*, actor: Any, visit_id: int, upload: Any) -> VisitPhoto:
    """Attach one more photo to a visit (the API sends photos one by one)."""
    (image,) = _read_photos([upload])
    with transaction.atomic():
        visit = _lock_visit(actor, visit_id)
        _may_follow_up(actor, visit)
        if visit.photos.count() >= PHOTOS_MAX:
            raise InvalidInput(_("每次走访最多 %(max)d 张照片") % {"max": PHOTOS_MAX}, field="photo")
        _save_photos(visit, [image])
        photo = visit.photos.order_by("-id").first()
        audit_record(action="visit.photo_add", actor=actor, target=visit)
    assert photo is not None
    return photo
