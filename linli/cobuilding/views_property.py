"""Red property pages: companies and contracts, committees, the credit file, star ratings with the
resident survey, and the red/black list."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_POST

from linli.cobuilding import selectors as sel
from linli.cobuilding import services_property as spr
from linli.cobuilding import services_rating as sr
from linli.cobuilding.models import CommitteeRole, ListKind, RaterKind, RatingResponse, RatingTemplate, SurveySample
from linli.cobuilding.permissions import may
from linli.cobuilding.views_common import act, date_or_error, int_or_none, managed_places, pick, required_int
from linli.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from linli.core.scoping import get_or_not_found
from linli.people.models import Person
from linli.places.models import PlaceKind
from linli.tickets.metrics import default_period

# Service grades are stored in Chinese, as the contract words them, and shown translated.
FEE_GRADES = [
    gettext_noop("一级"),
    gettext_noop("二级"),
    gettext_noop("三级"),
    gettext_noop("四级"),
    gettext_noop("五级"),
]


def _render_error(request: HttpRequest, template: str, context: dict[str, Any], error: Any) -> HttpResponse:
    context.update({"error": error, "data": request.POST})
    return render(request, template, context, status=422 if error else 200)


@login_required
def property_home(request: HttpRequest) -> HttpResponse:
    """Companies with their contracts, and registration / contract forms."""
    user = request.user
    companies = list(sel.property_companies(user)[:200])
    compounds = managed_places(user, [PlaceKind.COMPOUND])
    homes = managed_places(user, [PlaceKind.STREET, PlaceKind.COMMUNITY])
    context: dict[str, Any] = {
        "companies": companies,
        "contracts": list(sel.visible_contracts(user).order_by("-starts_on", "id")[:200]),
        "compounds": compounds,
        "homes": homes,
        "fee_grades": FEE_GRADES,
    }
    error = None
    if request.method == "POST":
        data = request.POST
        try:
            if data.get("form") == "company":
                spr.property_company_register(
                    actor=user,
                    home=pick(homes, data.get("home_id"), "home_id", _("登记地")),
                    name=data.get("name", ""),
                    uscc=data.get("uscc", ""),
                    contact_name=data.get("contact_name", ""),
                    contact_phone=data.get("contact_phone", ""),
                )
            else:
                spr.contract_create(
                    actor=user,
                    company=pick(companies, data.get("company_id"), "company_id", _("物业服务企业")),
                    compound=pick(compounds, data.get("compound_id"), "compound_id", _("小区")),
                    starts_on=date_or_error(data.get("starts_on"), "starts_on", _("开始日期")),
                    ends_on=date_or_error(data.get("ends_on"), "ends_on", _("结束日期")),
                    fee_grade=data.get("fee_grade", ""),
                    fee_per_m2=data.get("fee_per_m2", ""),
                    project_manager=data.get("project_manager", ""),
                )
        except (InvalidInput, Conflict) as exc:
            error = exc
        else:
            return redirect("cobuilding:property")
    return _render_error(request, "cobuilding/property.html", context, error)


@login_required
def credit(request: HttpRequest, company_id: int) -> HttpResponse:
    company = sel.access_company(request.user, company_id)
    since, until = default_period()
    since = since.replace(month=1, day=1)
    file = sel.credit_file(company, since=since, until=until)
    rows = [(c, file.by_compound.get(c.path)) for c in file.compounds]
    return render(request, "cobuilding/credit.html", {"file": file, "rows": rows})


@login_required
def contract_detail(request: HttpRequest, contract_id: int) -> HttpResponse:
    """Correct a contract or end it early (same overlap rule as registration); refusals keep the input."""
    user = request.user
    contract = sel.access_contract(user, contract_id)
    if not may(user, contract.place_path, "manage"):
        raise Forbidden(_("您的岗位无权修改物业服务合同"))
    error = None
    if request.method == "POST" and request.POST.get("form") == "instructor":
        return _contract_instructor(request, contract)
    if request.method == "POST":
        data = request.POST
        try:
            spr.contract_update(
                actor=user,
                contract=contract,
                starts_on=date_or_error(data.get("starts_on"), "starts_on", _("开始日期")),
                ends_on=date_or_error(data.get("ends_on"), "ends_on", _("结束日期")),
                fee_grade=data.get("fee_grade", ""),
                fee_per_m2=data.get("fee_per_m2", ""),
                project_manager=data.get("project_manager", ""),
            )
        except (InvalidInput, Conflict) as exc:
            error = exc
        else:
            messages.success(request, _("合同已更新"))
            return redirect("cobuilding:property")
    context: dict[str, Any] = {"contract": contract, "fee_grades": FEE_GRADES}
    if error is not None:
        return _render_error(request, "cobuilding/contract_detail.html", context, error)
    context["data"] = _contract_data(contract)
    return render(request, "cobuilding/contract_detail.html", context)


def _contract_instructor(request: HttpRequest, contract: Any) -> HttpResponse:
    """派驻 or 撤回 the contract's 党建指导员 from the contract page; a refusal shows the page again with the error."""
    raw = request.POST.get("person_id", "").strip()
    try:
        withdraw = request.POST.get("withdraw") == "1"
        instructor = (
            None if withdraw else sel.access_instructor(request.user, required_int(raw, "person_id", _("居民台账编号")))
        )
        spr.contract_instructor_set(actor=request.user, contract=contract, instructor=instructor)
    except (InvalidInput, NotFound) as exc:
        context: dict[str, Any] = {"contract": contract, "fee_grades": FEE_GRADES, "instructor_error": exc}
        context["data"] = _contract_data(contract)
        return render(request, "cobuilding/contract_detail.html", context, status=422)
    messages.success(request, _("已撤回党建指导员") if withdraw else _("已派驻党建指导员"))
    return redirect("cobuilding:contract", contract_id=contract.pk)


