"""Funding rounds (资助轮次) of a street or a district, and the helpers the other grant services share.

A round's states (anything else is refused with 409 and says why):

============  ===========================  ==========================================================
from          to                           what it needs
============  ===========================  ==========================================================
(none)        draft 草稿                    ``manage`` at the node (a street or a district)
draft         open 申报中                   applications are registered while open, inside the window
open          reviewing 评审中               reviewers score; applications are decided (立项 / 不予立项)
reviewing     closed 已结束                  every application decided; approved projects go on
============  ===========================  ==========================================================

Each function is one transaction with one audit event; repeating a done change (opening an open round, a create
retried under its idempotency key) answers with the round and writes nothing. The applications are
``services_apply``; scores and decisions ``services_review``; reports, payments and the end of a project
``services_delivery``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.audit.services import audit_record
from linli.core.dates import LAST_YEAR
from linli.core.errors import Conflict, InvalidInput
from linli.core.idempotency import clean_key, create_once
from linli.core.text import clean_text, whole_number
from linli.grants.models import (
    GrantProject,
    GrantRound,
    ProjectEvent,
    ProjectStatus,
    RoundKind,
    RoundStatus,
    ServiceField,
)
from linli.grants.money import check_fen, yuan
from linli.grants.permissions import ROUND_NODE_KINDS, require_run
from linli.places.models import Place

TITLE_MAX = 100
TEXT_MAX = 2000
NOTE_MAX = 500
FIRST_YEAR = 2000

# to → the states a round may be moved there from
ROUND_TRANSITIONS: dict[str, set[str]] = {
    RoundStatus.OPEN: {RoundStatus.DRAFT},
    RoundStatus.REVIEWING: {RoundStatus.OPEN},
    RoundStatus.CLOSED: {RoundStatus.REVIEWING},
}


# ----------------------------------------------------------------------------- shared input helpers


def choice(raw: Any, values: list[str], *, field: str, label: str) -> str:
    value = (str(raw) if raw is not None else "").strip()
    if value not in values:
        raise InvalidInput(_("请选择%(label)s") % {"label": label}, field=field)
    return value


def not_in_future(day: dt.date | None, *, field: str, label: str, earliest: dt.date | None = None) -> dt.date:
    if day is None:
        raise InvalidInput(_("请填写%(label)s") % {"label": label}, field=field)
    if day > timezone.localdate():
        raise InvalidInput(_("%(label)s不能晚于今天") % {"label": label}, field=field)
    if earliest is not None and day < earliest:
        raise InvalidInput(
            _("%(label)s不能早于立项日期 %(day)s") % {"label": label, "day": earliest.isoformat()}, field=field
        )
    return day


def event(project: GrantProject, actor: Any, before: str, after: str, note: str = "") -> None:
    ProjectEvent.objects.create(project=project, actor=actor, from_status=before, to_status=after, note=note[:NOTE_MAX])


def lock_round(round_: GrantRound) -> GrantRound:
    """The round's row, locked (alone: no join, so PostgreSQL locks just this row)."""
    return GrantRound.objects.select_for_update().get(pk=round_.pk)


def lock_project(project: GrantProject) -> GrantProject:
    return GrantProject.objects.select_for_update().get(pk=project.pk)


def status_label(status: str) -> str:
    return str(ProjectStatus(status).label)


# ----------------------------------------------------------------------------- rounds


@dataclass(frozen=True)
class RoundFields:
    """What a round says, as typed into the page or sent to the API (amounts already in 分)."""

    title: Any
    year: Any
    budget_fen: Any
    opens_on: dt.date | None
    closes_on: dt.date | None
    service_fields: Any
    kind: Any = RoundKind.VENTURE
    description: Any = ""


