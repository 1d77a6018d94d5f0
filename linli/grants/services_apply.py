"""申报: an application registered by street or community staff on a social organisation's behalf, from its paper
form, while the round is open and inside its window.

The organisation must be in the register (``orgs.Organisation``) as a 社会组织 or a 共建单位, registered at or
serving a place under the round's node; the communities it will serve lie under the node (a community's staff may
name only their own). The contact's phone is personal data: normalised, stored encrypted with its keyed hash
beside it (as the resident ledger's), and shown masked. A double submit creates one application (idempotency
key); the same organisation cannot apply twice under one title in a round (409).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from linli.audit.services import audit_record
from linli.core import crypto
from linli.core.errors import Conflict, Forbidden, InvalidInput
from linli.core.idempotency import clean_key, create_once
from linli.core.identifiers import normalise_phone
from linli.core.text import clean_text, whole_number
from linli.grants.models import GrantProject, GrantRound, ProjectCommunity, ProjectStatus, RoundStatus
from linli.grants.money import check_fen, yuan
from linli.grants.permissions import may_register
from linli.grants.services import NOTE_MAX, TEXT_MAX, TITLE_MAX, choice, event, lock_round
from linli.orgs.models import Organisation, OrganisationKind
from linli.places.models import Place, PlaceKind

ELIGIBLE_KINDS = (OrganisationKind.SOCIAL_ORG, OrganisationKind.PARTNER_UNIT)
COMMUNITIES_MAX = 50
BENEFICIARIES_MAX = 1_000_000
CONTACT_MAX = 64


def eligible_q(node_path: str) -> Q:
    """Organisations that may apply in a round at ``node_path``: a 社会组织 or 共建单位 registered at or under the
    node, or serving a place under it."""
    return Q(kind__in=ELIGIBLE_KINDS) & (Q(place_path__under=node_path) | Q(serves__path__under=node_path))


def is_eligible(organisation: Organisation, node_path: str) -> bool:
    return Organisation.objects.filter(eligible_q(node_path), pk=organisation.pk).exists()


@dataclass(frozen=True)
class ApplicationFields:
    """What the paper form says (the requested amount already in 分)."""

    organisation: Organisation | None
    title: Any
    service_field: Any
    requested_fen: Any
    planned_beneficiaries: Any
    summary: Any
    contact_name: Any
    contact_phone: Any
    communities: list[Place] = field(default_factory=list)


def _communities(round_: GrantRound, chosen: list[Place]) -> list[Place]:
    unique = list({p.pk: p for p in chosen}.values())
    if not unique:
        raise InvalidInput(_("请至少选择一个服务社区"), field="community_ids")
    if len(unique) > COMMUNITIES_MAX:
        raise InvalidInput(_("服务社区最多 %(n)d 个") % {"n": COMMUNITIES_MAX}, field="community_ids")
    for place in unique:
        if place.kind != PlaceKind.COMMUNITY or not place.path.startswith(round_.place_path):
            raise InvalidInput(_("“%(place)s”不是本轮范围内的社区") % {"place": place.name}, field="community_ids")
    return sorted(unique, key=lambda p: p.path)


def _require_open(round_: GrantRound) -> None:
    if round_.status != RoundStatus.OPEN:
        raise Conflict(
            _("资助轮次当前为“%(now)s”,只在申报中登记申报") % {"now": RoundStatus(round_.status).label},
            field="round_id",
        )
    today = timezone.localdate()
    if today < round_.opens_on:
        raise Conflict(_("申报自 %(day)s 开始,尚未开始") % {"day": round_.opens_on.isoformat()}, field="round_id")
    if today > round_.closes_on:
        raise Conflict(_("申报已于 %(day)s 截止") % {"day": round_.closes_on.isoformat()}, field="round_id")


def _form_values(round_: GrantRound, fields: ApplicationFields) -> dict[str, Any]:
    """The paper form's fields checked against the round, as registering and correcting both store them (the
    organisation and the phone are each path's own business)."""
    values: dict[str, Any] = {
        "title": clean_text(fields.title, field="title", label=_("项目名称"), max_length=TITLE_MAX),
        "service_field": choice(
            fields.service_field, list(round_.service_fields), field="service_field", label=_("服务领域")
        ),
    }
    requested = values["requested_fen"] = check_fen(
        fields.requested_fen, field="requested_fen", label=_("申请资助金额")
    )
    if requested > round_.budget_fen:
        raise InvalidInput(
            _("申请资助金额不能超过本轮预算 %(budget)s 元") % {"budget": yuan(round_.budget_fen)}, field="requested_fen"
        )
    values["planned_beneficiaries"] = whole_number(
        fields.planned_beneficiaries,
        field="planned_beneficiaries",
        label=_("计划服务人次"),
        low=1,
        high=BENEFICIARIES_MAX,
    )
    values["summary"] = clean_text(fields.summary, field="summary", label=_("项目简介"), max_length=TEXT_MAX)
    values["contact_name"] = clean_text(
        fields.contact_name, field="contact_name", label=_("联系人"), max_length=CONTACT_MAX
    )
    return values