def _contract_data(contract: Any) -> dict[str, str]:
    return {
        "starts_on": contract.starts_on.isoformat(),
        "ends_on": contract.ends_on.isoformat(),
        "fee_grade": contract.fee_grade,
        "fee_per_m2": str(contract.fee_per_m2),
        "project_manager": contract.project_manager,
    }


@login_required
def committees(request: HttpRequest) -> HttpResponse:
    orgs = list(sel.committees(request.user)[:200])
    context: dict[str, Any] = {"indicators": sel.committee_indicators(orgs), "roles": CommitteeRole.choices}
    error = None
    if request.method == "POST":
        data = request.POST
        try:
            committee = pick(orgs, data.get("committee_id"), "committee_id", _("业委会"))
            person = get_or_not_found(
                Person.objects.filter(place_path__startswith=committee.place_path),
                int_or_none(data.get("person_id"), "person_id"),
                message=_("该居民不在本小区台账中"),
                field="person_id",
            )
            spr.committee_member_add(
                actor=request.user,
                committee=committee,
                person=person,
                role=data.get("role", ""),
                term_starts=date_or_error(data.get("term_starts"), "term_starts", _("任期开始")),
                term_ends=date_or_error(data.get("term_ends"), "term_ends", _("任期结束")),
                cross_residents_committee=bool(data.get("cross_residents_committee")),
                cross_branch=bool(data.get("cross_branch")),
            )
        except (InvalidInput, Conflict) as exc:
            error = exc
        else:
            return redirect("cobuilding:committees")
    return _render_error(request, "cobuilding/committees.html", context, error)


# ----------------------------------------------------------------------------- ratings


@login_required
def ratings(request: HttpRequest) -> HttpResponse:
    user = request.user
    templates = list(RatingTemplate.objects.order_by("-year", "-id")[:50])
    companies = list(sel.property_companies(user)[:200])
    compounds = managed_places(user, [PlaceKind.COMPOUND])
    context: dict[str, Any] = {
        "ratings": list(sel.visible_ratings(user).order_by("-year", "-id")[:200]),
        "templates": templates,
        "companies": companies,
        "compounds": compounds,
        "year": timezone.localdate().year,
        "criteria_rows": range(6),
    }
    error = None
    if request.method == "POST":
        data = request.POST
        try:
            if data.get("form") == "template":
                names = data.getlist("criterion")
                weights = data.getlist("criterion_weight")
                criteria = [
                    (n, int_or_none(w, "criteria") or 0) for n, w in zip(names, weights, strict=False) if n.strip()
                ]
                sr.template_create(
                    actor=user,
                    name=data.get("name", ""),
                    year=int_or_none(data.get("year"), "year") or 0,
                    criteria=criteria,
                    survey_weight=int_or_none(data.get("survey_weight"), "survey_weight") or 0,
                    branch_weight=int_or_none(data.get("branch_weight"), "branch_weight") or 0,
                    committee_weight=int_or_none(data.get("committee_weight"), "committee_weight") or 0,
                )
                return redirect("cobuilding:ratings")
            rating = sr.rating_open(
                actor=user,
                template=pick(templates, data.get("template_id"), "template_id", _("评价模板")),
                company=pick(companies, data.get("company_id"), "company_id", _("物业服务企业")),
                compound=pick(compounds, data.get("compound_id"), "compound_id", _("小区")),
                sample_size=int_or_none(data.get("sample_size"), "sample_size") or 0,
            )
        except (InvalidInput, Conflict, Forbidden) as exc:
            error = exc
        else:
            return redirect("cobuilding:rating", rating.pk)
    return _render_error(request, "cobuilding/ratings.html", context, error)


