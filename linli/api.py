"""The HTTP API under /api/v1/: one NinjaAPI, one router per domain, typed errors everywhere."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError
from ninja.security import HttpBearer, django_auth

from linli.accounts.services import token_authenticate
from linli.core.errors import LinliError, RetryLater
from linli.core.identifiers import ID_MAX
from linli.core.text import DIGITS_MAX


class BearerAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = token_authenticate(token)
        if user is not None:
            request.user = user
        return user


api = NinjaAPI(
    title="Linli 邻里 API",
    version="1",
    description=(
        "Party-building-led community governance. All lists are scoped to the caller. Any call may answer "
        "429 `rate_limited` or 503 `busy` (a deadlock or a lost database connection: nothing was written) "
        "with a `Retry-After` header; writes sent with an `Idempotency-Key` header are safe to repeat (the same key "
        "with a different report is 409). No parameter or string may hold a NUL character (422 naming the field). "
        "Dates and times lie within 1900-01-01 … 2999-12-31 (422 naming the field); a time without an offset is "
        "Beijing time (UTC+8)."
    ),
    urls_namespace="api",
    auth=[BearerAuth(), django_auth],
    docs_url="/docs",
    openapi_url="/openapi.json",
)


@api.exception_handler(LinliError)
def on_linli_error(request: HttpRequest, exc: LinliError) -> HttpResponse:
    if exc.status in (403, 404) and getattr(request, "user", None) is not None and request.user.is_authenticated:
        from linli.audit.services import audit_record

        audit_record(
            action="permission.denied",
            actor=request.user,
            success=False,
            request=request,
            path=request.path[:200],
            reason=exc.code,
        )
    response = api.create_response(request, exc.as_dict(), status=exc.status)
    if isinstance(exc, RetryLater):  # 429 rate limited, 503 busy
        response["Retry-After"] = str(exc.retry_after)
    return response


@api.exception_handler(AuthenticationError)
def on_auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(
        request, {"error": "unauthenticated", "detail": _("需要登录或有效的访问令牌"), "field": None}, status=401
    )


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    first = exc.errors[0] if exc.errors else {}
    loc = [str(p) for p in first.get("loc", []) if p not in ("body", "payload", "query", "path")]
    return api.create_response(
        request,
        {
            "error": "invalid",
            "detail": first.get("msg", _("输入无效")),
            "field": ".".join(loc) or None,
            "errors": exc.errors,
        },
        status=422,
    )


@api.exception_handler(OverflowError)
def on_overflow(request: HttpRequest, exc: OverflowError) -> HttpResponse:
    """An integer too large for the database (SQLite stores 64 bits; the schemas only say "int"): 422 on
    the parameter or body field that carried it, not a 500."""
    return api.create_response(
        request,
        {"error": "invalid", "detail": _("数值超出范围"), "field": _field_out_of_range(request)},
        status=422,
    )


def _field_out_of_range(request: HttpRequest) -> str | None:
    def too_big(value: Any) -> bool:
        if isinstance(value, str):
            value = value.strip()
            digits = value.lstrip("+-")  # past 4,300 digits int() raises instead of answering
            return digits.isascii() and digits.isdigit() and (len(digits) > DIGITS_MAX or abs(int(value)) > ID_MAX)
        return isinstance(value, int) and not isinstance(value, bool) and abs(value) > ID_MAX

    for name, value in request.GET.items():
        if too_big(value):
            return name
    try:
        body = json.loads(request.body or b"null") if request.content_type == "application/json" else None
    except ValueError:
        body = None
    if isinstance(body, dict):
        return next((name for name, value in body.items() if too_big(value)), None)
    return None


def _register() -> None:
    from linli.accounts.api import router as accounts_router
    from linli.audit.api import router as audit_router
    from linli.cobuilding.api import router as cobuilding_router
    from linli.cobuilding.api_charters import router as cobuilding_charters_router
    from linli.cobuilding.api_edits import router as cobuilding_edits_router
    from linli.cobuilding.api_grid_staff import router as cobuilding_grid_staff_router
    from linli.cobuilding.api_overview import router as cobuilding_overview_router
    from linli.commons.api import router as commons_router
    from linli.deliberation.api import router as deliberation_router
    from linli.duties.api import router as duties_router
    from linli.elections.api import router as elections_router
    from linli.grants.api import router as grants_router
    from linli.guide.api import router as guide_router
    from linli.insights.api import router as insights_router
    from linli.interop.api import router as interop_router
    from linli.notify.api import router as notify_router
    from linli.orgs.api import router as orgs_router
    from linli.partylife.api import router as partylife_router
    from linli.people.api import router as people_router
    from linli.people.api_positions import router as people_positions_router
    from linli.places.api import router as places_router
    from linli.places.api_compounds import router as places_compounds_router
    from linli.places.api_security import router as places_security_router
    from linli.privacy.api import router as privacy_router
    from linli.rota.api import router as rota_router
    from linli.rota.api_comp import router as rota_comp_router
    from linli.routing.api import paths_router as routing_paths_router
    from linli.routing.api import router as routing_router
    from linli.teams.api import router as teams_router
    from linli.tickets.api import router as tickets_router
    from linli.tickets.api_bulk import router as tickets_bulk_router
    from linli.venues.api import router as venues_router
    from linli.venues.api_bookings import router as venues_bookings_router
    from linli.visits.api import router as visits_router
    from linli.volunteering.api import router as volunteering_router
    from linli.workdays.api import router as workdays_router
    from linli.workforce.api import router as workforce_router
    from linli.workforce.api_training import router as workforce_training_router

    api.add_router("/", accounts_router)
    api.add_router("/places", places_router)
    api.add_router("/places", places_compounds_router)  # 小区档案, 网格规模核查 and the grid-size standard
    api.add_router("/places", places_security_router)  # 四层防控圈 and 闭环小区
    api.add_router("/orgs", orgs_router)
    api.add_router("/", tickets_bulk_router)  # /requests/bulk, before /requests/{ticket_id} can claim "bulk"
    api.add_router("/", tickets_router)  # /requests, /metrics, /categories
    api.add_router("/", people_router)  # /residents, /households
    api.add_router("/", people_positions_router)  # /forces, /positions (力量名册, api_positions.py)
    api.add_router("/", notify_router)  # /inbox
    api.add_router("/", workdays_router)  # /calendar
    api.add_router("/", interop_router)  # /handover, /webhooks
    api.add_router("/visits", visits_router)
    api.add_router("/volunteering", volunteering_router)
    api.add_router("/deliberation", deliberation_router)
    api.add_router("/party-life", partylife_router)
    api.add_router("/co-building", cobuilding_router)
    api.add_router("/co-building", cobuilding_edits_router)  # project lifecycle, photos, edits (api_edits.py)
    api.add_router("/co-building", cobuilding_overview_router)  # 近邻党建 1+3+N 总览 (api_overview.py)
    api.add_router("/co-building", cobuilding_charters_router)  # 小区规章制度登记 (api_charters.py)
    api.add_router("/co-building", cobuilding_grid_staff_router)  # 物业进网格 一长四员 (api_grid_staff.py)
    api.add_router("/teams", teams_router)  # compound governance teams, standards, duty lists
    api.add_router("/duties", duties_router)  # street duty lists, entry control, tasks pushed down
    api.add_router("/rota", rota_router)  # 七天不打烊: duty desks, shifts, swaps, auto-schedule
    api.add_router("/rota", rota_comp_router)  # compensatory days (调休), balance, figures
    api.add_router("/grants", grants_router)  # 公益创投 and social-assistance service projects
    api.add_router("/commons", commons_router)  # 小区公共收益台账与公示: ledgers, entries, reversals, 公示, figures
    api.add_router("/venues", venues_router)  # 场地预约与“双向开放”: venues, free and busy, figures
    api.add_router("/venues", venues_bookings_router)  # bookings, approvals, cancellations, no-shows
    api.add_router("/elections", elections_router)  # 业委会、监事会选举与换届 (民法典第278条)
    api.add_router("/workforce", workforce_router)  # 社区工作者队伍: register, grades, leaves, figures
    api.add_router("/workforce", workforce_training_router)  # 培训 sessions and attendance
    api.add_router("/guide", guide_router)  # 社区服务清单 / 办事指南: items, 公示 versions, import, figures
    api.add_router("/insights", insights_router)
    api.add_router("/routing", routing_router)
    api.add_router("/", routing_paths_router)  # /requests/{id}/similar, /insights/hotspots
    api.add_router("/privacy", privacy_router)
    api.add_router("/audit", audit_router)


_register()