def clean_round(fields: RoundFields) -> dict[str, Any]:
    opens_on, closes_on = fields.opens_on, fields.closes_on
    if opens_on is None:
        raise InvalidInput(_("请填写%(label)s") % {"label": _("申报开始日期")}, field="opens_on")
    if closes_on is None:
        raise InvalidInput(_("请填写%(label)s") % {"label": _("申报截止日期")}, field="closes_on")
    if closes_on < opens_on:
        raise InvalidInput(_("申报截止日期不能早于开始日期"), field="closes_on")
    raw_fields = fields.service_fields
    if isinstance(raw_fields, str):
        raw_fields = [raw_fields]
    wanted = {str(v).strip() for v in (raw_fields or [])}
    if not wanted:
        raise InvalidInput(_("请至少选择一个资助的服务领域"), field="service_fields")
    unknown = wanted - set(ServiceField.values)
    if unknown:
        raise InvalidInput(_("请选择%(label)s") % {"label": _("服务领域")}, field="service_fields")
    return {
        "kind": choice(fields.kind or RoundKind.VENTURE, list(RoundKind.values), field="kind", label=_("项目类型")),
        "title": clean_text(fields.title, field="title", label=_("轮次名称"), max_length=TITLE_MAX),
        "year": whole_number(fields.year, field="year", label=_("年度"), low=FIRST_YEAR, high=LAST_YEAR),
        "budget_fen": check_fen(fields.budget_fen, field="budget_fen", label=_("资助总预算")),
        "opens_on": opens_on,
        "closes_on": closes_on,
        "service_fields": [v for v in ServiceField.values if v in wanted],
        "description": clean_text(
            fields.description, field="description", label=_("轮次说明"), max_length=TEXT_MAX, required=False
        ),
    }


def _require_node(actor: Any, node: Place) -> None:
    if node.kind not in ROUND_NODE_KINDS:
        raise InvalidInput(_("资助轮次由街道或区设立,请选择一个街道或区"), field="node_id")
    require_run(actor, node.path, _("您的岗位无权在“%(place)s”设立资助轮次") % {"place": node.name})


def _title_taken(node: Place, title: str) -> Conflict:
    return Conflict(
        _("“%(place)s”已有名为“%(title)s”的资助轮次") % {"place": node.name, "title": title[:TITLE_MAX]},
        field="title",
    )


@transaction.atomic
def round_create(*, actor: Any, node: Place, fields: RoundFields, idempotency_key: str = "") -> tuple[GrantRound, bool]:
    """Set up a round (草稿) at a street or a district: ``(round, created)``. A retry under the same key answers
    with the first; a title the node has already is refused (409)."""
    _require_node(actor, node)
    values = clean_round(fields)
    key = clean_key(idempotency_key)

    def create() -> GrantRound:
        if GrantRound.objects.filter(node=node, title=values["title"]).exists():
            raise _title_taken(node, values["title"])
        return GrantRound.objects.create(
            node=node, place_path=node.path, created_by=actor, idempotency_key=key, **values
        )

    try:
        round_, created = create_once(
            earlier=GrantRound.objects.filter(created_by=actor),
            key=key,
            create=create,
            same=lambda e: e.node_id == node.pk and e.title == values["title"],
            refusal=lambda e: _("这个 Idempotency-Key 已用于另一资助轮次“%(title)s”") % {"title": e.title},
        )
    except (IntegrityError, GrantRound.DoesNotExist):
        raise _title_taken(node, values["title"]) from None
    if created:
        audit_record(
            action="grants.round_created",
            actor=actor,
            target=round_,
            node=node.pk,
            kind=round_.kind,
            budget_fen=round_.budget_fen,
        )
    return round_, created


ROUND_FIELDS = ("kind", "title", "year", "budget_fen", "opens_on", "closes_on", "service_fields", "description")


