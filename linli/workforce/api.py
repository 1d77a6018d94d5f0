"""The register of community workers under /api/v1/workforce/: list and read it, hire, update (details, and a dated
change of post, grade or community), record a leave, and the figures. Training is ``api_training``.

Pay grade and certificate number are in an answer only for the street's keepers and for the worker themself
(``grade`` and ``certificate_masked`` are null otherwise). Anyone who may not see a worker gets the 404 of a
missing id. Texts, dates and choices are checked by the services, so a refusal names the field in Chinese (422).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import Field

from linli.core.errors import InvalidInput
from linli.core.identifiers import parse_id
from linli.core.pagination import keyset_page
from linli.core.schemas import Day, ErrorOut, PageQuery
from linli.core.scoping import get_or_not_found
from linli.people.models import Person
from linli.places.models import Place
from linli.workforce import selectors as sel
from linli.workforce import services as ws
from linli.workforce.models import POST_TIER, Education, Employment, LeaveReason, Post, Qualification, Worker
from linli.workforce.permissions import may_keep, sees_grade

router = Router(tags=["workforce"])
ERRORS: dict[int, Any] = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def _codes(choices: Any) -> str:
    return ", ".join(f"{v or '(blank)'} ({label})" for v, label in choices.choices)


class WorkerOut(Schema):
    id: int
    person_id: int
    name: str
    place_id: int
    place_name: str
    post: str = Field(description=_codes(Post))
    post_label: str
    tier: str = Field(description="三岗: principal (正职), deputy (副职), other (其他)")
    grade: int | None = Field(description="三岗十八级 1–18; null unless you keep the street's register or it is yours")
    employment: str = Field(description=_codes(Employment))
    hired_on: dt.date
    left_on: dt.date | None
    leave_reason: str = Field(description=_codes(LeaveReason))
    leave_note: str
    education: str = Field(description=_codes(Education))
    qualification: str = Field(description=_codes(Qualification))
    qualification_label: str
    certificate_masked: str | None = Field(description="masked; null unless grades are shown to you")
    generalist_trained: bool = Field(description="attended a 全科社工 session")
    year_hours: float = Field(description="training hours this year")
    may_keep: bool


class WorkerEventOut(Schema):
    kind: str
    effective_on: dt.date
    post: str
    grade: int | None
    place_id: int
    note: str


class WorkerDetailOut(WorkerOut):
    events: list[WorkerEventOut]


class WorkerListOut(Schema):
    items: list[WorkerOut]
    next: str | None


class WorkerListQuery(PageQuery):
    place_id: int | None = Field(None, description="workers under this street or community")
    status: str = Field("active", description="active, left or all")
    employment: str | None = Field(None, description=_codes(Employment))
    on: Day | None = Field(None, description="those in post on this day, with the post and grade they held then")


class WorkerDetailsIn(Schema):
    place_id: int = Field(description="the community (or the street itself) they work for")
    post: str = Field(description=_codes(Post))
    grade: int = Field(description="三岗十八级, 1–18")
    employment: str = Field(Employment.FULL_TIME, description=_codes(Employment))
    education: str = Field("", description=_codes(Education))
    qualification: str = Field("", description=_codes(Qualification))
    certificate_no: str = Field("", description="社会工作者职业资格证书编号 (stored encrypted)")


class WorkerCreateIn(WorkerDetailsIn):
    person_id: int = Field(description="the person in the ledger (or holding a position in the street)")
    hired_on: Day


class WorkerUpdateIn(WorkerDetailsIn):
    effective_on: Day | None = Field(None, description="when a change of post, grade or community takes effect")
    note: str = ""


class WorkerLeaveIn(Schema):
    left_on: Day
    reason: str = Field(description=_codes(LeaveReason))
    note: str = ""


def worker_out(
    request: HttpRequest, w: Worker, *, held: sel.Held | None = None, places: dict[int, str] | None = None
) -> dict[str, Any]:
    shown = sees_grade(request.user, w)
    post = held.post if held else w.post
    return {
        "id": w.pk,
        "person_id": w.person_id,
        "name": w.person.name,
        "place_id": held.place_id if held else w.place_id,
        "place_name": (places or {}).get(held.place_id, w.place.name) if held else w.place.name,
        "post": post,
        "post_label": str(Post(post).label),
        "tier": str(POST_TIER[Post(post)]),
        "grade": (held.grade if held else w.grade) if shown else None,
        "employment": w.employment,
        "hired_on": w.hired_on,
        "left_on": w.left_on,
        "leave_reason": w.leave_reason,
        "leave_note": w.leave_note,
        "education": w.education,
        "qualification": w.qualification,
        "qualification_label": w.qualification_label,
        "certificate_masked": w.certificate_masked if shown else None,
        "generalist_trained": bool(getattr(w, "generalist", False)),
        "year_hours": float(getattr(w, "year_hours", 0) or 0),
        "may_keep": may_keep(request.user, w),
    }


def _node(pk: int | None) -> Place | None:
    if pk is None:
        return None
    return get_or_not_found(Place.objects.all(), pk, field="place_id")  # type: ignore[no-any-return]


def _details(payload: WorkerDetailsIn) -> ws.WorkerDetails:
    place = get_or_not_found(Place.objects.all(), payload.place_id, field="place_id")
    return ws.WorkerDetails(
        place=place,
        post=payload.post,
        grade=payload.grade,
        employment=payload.employment,
        education=payload.education,
        qualification=payload.qualification,
        certificate_no=payload.certificate_no,
    )


def _detail(request: HttpRequest, pk: int) -> WorkerDetailOut:
    w = sel.access_worker(request.user, pk)
    shown = sees_grade(request.user, w)
    events = [
        WorkerEventOut(
            kind=e.kind, effective_on=e.effective_on, post=e.post, grade=e.grade if shown else None,
            place_id=e.place_id, note=e.note,
        )
        for e in sel.history(w)
    ]  # fmt: skip
    return WorkerDetailOut(**worker_out(request, w), events=events)


@router.get(
    "/workers",
    response={200: WorkerListOut, 404: ErrorOut, 422: ErrorOut},
    operation_id="workforce_workers_list",
    summary="The register you may see (keyset pages by id); with `on`, those in post that day as they were then",
)
def workforce_workers_list(request: HttpRequest, filters: Query[WorkerListQuery]) -> WorkerListOut:
    if filters.cursor:
        keyset_page(Worker.objects.none(), key="id", cursor=filters.cursor, limit=filters.limit)  # 422 on cursor first
    qs = sel.register(
        request.user,
        node=_node(filters.place_id),
        status=filters.status,
        employment=filters.employment or "",
        on=filters.on,
    )
    page = keyset_page(qs, key="id", cursor=filters.cursor, limit=filters.limit)
    held = sel.held_on([w.pk for w in page.items], filters.on) if filters.on else {}
    places = dict(Place.objects.filter(pk__in={h.place_id for h in held.values()}).values_list("pk", "name"))
    items = [WorkerOut(**worker_out(request, w, held=held.get(w.pk), places=places)) for w in page.items]
    return WorkerListOut(items=items, next=page.next)


@router.post(
    "/workers",
    response={200: WorkerDetailOut, 201: WorkerDetailOut, **ERRORS},
    operation_id="workforce_workers_create",
    summary="Register a hire (入职) in a street you keep (201); an Idempotency-Key retry answers 200 with the first",
)
def workforce_workers_create(request: HttpRequest, payload: WorkerCreateIn) -> Status[WorkerDetailOut]:
    person = Person.objects.filter(pk=parse_id(payload.person_id)).first()  # none: refused as outside the street
    item, created = ws.worker_hire(
        actor=request.user,
        person=person,
        details=_details(payload),
        hired_on=payload.hired_on,
        idempotency_key=request.headers.get("Idempotency-Key", ""),
    )
    return Status(201 if created else 200, _detail(request, item.pk))


class WorkforceFiguresQuery(Schema):
    place_id: int = Field(description="a street or community you manage or lead")
    on: Day | None = Field(None, description="the day workers are counted in post; default today")
    since: Day | None = Field(None, description="period start (hires, leaves, training); default 1 January")
    until: Day | None = Field(None, description="period end; default today")


class CommunityFiguresOut(Schema):
    place_id: int
    name: str
    active: int
    all_kinds: int
    qualified: int
    qualified_rate: float | None
    residents: int
    per_10k: float | None
    meets_standard: bool | None


class WorkforceFiguresOut(Schema):
    place_id: int
    on: dt.date
    since: dt.date
    until: dt.date
    active: int = Field(description="专职社区工作者 in post on `on`")
    all_kinds: int = Field(description="all workers in post (专职, 公益性岗位, 兼职)")
    qualified: int = Field(description="of the 专职, those with a social-work qualification")
    qualified_rate: float | None = Field(description="持证率 = qualified / active")
    residents: int = Field(description="常住人口 in the ledger (not moved out, not anonymised, not 空挂户)")
    per_10k: float | None = Field(description="active × 10000 / residents")
    standard: int = Field(description="the standard: 18 per 10,000")
    meets_standard: bool | None
    hires: int
    leaves: int
    sessions: int = Field(description="sessions in the period held under the place or attended by its workers")
    attendances: int = Field(description="人次: attendances of its workers in the period")
    untrained: int = Field(description="workers in post with no training in `on`'s year so far")
    communities: list[CommunityFiguresOut]


@router.get(
    "/figures",
    response={200: WorkforceFiguresOut, 404: ErrorOut, 422: ErrorOut},
    operation_id="workforce_figures_read",
    summary="Workers in post, 持证率, workers per 10,000 residents, hires, leaves and training under a place",
)
def workforce_figures_read(request: HttpRequest, filters: Query[WorkforceFiguresQuery]) -> WorkforceFiguresOut:
    node = sel.access_node(request.user, filters.place_id, field="place_id")
    first, last = sel.default_period()
    since, until = filters.since or first, filters.until or last
    if since > until:
        raise InvalidInput(_("开始日期不能晚于结束日期"), field="since")
    f = sel.figures(request.user, node, on=filters.on or last, since=since, until=until)
    return WorkforceFiguresOut(
        place_id=node.pk, on=f.on, since=f.since, until=f.until, active=f.active, all_kinds=f.all_kinds,
        qualified=f.qualified, qualified_rate=f.qualified_rate, residents=f.residents, per_10k=f.per_10k,
        standard=f.standard, meets_standard=f.meets_standard, hires=f.hires, leaves=f.leaves, sessions=f.sessions,
        attendances=f.attendances, untrained=f.untrained,
        communities=[
            CommunityFiguresOut(
                place_id=r.place.pk, name=r.place.name, active=r.active, all_kinds=r.all_kinds, qualified=r.qualified,
                qualified_rate=r.qualified_rate, residents=r.residents, per_10k=r.per_10k,
                meets_standard=r.meets_standard,
            )
            for r in f.communities
        ],
    )  # fmt: skip


@router.get(
    "/workers/{worker_id}",
    response={200: WorkerDetailOut, 404: ErrorOut},
    operation_id="workforce_workers_read",
    summary="One worker's record and its dated history (grades only for the street's keepers and the worker)",
)
def workforce_workers_read(request: HttpRequest, worker_id: int) -> WorkerDetailOut:
    return _detail(request, worker_id)


@router.put(
    "/workers/{worker_id}",
    response={200: WorkerDetailOut, **ERRORS},
    operation_id="workforce_workers_update",
    summary="Rewrite a worker's details; a new post, grade or community is a change dated `effective_on`",
)
def workforce_workers_update(request: HttpRequest, worker_id: int, payload: WorkerUpdateIn) -> WorkerDetailOut:
    item = sel.access_worker(request.user, worker_id)  # seen but not kept: 403 from the service
    ws.worker_update(
        actor=request.user, worker=item, details=_details(payload), effective_on=payload.effective_on, note=payload.note
    )
    return _detail(request, worker_id)


@router.post(
    "/workers/{worker_id}/leave",
    response={200: WorkerDetailOut, **ERRORS},
    operation_id="workforce_workers_leave",
    summary="Record a leave (离职) with its date and reason; the record is kept",
)
def workforce_workers_leave(request: HttpRequest, worker_id: int, payload: WorkerLeaveIn) -> WorkerDetailOut:
    item = sel.access_worker(request.user, worker_id)
    ws.worker_leave(actor=request.user, worker=item, left_on=payload.left_on, reason=payload.reason, note=payload.note)
    return _detail(request, worker_id)
