"""The staff pages of a desk: the starting page (desks with their gaps, the resident's "今日值班"), setting up a
desk, the month grid with its gaps and the shift forms, auto-schedule (preview, then apply) and the Excel 排班表.
Anyone without ``manage`` at the desk's place gets the 404 of a missing id. A refused form comes back with what
was typed and the error (422)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.core.dates import parse_day, require_day
from linli.core.errors import Conflict, Forbidden, InvalidInput
from linli.people.models import Person
from linli.people.sheets import xlsx_response
from linli.rota import board
from linli.rota import selectors as sel
from linli.rota import services_desks as sd
from linli.rota import services_schedule as sch
from linli.rota import services_shifts as ss
from linli.rota.exporting import month_workbook
from linli.rota.models import DutyDesk, DutyShift
from linli.rota.staffing import roster
from linli.rota.views_common import FormError, form_error, parse_time, pick


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """Staff: the desks they keep, each with the short rest days of the next fortnight. Everyone: the desks serving
    their home, open today or not."""
    user = request.user
    desks = list(sel.visible_desks(user).select_related("place").order_by("place_path")[:200])
    person: Any = getattr(user, "person", None)
    serving = sel.desks_serving(getattr(person, "place_path", "") or "")
    short = board.gaps_for(desks)
    return render(
        request,
        "rota/index.html",
        {
            "desks": [(d, short[d.pk]) for d in desks],
            "new_places": sel.places_without_desk(user),
            "cards": board.today_cards(serving),
            "pending": sel.pending_count(user),
            "on_rota": sel.own_shifts(user).exists(),
        },
    )


def _desk_fields(data: Any) -> sd.DeskFields:
    return sd.DeskFields(
        name=data.get("name", ""),
        phone=data.get("phone", ""),
        location=data.get("location", ""),
        opens_at=parse_time(data.get("opens_at"), "opens_at"),
        closes_at=parse_time(data.get("closes_at"), "closes_at"),
        required_people=data.get("required_people"),
        comp_window_days=data.get("comp_window_days"),
        active=data.get("active", "1") == "1",
    )


@login_required
def desk_new(request: HttpRequest) -> HttpResponse:
    places = sel.places_without_desk(request.user)
    if not places and not sel.visible_desks(request.user).exists():
        raise Forbidden(_("您的岗位不负责值班台"))
    error: FormError | None = None
    if request.method == "POST":
        try:
            place = pick(places, request.POST.get("place_id"), "place_id", _("社区或街道"))
            desk, _created = sd.desk_create(actor=request.user, place=place, fields=_desk_fields(request.POST))
        except (InvalidInput, Conflict) as exc:
            error = exc
        else:
            messages.success(request, _("已设立“%(desk)s”。") % {"desk": desk.name})
            return redirect("rota:desk", desk.pk)
    return render(
        request,
        "rota/desk_form.html",
        {"places": places, "data": request.POST if error else {}, "desk": None, **form_error("desk", error)},
        status=422 if error else 200,
    )


@login_required
def desk_settings(request: HttpRequest, desk_id: int) -> HttpResponse:
    desk = sel.access_desk(request.user, desk_id)
    error: FormError | None = None
    if request.method == "POST":
        try:
            sd.desk_update(actor=request.user, desk=desk, fields=_desk_fields(request.POST))
        except (InvalidInput, Conflict) as exc:
            error = exc
        else:
            messages.success(request, _("已保存。"))
            return redirect("rota:desk", desk.pk)
    values = {
        "name": desk.name,
        "phone": desk.phone,
        "location": desk.location,
        "opens_at": desk.opens_at.strftime("%H:%M"),
        "closes_at": desk.closes_at.strftime("%H:%M"),
        "required_people": str(desk.required_people),
        "comp_window_days": str(desk.comp_window_days),
        "active": "1" if desk.active else "0",
    }
    return render(
        request,
        "rota/desk_form.html",
        {"places": [], "data": request.POST if error else values, "desk": desk, **form_error("desk", error)},
        status=422 if error else 200,
    )


SHIFT_FORMS = {"shift_add", "shift_reassign", "shift_remove"}


@login_required
def desk(request: HttpRequest, desk_id: int) -> HttpResponse:
    """The month grid (days × people), the gaps of the next fortnight and the shift forms."""
    the_desk = sel.access_desk(request.user, desk_id)
    today = timezone.localdate()
    month = board.month_param(request.GET.get("month") or request.POST.get("month"), today)
    form, error = "", None
    if request.method == "POST":
        form = request.POST.get("form", "")
        form = form if form in SHIFT_FORMS else ""
        try:
            done = _act(request, the_desk, form, today)
        except (InvalidInput, Conflict) as exc:
            error = exc
        else:
            messages.success(request, done)
            return redirect(f"{request.path}?month={month:%Y-%m}")
    grid = board.month_grid(the_desk, month, today=today)
    return render(
        request,
        "rota/desk.html",
        {
            "desk": the_desk,
            "grid": grid,
            "gaps": board.gaps(the_desk, today=today),
            "today": today,
            "staff": [r for r in grid.rows if r.label],
            "data": request.POST if error else {},
            **form_error(form, error, request.POST.get("row_id", "")),
        },
        status=422 if error else 200,
    )


def _person(desk: DutyDesk, raw: Any, day: dt.date, field: str = "person_id") -> Person:
    """One of the people who may be on duty at the desk that day (the page offers the month's)."""
    staff = roster(desk, day, day)
    person_id = pick([Person(pk=pk) for pk in staff], raw, field, _("值班人员")).pk
    return Person.objects.get(pk=person_id)


def _act(request: HttpRequest, desk: DutyDesk, form: str, today: dt.date) -> str:
    user, data = request.user, request.POST
    if form == "shift_add":
        day = require_day(data.get("day"), "day")
        shift, created = ss.shift_add(
            actor=user,
            desk=desk,
            person=_person(desk, data.get("person_id"), day),
            day=day,
            starts_at=parse_time(data.get("starts_at"), "starts_at"),
            ends_at=parse_time(data.get("ends_at"), "ends_at"),
        )
        return _("已安排 %(day)s 的值班。") % {"day": shift.day.isoformat()} if created else _("该值班已在排班表上。")
    shifts = DutyShift.objects.filter(desk=desk)
    shift = pick(shifts, data.get("row_id"), "row_id", _("值班"))
    if form == "shift_reassign":
        ss.shift_reassign(actor=user, shift=shift, person=_person(desk, data.get("person_id"), shift.day))
        return _("已换人。")
    if form == "shift_remove":
        ss.shift_remove(actor=user, shift=shift)
        return _("已删除 %(day)s 的值班。") % {"day": shift.day.isoformat()}
    raise InvalidInput(_("请使用页面上的表单提交"))


@login_required
def schedule(request: HttpRequest, desk_id: int) -> HttpResponse:
    """自动排班: GET (or a preview POST) shows the plan; the apply POST adds it whole, or nothing."""
    the_desk = sel.access_desk(request.user, desk_id)
    today = timezone.localdate()
    data = request.POST if request.method == "POST" else request.GET
    plan, error = None, None
    since = until = None
    try:
        since = parse_day(data.get("since"), "since") or today
        until = parse_day(data.get("until"), "until") or board.month_bounds(since)[1]
        if request.method == "POST" and data.get("form") == "apply":
            run, created = sch.schedule_apply(
                actor=request.user,
                desk=the_desk,
                since=since,
                until=until,
                token=data.get("token", ""),
                idempotency_key=data.get("idempotency_key", ""),
            )
            if created:
                messages.success(request, _("已自动排班 %(n)d 个值班。") % {"n": run.shifts_created})
            else:
                messages.info(request, _("这次排班已经应用过了。"))
            return redirect(f"{board_url(the_desk)}?month={since:%Y-%m}")
        if data.get("since") or data.get("until") or request.method == "POST":
            plan = sch.schedule_preview(actor=request.user, desk=the_desk, since=since, until=until)
    except (InvalidInput, Conflict) as exc:
        error = exc
        if isinstance(exc, Conflict) and since is not None and until is not None:
            plan = sch.schedule_plan(desk=the_desk, since=since, until=until)  # what it would be now
    return render(
        request,
        "rota/schedule.html",
        {
            "desk": the_desk,
            "plan": plan,
            "since": since or today,
            "until": until or board.month_bounds(today)[1],
            "idempotency_key": uuid.uuid4().hex,
            "max_days": sch.MAX_DAYS,
            **form_error("schedule", error),
        },
        status=422 if error else 200,
    )


def board_url(desk: DutyDesk) -> str:
    from django.urls import reverse

    return reverse("rota:desk", args=[desk.pk])


@login_required
def export(request: HttpRequest, desk_id: int) -> HttpResponse:
    the_desk = sel.access_desk(request.user, desk_id)
    month = board.month_param(request.GET.get("month"), timezone.localdate())
    body = month_workbook(actor=request.user, desk=the_desk, month=month, request=request)
    return xlsx_response(body, f"rota-{the_desk.pk}-{month:%Y-%m}.xlsx")