def _same_title(round_: GrantRound, organisation: Organisation, title: str) -> Any:
    """The organisation's live application under ``title`` in the round (a withdrawn one frees its title)."""
    return GrantProject.objects.filter(round=round_, organisation=organisation, title=title).exclude(
        status=ProjectStatus.WITHDRAWN
    )


@transaction.atomic
def project_register(
    *, actor: Any, round_: GrantRound, fields: ApplicationFields, idempotency_key: str = ""
) -> tuple[GrantProject, bool]:
    """Register an application in an open round: ``(project, created)``. A retry under the same key answers with
    the first; anything the form lacks or gets wrong is refused naming the field."""
    communities = _communities(round_, list(fields.communities))
    if not may_register(actor, round_.place_path, communities):
        raise Forbidden(_("您的岗位无权为这些社区登记申报"))
    key = clean_key(idempotency_key)
    if key:  # a retry after the round moved on still answers with what it created
        earlier = GrantProject.objects.filter(created_by=actor, idempotency_key=key).first()
        organisation_id = getattr(fields.organisation, "pk", None)
        if earlier is not None and (earlier.round_id, earlier.organisation_id, earlier.title) == (
            round_.pk,
            organisation_id,
            str(fields.title or "").strip(),
        ):
            return earlier, False
    locked = lock_round(round_)  # the round cannot leave 申报中 while this application goes in
    _require_open(locked)
    organisation = fields.organisation
    if organisation is None or organisation.kind not in ELIGIBLE_KINDS:
        raise InvalidInput(_("请选择已登记的社会组织或共建单位"), field="organisation_id")
    if not is_eligible(organisation, locked.place_path):
        raise InvalidInput(
            _("“%(org)s”不在本轮范围内登记或服务,不能申报") % {"org": organisation.name}, field="organisation_id"
        )
    values = _form_values(locked, fields)
    title, service_field, requested = values["title"], values["service_field"], values["requested_fen"]
    planned, summary, contact = values["planned_beneficiaries"], values["summary"], values["contact_name"]
    phone = normalise_phone(str(fields.contact_phone or ""), field="contact_phone")

    def create() -> GrantProject:
        if _same_title(locked, organisation, title).exists():
            raise Conflict(
                _("“%(org)s”已在本轮申报“%(title)s”") % {"org": organisation.name, "title": title}, field="title"
            )
        project = GrantProject.objects.create(
            round=locked,
            place_path=locked.place_path,
            organisation=organisation,
            title=title,
            service_field=service_field,
            requested_fen=requested,
            planned_beneficiaries=planned,
            summary=summary,
            contact_name=contact,
            phone_enc=crypto.encrypt(phone),
            phone_hash=crypto.keyed_hash("phone", phone),
            created_by=actor,
            idempotency_key=key,
        )
        ProjectCommunity.objects.bulk_create(
            [ProjectCommunity(project=project, place=p, place_path=p.path) for p in communities]
        )
        event(project, actor, "", ProjectStatus.SUBMITTED)
        return project

    project, created = create_once(
        earlier=GrantProject.objects.filter(created_by=actor),
        key=key,
        create=create,
        same=lambda e: e.round_id == locked.pk and e.title == title and e.organisation_id == organisation.pk,
        refusal=lambda e: _("这个 Idempotency-Key 已用于另一项申报“%(title)s”") % {"title": e.title},
    )
    if created:
        audit_record(
            action="grants.project_registered",
            actor=actor,
            target=project,
            round=locked.pk,
            organisation=organisation.pk,
            requested_fen=requested,
            communities=[p.pk for p in communities],
            field=service_field,
        )
    return project, created


# ----------------------------------------------------------------------------- correcting and withdrawing


def _served(project: GrantProject) -> list[Place]:
    return list(Place.objects.filter(pk__in=ProjectCommunity.objects.filter(project=project).values("place_id")))