@login_required
def rating_detail(request: HttpRequest, rating_id: int) -> HttpResponse:
    rating = sel.access_rating(request.user, rating_id)
    responses = list(rating.responses.all())
    counts = {k: sum(1 for r in responses if r.rater == k) for k in RaterKind.values}
    survey_link = request.build_absolute_uri(f"/co-building/survey/{rating.token}/")
    valid_from, valid_until = sr.default_validity(rating)
    context = {
        "rating": rating,
        "criteria": list(rating.template.criteria.all()),
        "means": sr.rater_means(rating),
        "counts": counts,
        "sample_size": SurveySample.objects.filter(rating=rating).count(),
        "answered_bodies": {r.rater for r in responses if r.rater != RaterKind.SURVEY},
        "survey_link": survey_link,
        "may_manage": may(request.user, rating.place_path, "manage"),
        "list_kinds": ListKind.choices,
        "suggested_list": "red"
        if (rating.stars or 0) >= 4
        else ("black" if rating.stars and rating.stars <= 2 else ""),
        "valid_from": valid_from,
        "valid_until": valid_until,
        "entries": list(rating.list_entries.all()),
        "stars_range": range(1, 6),
    }
    return render(request, "cobuilding/rating_detail.html", context)


def _scores(data: Any) -> dict[str, Any]:
    return {k[1:]: v for k, v in data.items() if k.startswith("c") and k[1:].isdigit()}


@login_required
@require_POST
def rating_body(request: HttpRequest, rating_id: int) -> HttpResponse:
    rating = sel.access_rating(request.user, rating_id)
    rater = request.POST.get("rater", "")
    return act(
        request,
        lambda: sr.body_answer(
            actor=request.user,
            rating=rating,
            rater=rater,
            scores=_scores(request.POST),
            comment=request.POST.get("comment", ""),
        ),
        _("评价已录入"),
        "cobuilding:rating",
        rating.pk,
    )


@login_required
@require_POST
def rating_close_view(request: HttpRequest, rating_id: int) -> HttpResponse:
    rating = sel.access_rating(request.user, rating_id)
    return act(
        request,
        lambda: sr.rating_close(actor=request.user, rating=rating),
        _("评定结果已生成"),
        "cobuilding:rating",
        rating.pk,
    )


@login_required
@require_POST
def rating_list_decide(request: HttpRequest, rating_id: int) -> HttpResponse:
    rating = sel.access_rating(request.user, rating_id)
    data = request.POST

    def decide() -> Any:
        return spr.list_decide(
            actor=request.user,
            organisation=rating.company,
            kind=data.get("kind", ""),
            reason=data.get("reason", ""),
            evidence=data.get("evidence", ""),
            valid_from=date_or_error(data.get("valid_from"), "valid_from", _("有效期开始")),
            valid_until=date_or_error(data.get("valid_until"), "valid_until", _("有效期结束")),
            rating=rating,
        )

    return act(request, decide, _("红黑榜决定已记录"), "cobuilding:rating", rating.pk)


@login_required
def survey(request: HttpRequest, token: str) -> HttpResponse:
    """The resident survey by link: a logged-in resident of a sampled household answers once."""
    rating = sel.rating_by_token(token)
    household_id: int | None = getattr(getattr(request.user, "person", None), "household_id", None)
    answered = (
        household_id is not None and RatingResponse.objects.filter(rating=rating, household_id=household_id).exists()
    )
    error = None
    if request.method == "POST":
        try:
            sr.survey_answer(
                actor=request.user, rating=rating, scores=_scores(request.POST), comment=request.POST.get("comment", "")
            )
        except (InvalidInput, Conflict, Forbidden) as exc:
            error = exc
        else:
            return render(request, "cobuilding/survey_done.html", {"rating": rating})
    context = {
        "rating": rating,
        "criteria": list(rating.template.criteria.all()),
        "answered": answered,
        "stars_range": range(5, 0, -1),
    }
    return _render_error(request, "cobuilding/survey.html", context, error)


@login_required
def lists(request: HttpRequest) -> HttpResponse:
    """The red/black list in force, for everyone in scope (residents: their compound and above)."""
    entries = list(sel.public_list(request.user).order_by("kind", "-decided_at")[:200])
    context = {
        "red": [e for e in entries if e.kind == ListKind.RED],
        "black": [e for e in entries if e.kind == ListKind.BLACK],
    }
    return render(request, "cobuilding/lists.html", context)


@login_required
@require_POST
def list_revoke_view(request: HttpRequest, entry_id: int) -> HttpResponse:
    entry = sel.access_list_entry(request.user, entry_id)
    reason = request.POST.get("reason", "")
    return act(
        request,
        lambda: spr.list_revoke(actor=request.user, entry=entry, reason=reason),
        _("已撤销"),
        "cobuilding:lists",
    )