@transaction.atomic
def round_update(*, actor: Any, round_: GrantRound, fields: RoundFields) -> GrantRound:
    """Rewrite a round that is not closed (every field as given). The budget cannot drop below what is granted
    already, and a service field an application chose cannot be taken away (409). Unchanged records nothing."""
    require_run(actor, round_.place_path, _("您的岗位无权修改这个资助轮次"))
    values = clean_round(fields)
    locked = lock_round(round_)
    if locked.status == RoundStatus.CLOSED:
        raise Conflict(_("资助轮次已结束,不能修改"), field="status")
    changed = [name for name in ROUND_FIELDS if getattr(locked, name) != values[name]]
    if not changed:
        return locked
    if values["budget_fen"] < locked.granted_fen:
        raise Conflict(
            _("本轮已立项资助 %(granted)s 元,预算不能低于这个数") % {"granted": yuan(locked.granted_fen)},
            field="budget_fen",
        )
    dropped = set(locked.service_fields) - set(values["service_fields"])
    used = sorted(
        GrantProject.objects.filter(round=locked, service_field__in=sorted(dropped))
        .values_list("service_field", flat=True)
        .distinct()
    )
    if used:
        raise Conflict(
            _("已有申报选择了“%(fields)s”,不能从本轮资助领域中去掉")
            % {"fields": _("、").join(str(ServiceField(v).label) for v in used)},
            field="service_fields",
        )
    if (
        "title" in changed
        and GrantRound.objects.filter(node_id=locked.node_id, title=values["title"]).exclude(pk=locked.pk).exists()
    ):
        raise _title_taken(locked.node, values["title"])
    for name in changed:
        setattr(locked, name, values[name])
    locked.save(update_fields=[*changed, "updated_at"])
    audit_record(action="grants.round_updated", actor=actor, target=locked, changed=changed)
    return locked


def _move(actor: Any, round_: GrantRound, to: str) -> tuple[GrantRound, bool]:
    """The round locked and moved to ``to``: ``(round, moved)``; not moved when it is there already."""
    require_run(actor, round_.place_path, _("您的岗位无权变更这个资助轮次的状态"))
    locked = lock_round(round_)
    if locked.status == to:
        return locked, False
    if locked.status not in ROUND_TRANSITIONS[to]:
        raise Conflict(
            _("资助轮次当前为“%(now)s”,不能改为“%(to)s”")
            % {"now": RoundStatus(locked.status).label, "to": RoundStatus(to).label},
            field="status",
        )
    return locked, True


@transaction.atomic
def round_open(*, actor: Any, round_: GrantRound) -> GrantRound:
    """开始申报: applications may now be registered (inside the window)."""
    locked, moved = _move(actor, round_, RoundStatus.OPEN)
    if moved:
        locked.status, locked.opened_at = RoundStatus.OPEN, timezone.now()
        locked.save(update_fields=["status", "opened_at", "updated_at"])
        audit_record(action="grants.round_opened", actor=actor, target=locked)
    return locked


@transaction.atomic
def round_review(*, actor: Any, round_: GrantRound) -> GrantRound:
    """截止申报,进入评审: no new applications; reviewers score and the round's staff decide."""
    locked, moved = _move(actor, round_, RoundStatus.REVIEWING)
    if moved:
        locked.status, locked.review_started_at = RoundStatus.REVIEWING, timezone.now()
        locked.save(update_fields=["status", "review_started_at", "updated_at"])
        audit_record(
            action="grants.round_review_started",
            actor=actor,
            target=locked,
            applications=GrantProject.objects.filter(round=locked).count(),
        )
    return locked


@transaction.atomic
def round_close(*, actor: Any, round_: GrantRound) -> GrantRound:
    """结束评审: every application has its decision (409 with the number still waiting). Approved projects are
    carried out after the round is closed."""
    locked, moved = _move(actor, round_, RoundStatus.CLOSED)
    if not moved:
        return locked
    waiting = GrantProject.objects.filter(round=locked, status=ProjectStatus.SUBMITTED).count()
    if waiting:
        raise Conflict(
            _("还有 %(n)d 个申报未作立项决定,不能结束本轮") % {"n": waiting},
            field="status",
        )
    locked.status, locked.closed_at = RoundStatus.CLOSED, timezone.now()
    locked.save(update_fields=["status", "closed_at", "updated_at"])
    audit_record(action="grants.round_closed", actor=actor, target=locked, granted_fen=locked.granted_fen)
    return locked