@transaction.atomic
def project_correct(*, actor: Any, project: GrantProject, fields: ApplicationFields) -> GrantProject:
    """修改申报: correct what was typed from the paper form while the round is still 申报中 and nothing is decided —
    the title, field, amount, planned 人次, summary, contact and communities (a blank phone keeps the one on file). The
    applying organisation does not change: another organisation's application is a new one. The same checks as
    registering; the changed fields are audited by name (the phone's value never) and shown on the timeline."""
    communities = _communities(project.round, list(fields.communities))
    if not may_register(actor, project.place_path, communities) or not may_register(
        actor, project.place_path, _served(project)
    ):
        raise Forbidden(_("您的岗位无权修改这项申报"))
    round_ = lock_round(project.round)
    locked = GrantProject.objects.select_for_update().get(pk=project.pk)
    if locked.status != ProjectStatus.SUBMITTED:
        raise Conflict(_("该申报已“%(now)s”,不能再修改") % {"now": ProjectStatus(locked.status).label}, field="status")
    if round_.status != RoundStatus.OPEN:
        raise Conflict(_("评审开始后不能修改申报,如有变化请撤回后由评审人员知悉"), field="status")
    new = _form_values(round_, fields)
    if new["title"] != locked.title and _same_title(round_, locked.organisation, new["title"]).exists():
        raise Conflict(
            _("“%(org)s”已在本轮申报“%(title)s”") % {"org": locked.organisation.name, "title": new["title"]},
            field="title",
        )
    changed = [name for name, value in new.items() if getattr(locked, name) != value]
    for name in changed:
        setattr(locked, name, new[name])
    raw_phone = str(fields.contact_phone or "").strip()
    if raw_phone:
        phone = normalise_phone(raw_phone, field="contact_phone")
        digest = crypto.keyed_hash("phone", phone)
        if digest != locked.phone_hash:
            locked.phone_enc, locked.phone_hash = crypto.encrypt(phone), digest
            changed += ["phone_enc", "phone_hash"]
    before = sorted(p.pk for p in _served(locked))
    after = sorted(p.pk for p in communities)
    if before != after:
        ProjectCommunity.objects.filter(project=locked).delete()
        ProjectCommunity.objects.bulk_create(
            [ProjectCommunity(project=locked, place=p, place_path=p.path) for p in communities]
        )
    if not changed and before == after:
        return locked
    if changed:
        locked.save(update_fields=changed)
    names = [n for n in changed if n != "phone_hash"] + (["communities"] if before != after else [])
    labels = [str(CORRECTABLE.get(n, n)) for n in names]
    event(locked, actor, locked.status, locked.status, _("修改申报:%(fields)s") % {"fields": "、".join(labels)})
    shown = {n: new[n] for n in changed if n in new}
    audit_record(
        action="grants.project_corrected",
        actor=actor,
        target=locked,
        fields=names,
        values=shown,
        communities=after if before != after else None,
    )
    return locked


CORRECTABLE = {
    "title": _lazy("项目名称"),
    "service_field": _lazy("服务领域"),
    "requested_fen": _lazy("申请资助金额"),
    "planned_beneficiaries": _lazy("计划服务人次"),
    "summary": _lazy("项目简介"),
    "contact_name": _lazy("联系人"),
    "phone_enc": _lazy("联系电话"),
    "communities": _lazy("服务社区"),
}


@transaction.atomic
def project_withdraw(*, actor: Any, project: GrantProject, reason: Any) -> GrantProject:
    """撤回申报: the organisation withdraws its application (staff record it with the organisation's reason) before a
    decision, while the round is 申报中 or 评审中. Withdrawn applications are kept (timeline, audit), leave the
    review list and free their title for a new application."""
    if not may_register(actor, project.place_path, _served(project)):
        raise Forbidden(_("您的岗位无权撤回这项申报"))
    text = clean_text(reason, field="reason", label=_("撤回原因"), max_length=NOTE_MAX)
    locked = GrantProject.objects.select_for_update().get(pk=project.pk)
    if locked.status == ProjectStatus.WITHDRAWN:
        return locked
    if locked.status != ProjectStatus.SUBMITTED:
        raise Conflict(_("该申报已“%(now)s”,不能撤回") % {"now": ProjectStatus(locked.status).label}, field="status")
    round_status = GrantRound.objects.filter(pk=locked.round_id).values_list("status", flat=True).get()
    if round_status not in (RoundStatus.OPEN, RoundStatus.REVIEWING):
        raise Conflict(
            _("资助轮次当前为“%(now)s”,不能撤回申报") % {"now": RoundStatus(round_status).label}, field="status"
        )
    locked.status = ProjectStatus.WITHDRAWN
    locked.decided_at = timezone.now()
    locked.decided_by = actor
    locked.decision_note = text
    locked.save(update_fields=["status", "decided_at", "decided_by", "decision_note"])
    event(locked, actor, ProjectStatus.SUBMITTED, ProjectStatus.WITHDRAWN, text)
    audit_record(action="grants.project_withdrawn", actor=actor, target=locked, reason=text)
    return locked
