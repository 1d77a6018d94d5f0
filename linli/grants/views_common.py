"""Helpers the grant pages share: a choice the page offered, where a refused form's error goes, the period
asked for, and amounts typed in 元."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _

from linli.core.dates import period_or_default
from linli.core.errors import Conflict, InvalidInput
from linli.core.forms import pick  # noqa: F401  (the pages import it from here)
from linli.core.identifiers import parse_id
from linli.grants import selectors as sel

PageError = InvalidInput | Conflict
PAGE_ERRORS = (InvalidInput, Conflict)  # refusals shown on the form; a Forbidden goes on to the error page (403)


def pick_many(options: Iterable[Any], raws: list[str], field: str, label: str) -> list[Any]:
    """The options named by a multiple choice (checkboxes); an id the page did not offer is refused."""
    offered = {option.pk: option for option in options}
    chosen = []
    for raw in raws:
        pk = parse_id(raw)
        if pk not in offered:
            raise InvalidInput(_("请选择%(label)s") % {"label": label}, field=field)
        chosen.append(offered[pk])
    return chosen


def form_error(form: str, error: PageError | None) -> dict[str, Any]:
    if error is None:
        return {"error": None, "error_form": ""}
    return {"error": error, "error_form": form}


def period(request: HttpRequest) -> tuple[Any, Any, InvalidInput | None]:
    """The period asked for (``from``, ``to``; default this year so far), or the default with the error."""
    return period_or_default(request.GET, sel.default_period())


def application_fields(request: HttpRequest, round_: Any, organisation: Any) -> Any:
    """The paper form's fields as posted (the register form on the round page, the correction on the project page)."""
    from linli.grants import services_apply as sa
    from linli.grants.money import parse_yuan

    data = request.POST
    communities = sel.registrable_communities(request.user, round_)
    return sa.ApplicationFields(
        organisation=organisation,
        title=data.get("title", ""),
        service_field=data.get("service_field", ""),
        requested_fen=parse_yuan(data.get("requested"), field="requested", label=_("申请资助金额")),
        planned_beneficiaries=data.get("planned_beneficiaries", ""),
        summary=data.get("summary", ""),
        contact_name=data.get("contact_name", ""),
        contact_phone=data.get("contact_phone", ""),
        communities=pick_many(communities, data.getlist("community_ids"), "community_ids", _("服务社区")),
    )
