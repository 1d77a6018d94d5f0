"""部门评议 page: street and community leaders and staff rate the departments serving their street for the year;
street leaders and staff read the scorecard (and download it); a department's liaison reads their own row.
A refused rating form comes back with what was chosen and the error (422), nothing recorded."""

from __future__ import annotations

import io
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.audit.services import audit_record
from linli.core.errors import Forbidden, InvalidInput, NotFound
from linli.core.identifiers import parse_id
from linli.duties import assessment as a
from linli.duties import selectors as sel
from linli.duties.models import Rating
from linli.people.sheets import XLSX_CONTENT_TYPE, write_xlsx
from linli.places.models import Place, PlaceKind


def _streets(user: Any) -> list[Place]:
    """Streets the user reads or rates: managed ones, the street of a community they lead or staff, and the
    streets their department serves."""
    found = {s.pk: s for s in sel.managed_streets(user)}
    departments = sel.liaison_departments(user)
    for street in sel.home_streets(user) + sel.liaison_streets(departments):
        if street.pk not in found and (departments or a.rater_place(user, street)):
            found[street.pk] = street
    return sorted(found.values(), key=lambda s: s.path)


def _year(raw: Any) -> int:
    year = parse_id(raw) if raw else timezone.localdate().year
    if year is None:
        raise InvalidInput(_("请填写年份,如 2026"), field="year")
    a.year_window(year)  # refuses a year outside 2000..this year
    return year


def _cells(card: a.DepartmentCard) -> list[Any]:
    return [
        card.name,
        card.whistled,
        card.report_rate,
        card.on_time_rate,
        card.whistle_satisfaction,
        card.tasks_registered,
        card.tasks_returned,
        card.task_return_rate,
        card.ratings,
        card.satisfied,
        card.basic,
        card.unsatisfied,
        card.rating_rate,
        "\n".join(f"[{Rating(r).label}] {text}" for r, text in card.comments),
    ]


def _columns() -> list[str]:
    return [
        _("职能部门"),
        _("吹哨次数"),
        _("报到率"),
        _("按时报到率"),
        _("吹哨诉求满意率"),
        _("下派事项"),
        _("退回"),
        _("退回率"),
        _("评议人数"),
        _("满意"),
        _("基本满意"),
        _("不满意"),
        _("评议满意率"),
        _("意见建议"),
    ]


@login_required
def assessment(request: HttpRequest) -> HttpResponse:
    streets = _streets(request.user)
    if not streets:
        raise NotFound(_("您的岗位不参加部门评议"))
    street = next((s for s in streets if str(s.pk) == request.GET.get("street", "")), streets[0])
    year = _year(request.GET.get("year"))
    try:
        card = a.access_scorecard(request.user, street, year)
    except NotFound:
        card = None
    if request.GET.get("format") == "xlsx":
        if card is None:
            raise NotFound(_("未找到该街道的部门评议"))
        return _download(request, card)
    return _render(request, street, streets, year, card, error=None, status=200)


def _render(
    request: HttpRequest,
    street: Place,
    streets: list[Place],
    year: int,
    card: a.Scorecard | None,
    *,
    error: InvalidInput | None,
    status: int,
) -> HttpResponse:
    rater = a.rater_place(request.user, street)
    departments = list(sel.street_departments_qs(street).order_by("name", "id")) if rater else []
    mine = a.my_ratings(request.user, street, year) if rater else {}
    posted = request.POST if error else None
    rows = [
        {
            "department": d,
            "rating": posted.get(f"rating_{d.pk}", "") if posted else getattr(mine.get(d.pk), "rating", ""),
            "comment": posted.get(f"comment_{d.pk}", "") if posted else getattr(mine.get(d.pk), "comment", ""),
        }
        for d in departments
    ]
    return render(
        request,
        "duties/assessment.html",
        {
            "street": street,
            "streets": streets,
            "year": year,
            "card": card,
            "rater": rater,
            "rows": rows,
            "open": year in a.open_years(),
            "ratings": Rating.choices,
            "error": error,
        },
        status=status,
    )


@login_required
def assessment_rate(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return redirect("duties:assessment")
    streets = _streets(request.user)
    street = next((s for s in streets if str(s.pk) == request.POST.get("street", "")), None)
    if street is None or street.kind != PlaceKind.STREET:
        raise NotFound(_("未找到该街道的部门评议"))
    try:
        year = _year(request.POST.get("year"))
        entries = [
            a.RatingEntry(
                department_id=d.pk,
                rating=request.POST.get(f"rating_{d.pk}", ""),
                comment=request.POST.get(f"comment_{d.pk}", ""),
            )
            for d in sel.street_departments_qs(street).order_by("name", "id")
        ]
        done = a.department_rate_many(actor=request.user, street=street, year=year, entries=entries)
    except Forbidden as exc:
        raise NotFound(exc.message) from None
    except InvalidInput as exc:
        year = parse_id(request.POST.get("year")) or timezone.localdate().year
        card = _card_or_none(request.user, street, year)
        return _render(request, street, streets, year, card, error=exc, status=422)
    messages.success(request, _("已提交 %(n)s 个部门的评议") % {"n": done})
    return redirect(f"{reverse('duties:assessment')}?street={street.pk}&year={year}")


def _card_or_none(user: Any, street: Place, year: int) -> a.Scorecard | None:
    try:
        return a.access_scorecard(user, street, year)
    except (NotFound, InvalidInput):
        return None


def _download(request: HttpRequest, card: a.Scorecard) -> HttpResponse:
    buffer = io.BytesIO()
    count = write_xlsx(buffer, _("部门评议"), _columns(), iter([_cells(c) for c in card.cards]))
    audit_record(
        action="duties.assessment_exported",
        actor=request.user,
        request=request,
        target=card.street,
        year=card.year,
        rows=count,
    )
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="department-assessment-{card.year}.xlsx"'
    return response
