"""Helpers the team pages share: read a choice the page offered, place an error beside its field, and the
assignee picker of duty items (a post, or a member on a post)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from linli.core.errors import Conflict, InvalidInput
from linli.core.forms import pick
from linli.core.i18n import seeded
from linli.core.identifiers import parse_id
from linli.teams.models import DutyCategory, DutyFrequency, TeamMember, TeamPost


def form_error(fields: dict[str, set[str]], form: str, error: InvalidInput | Conflict | None) -> dict[str, Any]:
    """What the templates need to show ``error`` beside its field of ``form`` (at the top of the form when the
    field is not one the form shows)."""
    if error is None:
        return {"error": None, "error_form": "", "error_field": ""}
    field = error.field if error.field in fields.get(form, set()) else ""
    return {"error": error, "error_form": form, "error_field": field}


def assignee_options(posts: list[TeamPost], members: list[TeamMember]) -> list[tuple[str, str]]:
    """The "负责" select: not assigned, each post (任务到岗), each current member on a post (责任到人)."""
    names = {p.code: seeded(p.name) for p in posts}
    options = [("", _("暂未分配"))]
    options += [(f"post:{p.code}", _("岗位:%(post)s") % {"post": names[p.code]}) for p in posts]
    options += [
        (f"member:{m.pk}", _("%(name)s(%(post)s)") % {"name": m.person.name, "post": names.get(m.post, m.post)})
        for m in members
    ]
    return options


def parse_assignee(raw: Any, members: list[TeamMember]) -> tuple[str, TeamMember | None]:
    """``post:<code>`` / ``member:<id>`` from the select above (the member one of the page's own)."""
    text = str(raw or "").strip()
    if not text:
        return "", None
    kind, _sep, value = text.partition(":")
    if kind == "post" and value:
        return value, None
    if kind == "member":
        member = pick(members, value, "assignee", _("负责人"))
        return member.post, member
    raise InvalidInput(_("请选择%(label)s") % {"label": _("负责人")}, field="assignee")


def assignee_value(item: Any) -> str:
    if item.member_id:
        return f"member:{item.member_id}"
    return f"post:{item.post}" if item.post else ""


CATEGORY_CHOICES = DutyCategory.choices
FREQUENCY_CHOICES = DutyFrequency.choices


def typed(data: Any) -> dict[str, str]:
    """An item form's values as typed (to show them again beside the error)."""
    return {k: data.get(k, "") for k in ("category", "title", "detail", "frequency", "assignee")}


def new_item_values(data: Any, error_form: str) -> dict[str, str]:
    if error_form == "item_create":
        return typed(data)
    return {"category": DutyCategory.PARTY, "frequency": DutyFrequency.MONTHLY}


def item_rows(items: list[Any], names: dict[str, str], data: Any, error_form: str) -> list[dict[str, Any]]:
    """Each item with its post's name and its edit form's values: the item's own, or what was typed into the
    one edit form that was refused (that form alone shows the error and stays open)."""
    failed = parse_id(data.get("duty_id")) if error_form in ("item_update", "item_remove") else None
    rows = []
    for item in items:
        mine = item.pk == failed
        rows.append(
            {
                "item": item,
                "post_name": seeded(names.get(item.post, item.post)) if item.post else "",
                "vals": typed(data)
                if mine and error_form == "item_update"
                else {
                    "category": item.category,
                    "title": item.title,
                    "detail": item.detail,
                    "frequency": item.frequency,
                    "assignee": assignee_value(item),
                },
                "form": error_form if mine else "-",  # "-": no error of this page belongs to the form
                "open": mine,
            }
        )
    return rows
