"""The holiday calendar page: anyone signed in may read it, system administrators edit it."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from linli.core.errors import InvalidInput, NotFound
from linli.core.scoping import scope_for
from linli.workdays.models import DayKind
from linli.workdays.selectors import calendar_for_year, calendar_years
from linli.workdays.services import (
    MAX_YEAR,
    MIN_YEAR,
    calendar_day_clear,
    calendar_day_set,
    calendar_year_publish,
    calendar_year_unpublish,
)


class DayForm(forms.Form):
    day = forms.DateField(label=gettext_lazy("日期"))
    kind = forms.ChoiceField(label=gettext_lazy("类型"), choices=DayKind.choices)
    name = forms.CharField(label=gettext_lazy("名称"), max_length=50, required=False)


class ClearForm(forms.Form):
    day = forms.DateField()


def _year_or_404(year: int) -> int:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise NotFound(_("没有这一年的日历"))
    return year


@login_required
def index(request: HttpRequest) -> HttpResponse:
    return redirect("workdays:year", year=timezone.localdate().year)


@login_required
def year_detail(request: HttpRequest, year: int, form: DayForm | None = None, status: int = 200) -> HttpResponse:
    cal = calendar_for_year(_year_or_404(year))
    rows = [(d, d.date.weekday()) for d in cal.days]
    return render(
        request,
        "workdays/year.html",
        {
            "cal": cal,
            "rows": rows,
            "years": calendar_years(),
            "prev_year": year - 1,
            "next_year": year + 1,
            "can_edit": scope_for(request.user).everything,
            "form": form or DayForm(initial={"day": f"{year}-01-01", "kind": DayKind.HOLIDAY}),
        },
        status=status,
    )


def _back(year: int) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("workdays:year", kwargs={"year": year}))


@login_required
@require_POST
def day_set(request: HttpRequest, year: int) -> HttpResponse:
    form = DayForm(request.POST)
    if form.is_valid():
        day = form.cleaned_data["day"]
        if day.year != year:
            form.add_error("day", _("日期不在%(year)d年") % {"year": year})
        else:
            try:
                data = form.cleaned_data
                calendar_day_set(actor=request.user, day=day, kind=data["kind"], name=data["name"])
            except InvalidInput as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, _("已保存 %(day)s") % {"day": day.isoformat()})
                return _back(year)
    return year_detail(request, year, form=form, status=422)


@login_required
@require_POST
def day_clear(request: HttpRequest, year: int) -> HttpResponse:
    form = ClearForm(request.POST)
    if not form.is_valid():
        raise InvalidInput(_("请填写日期"), field="day")
    calendar_day_clear(actor=request.user, day=form.cleaned_data["day"])
    messages.success(request, _("已恢复为正常作息"))
    return _back(year)


@login_required
@require_POST
def year_publish(request: HttpRequest, year: int) -> HttpResponse:
    calendar_year_publish(actor=request.user, year=_year_or_404(year))
    messages.success(request, _("%(year)d年节假日安排已发布,期限将按此计算") % {"year": year})
    return _back(year)


@login_required
@require_POST
def year_unpublish(request: HttpRequest, year: int) -> HttpResponse:
    calendar_year_unpublish(actor=request.user, year=_year_or_404(year))
    messages.success(request, _("%(year)d年已撤回发布,期限按周末计算") % {"year": year})
    return _back(year)
