"""The organisation register pages: the list (with the registration form for those who manage a place)
and one organisation (its details, and for those who manage its home: name, contact and the places
it serves). A refused form comes back with what was typed and the error beside its field (422)."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from linli.core.errors import Conflict, Forbidden, InvalidInput
from linli.core.identifiers import parse_id
from linli.orgs import services as s
from linli.orgs.models import OrganisationKind
from linli.orgs.selectors import access_organisation, active_party_orgs, managed_places, visible_organisations
from linli.orgs.views_common import form_error, pick
from linli.places.models import PlaceKind

HOME_KINDS = sorted({kind for kinds in s.ORGANISATION_HOME_KINDS.values() for kind in kinds})
# The places the "serves" checkboxes offer (units and buildings are served through their compound).
SERVE_PICKER_KINDS = (PlaceKind.DISTRICT, PlaceKind.STREET, PlaceKind.COMMUNITY, PlaceKind.COMPOUND, PlaceKind.GRID)

FORM_FIELDS: dict[str, set[str]] = {
    "register": {"kind", "name", "home_id", "uscc", "contact_name", "contact_phone"},
    "contact": {"name", "contact_name", "contact_phone"},
    "serves": {"serves"},
}


@login_required
def organisations(request: HttpRequest) -> HttpResponse:
    user = request.user
    homes = managed_places(user, HOME_KINDS)
    form, error = "", None
    if request.method == "POST":
        form = request.POST.get("form", "")
        data = request.POST
        try:
            if form != "register" or not homes:
                raise InvalidInput(_("请使用页面上的表单提交"))
            org = s.organisation_register(
                actor=user,
                kind=data.get("kind", ""),
                name=data.get("name", ""),
                home=pick(homes, data.get("home_id"), "home_id", _("登记地")),
                uscc=data.get("uscc", ""),
                contact_name=data.get("contact_name", ""),
                contact_phone=data.get("contact_phone", ""),
                idempotency_key=data.get("idempotency_key", ""),
            )
        except (InvalidInput, Conflict) as exc:
            error = exc
        else:
            messages.success(request, _("已登记“%(org)s”,可在下方设置服务范围。") % {"org": org.name})
            return redirect("orgs:organisation", org.pk)
    orgs = visible_organisations(user).select_related("home").order_by("kind", "name")[:500]
    return render(
        request,
        "orgs/organisations.html",
        {
            "rows": [(o, s.may_edit_organisation(user, o)) for o in orgs],
            "homes": homes,
            "kinds": [(kind, str(label)) for kind, label in OrganisationKind.choices],
            "uscc_required": _("、").join(sorted(str(OrganisationKind(k).label) for k in s.USCC_REQUIRED)),
            "data": request.POST if error else {},
            "idempotency_key": uuid.uuid4().hex,  # each form shown is one registration
            **form_error(FORM_FIELDS, form, error),
        },
        status=422 if error else 200,
    )


@login_required
def organisation_detail(request: HttpRequest, org_id: int) -> HttpResponse:
    user = request.user
    org = access_organisation(user, org_id)
    may_edit = s.may_edit_organisation(user, org)
    served = list(org.serves.order_by("path"))
    options = managed_places(user, SERVE_PICKER_KINDS) if may_edit else []
    offered = {p.pk for p in options}
    # Served places the user does not manage stay as they are: shown, not offered.
    kept = [p for p in served if not s.may_manage_at(user, p.path)]
    form, error = "", None
    if request.method == "POST" and not may_edit:
        raise Forbidden(_("您没有修改“%(org)s”的权限") % {"org": org.name})
    if request.method == "POST":
        form = request.POST.get("form", "")
        data = request.POST
        try:
            if form == "contact":
                s.organisation_update(
                    actor=user,
                    organisation=org,
                    name=data.get("name", ""),
                    contact_name=data.get("contact_name", ""),
                    contact_phone=data.get("contact_phone", ""),
                )
                messages.success(request, _("组织信息已保存。"))
            elif form == "serves":
                chosen = [parse_id(raw) for raw in data.getlist("serves")]
                if any(pk not in offered for pk in chosen):
                    raise InvalidInput(_("请从列出的区域中选择服务范围"), field="serves")
                by_pk = {p.pk: p for p in options}
                s.organisation_serves_set(
                    actor=user, organisation=org, places=[*(by_pk[pk] for pk in chosen if pk), *kept]
                )
                messages.success(request, _("服务范围已保存。"))
            else:
                raise InvalidInput(_("请使用页面上的表单提交"))
        except (InvalidInput, Conflict) as exc:
            error = exc
        else:
            return redirect("orgs:organisation", org.pk)
    data: Any = request.POST if error else {}
    served_ids = {str(p.pk) for p in served}
    return render(
        request,
        "orgs/organisation_detail.html",
        {
            "org": org,
            "served": served,
            "party_orgs": list(active_party_orgs(user).filter(organisation=org).order_by("path")),
            "kept": kept,
            "may_edit": may_edit,
            "options": [
                (p, str(p.pk) in (data.getlist("serves") if form == "serves" else served_ids)) for p in options
            ],
            "data": data,
            **form_error(FORM_FIELDS, form, error),
        },
        status=422 if error else 200,
    )


@login_required
def contacts(request: HttpRequest) -> HttpResponse:
    """服务我家的组织: the organisations serving the resident's home and the places above it, with their public
    office phones (seed 001: 公示…部门联系电话). Contact persons' names stay with staff. Anyone signed in with a
    person in the ledger sees their own; without one, the page says so."""
    from linli.orgs.selectors import organisations_serving

    person = getattr(request.user, "person", None)
    orgs = list(organisations_serving(person.place_path)) if person is not None and person.place_path else []
    return render(request, "orgs/contacts.html", {"person": person, "orgs": orgs})
