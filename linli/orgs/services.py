"""Party organisation tree and organisation register state changes.

Who may do what (docs/architecture.md, "Who changes the party tree and the organisation register"):

- A party org below another is set up, renamed, re-anchored or dissolved by someone who holds
  ``manage`` (or ``admin``) at the place it is anchored to. Its kind must be one ``PARTY_ORG_CHILDREN``
  allows under its parent, and its place must be the parent's place or lie inside it, so everything
  under an org is found under its place.
- A root 党工委 answers to the district (区委), not to the street it works in: only someone whose scope
  is everything, or who manages the root of the place tree above its place, sets one up, moves or
  dissolves it.
- An organisation is registered, corrected and given the places it serves by someone who manages its
  home place; each place added to or taken from what it serves must be in the actor's manage scope.

Dissolving (撤销): an org that nothing depends on (set up by mistake or never used) is deleted. One with a
history (members past or present, meetings, study, secretaries, recognitions, funds, 双报到, positions held,
dissolved child orgs) is kept as 已撤销 with the day, a reason and the org it was merged into (合并): hidden
from the tree and every picker (``PartyOrg.objects.active()``, ``require_active``), its records still
readable and counted for the past. Active child orgs, people holding a position in it, household duties and
— unless it is merged into another branch, which takes them in — a branch's current members refuse it
with a 409 naming each reason.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, models, transaction
from django.db.models import ForeignObjectRel, Q
from django.db.models.deletion import ProtectedError, RestrictedError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from linli.audit.services import audit_record
from linli.core import scoping
from linli.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from linli.core.idempotency import clean_key, create_once
from linli.core.identifiers import normalise_contact_phone, validate_uscc
from linli.core.scoping import scope_for
from linli.core.text import clean_text
from linli.orgs.models import (
    PARTY_ORG_CHILDREN,
    Organisation,
    OrganisationKind,
    PartyOrg,
    PartyOrgKind,
    PartyOrgStatus,
)
from linli.places.models import Place, PlaceKind

# A root of the org tree is a 党工委 working for a district or a street.
ROOT_PLACE_KINDS: frozenset[str] = frozenset({PlaceKind.DISTRICT, PlaceKind.STREET})

# Where each kind of organisation is registered (its ``home``): a residents' committee is its
# community's; owners' committees and their supervisory boards belong to one compound (the 物业管理区域);
# a property company is registered where cobuilding registers it (services_property); departments
# belong to a district or street government.
ORGANISATION_HOME_KINDS: dict[str, frozenset[str]] = {
    OrganisationKind.RESIDENTS_COMMITTEE: frozenset({PlaceKind.COMMUNITY}),
    OrganisationKind.OWNERS_COMMITTEE: frozenset({PlaceKind.COMPOUND}),
    OrganisationKind.SUPERVISORY_BOARD: frozenset({PlaceKind.COMPOUND}),
    OrganisationKind.PROPERTY_COMPANY: frozenset({PlaceKind.DISTRICT, PlaceKind.STREET, PlaceKind.COMMUNITY}),
    OrganisationKind.PARTNER_UNIT: frozenset({PlaceKind.DISTRICT, PlaceKind.STREET, PlaceKind.COMMUNITY}),
    OrganisationKind.SOCIAL_ORG: frozenset(
        {PlaceKind.DISTRICT, PlaceKind.STREET, PlaceKind.COMMUNITY, PlaceKind.COMPOUND}
    ),
    OrganisationKind.DEPARTMENT: frozenset({PlaceKind.DISTRICT, PlaceKind.STREET}),
}

# Kinds that cannot exist without a unified social credit code: a property service company is an
# enterprise and must hold a business licence to serve (物业管理条例). The others record one when
# they have it: residents' committees and owners' committees are being issued codes region by region,
# community social organisations are often only filed (备案) with the street, and partner units and
# departments are recorded for liaison.
USCC_REQUIRED: frozenset[str] = frozenset({OrganisationKind.PROPERTY_COMPANY})

SERVES_MAX = 500

# What a record that still points at a party org is, for the history that keeps a dissolved org. A model
# not listed here is named by its generic label, never a 500.
REFERENCE_LABELS: dict[str, str] = {
    "orgs.partyorg": gettext_noop("组织合并记录"),
    "partylife.membership": gettext_noop("党员组织关系记录"),
    "partylife.meeting": gettext_noop("组织生活会议记录"),
    "partylife.studymaterial": gettext_noop("学习资料"),
    "partylife.secretaryrecord": gettext_noop("支部书记备案记录"),
    "partylife.mentoringpair": gettext_noop("导师帮带记录"),
    "partylife.recognition": gettext_noop("表彰记录"),
    "volunteering.workplaceregistration": gettext_noop("在职党员双报到登记"),
    "cobuilding.fund": gettext_noop("党组织经费账户"),
}


# ----------------------------------------------------------------------------- permissions


def may_manage_at(actor: Any, path: str) -> bool:
    return scoping.may_manage_at(actor, path)


def may_found_roots(actor: Any, path: str | None = None) -> bool:
    """May the actor set up, move or dissolve a root 党工委 — at the place ``path``, or anywhere if None?
    Only with a scope of everything or ``manage`` at the root of the place tree above it (a district)."""
    scope = scope_for(actor, "manage")
    if scope.everything:
        return True
    if path is None:
        return any(len(root) == Place.steplen for root in scope.paths)
    return may_manage_at(actor, path[: Place.steplen])


def may_change_party_org(actor: Any, org: PartyOrg) -> bool:
    """May the actor rename, re-anchor or dissolve ``org``?"""
    if org.depth == 1:
        return may_found_roots(actor, org.place_path)
    return may_manage_at(actor, org.place_path)


def _require_change(actor: Any, org: PartyOrg) -> None:
    if not may_change_party_org(actor, org):
        if org.depth == 1:
            raise Forbidden(_("只有区级管理人员或系统管理员可以调整党工委"))
        raise Forbidden(_("您没有调整“%(org)s”的权限") % {"org": org.name})


def _require_anchor(actor: Any, *, parent: PartyOrg | None, place: Place) -> None:
    """The rules for where an org may sit (``parent`` None = a root), checked on set-up and re-anchoring."""
    if parent is None:
        if place.kind not in ROOT_PLACE_KINDS:
            raise InvalidInput(_("党工委应设在区或街道"), field="place_id")
        if not may_found_roots(actor, place.path):
            raise Forbidden(_("只有区级管理人员或系统管理员可以设立党工委"))
        return
    if not place.path.startswith(parent.place_path):
        raise InvalidInput(
            _("所在地应为上级组织“%(parent)s”的所在地或其下级区域") % {"parent": parent.name}, field="place_id"
        )
    if not may_manage_at(actor, place.path):
        raise Forbidden(_("您没有在“%(place)s”设立或调整党组织的权限") % {"place": place.name})


# ----------------------------------------------------------------------------- input


def _party_kind(kind: str) -> str:
    if kind not in PartyOrgKind.values:
        raise InvalidInput(_("未知的党组织类型“%(kind)s”") % {"kind": kind}, field="kind")
    return kind


def _parent_of(org: PartyOrg) -> PartyOrg | None:
    if org.depth == 1:
        return None
    return PartyOrg.objects.filter(path=org.path[: -PartyOrg.steplen]).first()


# ----------------------------------------------------------------------------- party orgs


@transaction.atomic
def party_org_create(
    *,
    actor: Any,
    parent: PartyOrg | None,
    kind: str,
    name: str,
    place: Place,
    idempotency_key: str = "",
) -> PartyOrg:
    """Set up a party org under ``parent`` (a root 党工委 when None), anchored at ``place``.

    A retry with the same idempotency key (the form's hidden key, the API's ``Idempotency-Key``) returns
    the first org and sets up nothing twice; a different org sent under a used key is refused (409)."""
    key = clean_key(idempotency_key)
    kind = _party_kind(kind)
    if parent is None:
        if kind != PartyOrgKind.WORKING_COMMITTEE:
            raise InvalidInput(_("没有上级组织的只能是党工委,请选择上级组织"), field="parent_id")
    elif kind not in PARTY_ORG_CHILDREN[parent.kind]:
        raise InvalidInput(
            _("%(parent)s下不能设立%(child)s")
            % {"parent": PartyOrgKind(parent.kind).label, "child": PartyOrgKind(kind).label},
            field="kind",
        )
    _require_anchor(actor, parent=parent, place=place)
    name = clean_text(name, field="name", label=_("组织名称"), max_length=100)
    parent_path = parent.path if parent is not None else ""

    def create() -> PartyOrg:
        fields = {
            "kind": kind,
            "name": name,
            "place": place,
            "place_path": place.path,
            "created_by": actor,
            "idempotency_key": key,
        }
        if parent is None:
            org = PartyOrg.objects.add_root(create_kwargs=fields)
        else:
            # The parent's row is locked and read again: treebeard numbers the new child from the
            # parent's current children, so two set-ups under one parent must not both read them stale.
            fresh = PartyOrg.objects.select_for_update().filter(pk=parent.pk).first()
            if fresh is None:
                raise NotFound(_("上级组织已不存在"), field="parent_id")
            if fresh.is_dissolved:
                raise _dissolved(fresh, field="parent_id")
            org = PartyOrg.objects.add_child(fresh, create_kwargs=fields)
        audit_record(action="party_org.created", actor=actor, target=org, kind=kind, place=place.pk, parent=parent_path)
        return org

    org, _created = create_once(
        earlier=PartyOrg.objects.filter(created_by=actor),
        key=key,
        create=create,
        same=lambda existing: (
            (existing.kind, existing.name, existing.place_id, existing.path[: -PartyOrg.steplen])
            == (kind, name, place.pk, parent_path)
        ),
        refusal=lambda existing: _("这个 Idempotency-Key 已用于设立另一个党组织,新的组织请换一个"),
    )
    return org


def _locked(org: PartyOrg) -> PartyOrg:
    fresh = PartyOrg.objects.select_for_update().filter(pk=org.pk).first()
    if fresh is None:
        raise NotFound(_("该党组织已不存在"))
    return fresh


@transaction.atomic
def party_org_rename(*, actor: Any, org: PartyOrg, name: str) -> PartyOrg:
    _require_change(actor, org)
    org = _locked(org)
    _refuse_if_dissolved(org)
    name = clean_text(name, field="name", label=_("组织名称"), max_length=100)
    if name == org.name:
        return org
    old = org.name
    org.name = name
    org.save(update_fields=["name"])
    audit_record(action="party_org.renamed", actor=actor, target=org, old_name=old, new_name=name)
    return org


@transaction.atomic
def party_org_reanchor(*, actor: Any, org: PartyOrg, place: Place) -> PartyOrg:
    """Anchor ``org`` to another place, under the same rules as setting it up there. The org's
    children must still sit inside its new place (the tree keeps "everything under an org is under
    its place")."""
    _require_change(actor, org)
    org = _locked(org)
    _refuse_if_dissolved(org)
    if place.pk == org.place_id:
        return org
    _require_anchor(actor, parent=_parent_of(org), place=place)
    outside = (
        PartyOrg.objects.filter(path__under=org.path, depth=org.depth + 1)
        .exclude(place_path__under=place.path)
        .select_related("place")
        .first()
    )
    if outside is not None:
        raise Conflict(
            _("下级组织“%(child)s”设在“%(place)s”,不在新的所在地之内,请先调整下级组织")
            % {"child": outside.name, "place": outside.place.name},
            field="place_id",
        )
    old_place, old_path = org.place_id, org.place_path
    org.place = place
    org.place_path = place.path
    org.save(update_fields=["place", "place_path"])
    audit_record(
        action="party_org.reanchored",
        actor=actor,
        target=org,
        old_place=old_place,
        new_place=place.pk,
        old_path=old_path,
        new_path=place.path,
    )
    return org


# 单位党组织: the kinds of organisation a party org may be formed in, and the kinds of party org that may be.
UNIT_KINDS: frozenset[str] = frozenset(
    {OrganisationKind.PROPERTY_COMPANY, OrganisationKind.PARTNER_UNIT, OrganisationKind.SOCIAL_ORG}
)
UNIT_PARTY_KINDS: frozenset[str] = frozenset({PartyOrgKind.COMMITTEE, PartyOrgKind.GENERAL_BRANCH, PartyOrgKind.BRANCH})


@transaction.atomic
def party_org_set_organisation(*, actor: Any, org: PartyOrg, organisation: Organisation | None) -> PartyOrg:
    """Record the organisation ``org`` is formed in (物业公司党支部, a partner unit's or a social organisation's
    branch), or with ``None`` that it is a branch of residents. One organisation may have several orgs (a 党总支 and
    its branches); only a 党委, 党总支 or 党支部 is recorded as an organisation's own. Audited."""
    _require_change(actor, org)
    org = _locked(org)
    _refuse_if_dissolved(org)
    if organisation is not None:
        if organisation.kind not in UNIT_KINDS:
            raise InvalidInput(_("只能选择物业服务企业、共建单位或社会组织"), field="organisation_id")
        if org.kind not in UNIT_PARTY_KINDS:
            raise InvalidInput(_("只有党委、党总支、党支部可以登记所在单位"), field="organisation_id")
    before = org.organisation_id
    after = organisation.pk if organisation is not None else None
    if before == after:
        return org
    org.organisation = organisation
    org.save(update_fields=["organisation"])
    audit_record(action="party_org.organisation_set", actor=actor, target=org, before=before, after=after)
    return org


# ----------------------------------------------------------------------------- dissolving (撤销)

REASON_MAX = 200
NAMES_SHOWN = 5  # active children named in a refusal; more are "等"


@dataclass(frozen=True)
class Dissolution:
    """What a 撤销 did: ``deleted`` (nothing depended on the org, its row is gone) or kept as 已撤销 with
    its history; ``members_moved``: the people whose current membership moved to the org merged into (a
    branch), or who were regrouped or left ungrouped in their branch (a 党小组)."""

    org: PartyOrg
    deleted: bool
    members_moved: int = 0


def _day(day: dt.date | None) -> str:
    return day.isoformat() if day else ""


def require_active(org: PartyOrg, *, field: str | None = None) -> PartyOrg:
    """Refuse (409) to choose a dissolved org for anything new — a child org, a member, a meeting, a record.

    Call it inside the service's transaction: the org's row is read again locked, so a dissolution running
    at the same time either waits for this change (and then sees the new member or meeting) or has already
    committed (and this sees it dissolved)."""
    current = PartyOrg.objects.select_for_update().filter(pk=org.pk).first() or org
    if current.is_dissolved:
        raise _dissolved(current, field=field)
    return org


def _dissolved(org: PartyOrg, *, field: str | None = None) -> Conflict:
    return Conflict(
        _("“%(org)s”已于 %(date)s 撤销,不能再选用") % {"org": org.name, "date": _day(org.dissolved_at)},
        field=field,
    )


def _refuse_if_dissolved(org: PartyOrg) -> None:
    if org.is_dissolved:
        raise Conflict(_("“%(org)s”已于 %(date)s 撤销,不能再调整") % {"org": org.name, "date": _day(org.dissolved_at)})


def current_members(org: PartyOrg) -> models.QuerySet[Any]:
    """Memberships in ``org`` now: a branch's members, or the members of its branch grouped in a 党小组."""
    from linli.partylife.models import Membership

    field = "group" if org.kind == PartyOrgKind.GROUP else "branch"
    return Membership.objects.filter(**{field: org}, left_on__isnull=True)


def dissolve_blockers(org: PartyOrg, *, merge_into: PartyOrg | None = None) -> list[str]:
    """What must be settled before ``org`` can be dissolved at all, one sentence per reason (empty: it can).

    A branch's current members are a reason unless it is merged into another branch (they move with it); a
    党小组's members are not (they stay members of their branch)."""
    from linli.partylife.models import CenterHouseholdDuty
    from linli.people.models import Position

    reasons: list[str] = []
    active_children = PartyOrg.objects.active().filter(path__under=org.path, depth=org.depth + 1)
    named = list(active_children.order_by("path")[:NAMES_SHOWN])
    if named:
        n = active_children.count()
        names = _("、").join(child.name for child in named) + (_("等") if n > len(named) else "")
        reasons.append(_("下设 %(n)d 个未撤销的下级组织(%(names)s),请先撤销或合并下级组织") % {"n": n, "names": names})
    if org.kind != PartyOrgKind.GROUP and merge_into is None:
        members = current_members(org).count()
        if members:
            reasons.append(
                _(
                    "还有 %(n)d 名在册党员:请先在党支部页面为他们办理组织关系转出,"
                    "或选择合并到的党支部,在册党员将随之整体转入"
                )
                % {"n": members}
            )
    today = timezone.localdate()
    current = Position.objects.filter(party_org=org).filter(Q(end_date__isnull=True) | Q(end_date__gte=today)).count()
    if current:
        reasons.append(_("还有 %(n)d 人在该组织任职,请先结束任职") % {"n": current})
    duties = CenterHouseholdDuty.objects.filter(center=org).count()
    if duties:
        reasons.append(_("还负责 %(n)d 户党员服务责任区,请先移出") % {"n": duties})
    return reasons


def dissolve_history(org: PartyOrg) -> list[str]:
    """The records that keep ``org`` (as 已撤销) when it is dissolved, one phrase each. Empty: nothing
    depends on it — set up by mistake or never used — and dissolving deletes it."""
    from linli.people.models import Position

    history: list[str] = []
    dissolved_children = PartyOrg.objects.dissolved().filter(path__under=org.path, depth=org.depth + 1).count()
    if dissolved_children:
        history.append(_("%(n)d 个已撤销的下级组织") % {"n": dissolved_children})
    if org.kind == PartyOrgKind.GROUP:
        grouped = current_members(org).count()
        if grouped:
            history.append(_("%(n)d 名编在该党小组的党员") % {"n": grouped})
    if Position.objects.filter(party_org=org).exists():
        history.append(_("任职记录"))
    for rel, count in _protecting_references(org):
        label = REFERENCE_LABELS.get(rel.related_model._meta.label_lower)
        what = _(label) if label else str(rel.related_model._meta.verbose_name)
        history.append(_("%(n)d 条%(what)s") % {"n": count, "what": what})
    return history


def _protecting_references(org: PartyOrg) -> Iterable[tuple[Any, int]]:
    """(reverse relation, rows) for every PROTECT/RESTRICT foreign key that points at ``org`` — hidden
    ones (``related_name="+"``) included, so a new one added anywhere keeps the org, never a 500."""
    for rel in PartyOrg._meta.get_fields(include_hidden=True):
        if not isinstance(rel, ForeignObjectRel) or rel.many_to_many:
            continue
        if rel.on_delete not in (models.PROTECT, models.RESTRICT):
            continue
        model: Any = rel.related_model
        count = model._base_manager.filter(**{rel.field.name: org}).count()
        if count:
            yield rel, count


def _merge_target(actor: Any, org: PartyOrg, target: PartyOrg) -> None:
    """The rules for the org ``org`` is merged into (合并): another active org of its kind the actor may
    change; a 党小组 only into a group of its own branch (its members stay in that branch)."""
    field = "merged_into_id"
    if target.pk == org.pk:
        raise InvalidInput(_("不能合并到组织自身"), field=field)
    if target.is_dissolved:
        raise _dissolved(target, field=field)
    if target.kind != org.kind:
        raise InvalidInput(
            _("“%(org)s”是%(kind)s,只能合并到另一个%(kind)s") % {"org": org.name, "kind": org.kind_label},
            field=field,
        )
    if org.kind == PartyOrgKind.GROUP and target.path[: -PartyOrg.steplen] != org.path[: -PartyOrg.steplen]:
        raise InvalidInput(_("党小组只能合并到同一党支部的党小组"), field=field)
    if not may_change_party_org(actor, target):
        raise Forbidden(_("您没有调整“%(org)s”的权限") % {"org": target.name})


def _move_members(org: PartyOrg, target: PartyOrg | None, today: dt.date) -> list[int]:
    """Take the current members of ``org`` along (合并), returning their person ids.

    A branch merged into another: each membership ends here as 转出 to the target and a new one starts there
    the same day, so the old branch's figures and registers keep them for the past. A 党小组: its members
    stay in their branch, in the group merged into or (dissolved alone) in none."""
    from linli.partylife.models import Membership, MembershipEnd

    if org.kind == PartyOrgKind.GROUP:
        grouped = current_members(org).select_for_update()
        people = list(grouped.values_list("person_id", flat=True))
        grouped.update(group=target)
        return people
    if target is None:
        return []
    current = list(current_members(org).select_for_update().order_by("pk"))
    for m in current:
        m.left_on = max(today, m.joined_on)
        m.left_reason = MembershipEnd.TRANSFERRED_OUT
        m.transferred_out_to = target.name[:120]
    Membership.objects.bulk_update(current, ["left_on", "left_reason", "transferred_out_to"])
    Membership.objects.bulk_create(
        [
            Membership(
                person_id=m.person_id,
                branch=target,
                org_path=target.path,
                status=m.status,
                employment=m.employment,
                is_mobile=m.is_mobile,
                is_elderly_or_infirm=m.is_elderly_or_infirm,
                joined_party_on=m.joined_party_on,
                joined_on=m.left_on,
                transferred_in_from=org.name[:120],
            )
            for m in current
        ]
    )
    return [m.person_id for m in current]


@transaction.atomic
def party_org_dissolve(
    *, actor: Any, org: PartyOrg, reason: str = "", merged_into: PartyOrg | None = None
) -> Dissolution:
    """撤销 ``org`` (合并 when ``merged_into`` is given).

    An org nothing depends on is deleted, as if it never was. One with a history (members past or present,
    meetings, records, positions held, dissolved child orgs) is kept as 已撤销 with the day, a reason
    (required) and the org it was merged into, so its history stays readable and keeps counting for the
    past. Either way it must have no active child orgs, nobody holding a position in it and no household
    duties, and a branch's current members must have been transferred out — or, merged into another branch,
    they move there in the same transaction. Refused with a 409 naming each reason.

    A second submit of a dissolution already done returns it unchanged (no second audit event)."""
    _require_change(actor, org)
    reason = clean_text(reason, field="reason", label=_("撤销原因"), max_length=REASON_MAX, required=False)
    ids = [org.pk] if merged_into is None else [org.pk, merged_into.pk]
    locked = {o.pk: o for o in PartyOrg.objects.select_for_update().filter(pk__in=ids).order_by("pk")}
    if org.pk not in locked:
        raise NotFound(_("该党组织已不存在"))
    org = locked[org.pk]
    if org.is_dissolved:
        if merged_into is not None and merged_into.pk != org.merged_into_id:
            raise Conflict(
                _("“%(org)s”已于 %(date)s 撤销") % {"org": org.name, "date": _day(org.dissolved_at)},
                field="merged_into_id",
            )
        return Dissolution(org=org, deleted=False)
    target = None
    if merged_into is not None:
        target = locked.get(merged_into.pk)
        if target is None:
            raise NotFound(_("合并到的党组织已不存在"), field="merged_into_id")
        _merge_target(actor, org, target)
    reasons = dissolve_blockers(org, merge_into=target)
    if reasons:
        raise Conflict(_("“%(org)s”不能撤销:%(reasons)s") % {"org": org.name, "reasons": ";".join(reasons)})
    history = dissolve_history(org)
    if not history:
        _delete(actor, org)
        return Dissolution(org=org, deleted=True)
    if not reason:
        raise InvalidInput(
            _("“%(org)s”有%(history)s,撤销后保留为“已撤销”,请填写撤销原因")
            % {"org": org.name, "history": _("、").join(history)},
            field="reason",
        )
    today = timezone.localdate()
    moved = _move_members(org, target, today)
    org.status = PartyOrgStatus.DISSOLVED
    org.dissolved_at = today
    org.dissolved_reason = reason
    org.merged_into = target
    org.save(update_fields=["status", "dissolved_at", "dissolved_reason", "merged_into"])
    _audit_dissolved(
        actor, org, kept=True, reason=reason, merged_into=target.pk if target else None, members_moved=moved
    )
    return Dissolution(org=org, deleted=False, members_moved=len(moved))


def _audit_dissolved(actor: Any, org: PartyOrg, **detail: Any) -> None:
    """One audit event for both outcomes (``kept``: marked 已撤销, or deleted), with the org's kind and place."""
    where = {"kind": org.kind, "place": org.place_id, "path": org.path}
    audit_record(action="party_org.dissolved", actor=actor, target=org, **where, **detail)


def _delete(actor: Any, org: PartyOrg) -> None:
    _audit_dissolved(actor, org, kept=False)
    try:
        with transaction.atomic():
            org.delete()
    except (ProtectedError, RestrictedError):  # a reference written between the check and the delete
        raise Conflict(_("“%(org)s”仍被其他记录引用,不能撤销") % {"org": org.name}) from None


# ----------------------------------------------------------------------------- organisations


def _organisation_kind(kind: str) -> str:
    if kind not in OrganisationKind.values:
        raise InvalidInput(_("未知的组织类型“%(kind)s”") % {"kind": kind}, field="kind")
    return kind


def _uscc_for(kind: str, raw: str) -> str:
    text = (raw or "").strip()
    if not text:
        if kind in USCC_REQUIRED:
            raise InvalidInput(
                _("%(kind)s须填写统一社会信用代码") % {"kind": OrganisationKind(kind).label}, field="uscc"
            )
        return ""
    return validate_uscc(text)


def _contact_phone(raw: Any) -> str:
    phone = normalise_contact_phone(str(raw or ""), field="contact_phone")
    if len(phone) > 32:
        raise InvalidInput(_("联系电话不能超过 32 个字符"), field="contact_phone")
    return phone


def _require_manage(actor: Any, place_path: str, message: str) -> None:
    if not may_manage_at(actor, place_path):
        raise Forbidden(message)


def _uscc_taken(kind: str, code: str) -> Conflict:
    return Conflict(
        _("统一社会信用代码 %(code)s 已登记为%(kind)s") % {"code": code, "kind": OrganisationKind(kind).label},
        field="uscc",
    )


@transaction.atomic
def organisation_register(
    *,
    actor: Any,
    kind: str,
    name: str,
    home: Place,
    uscc: str = "",
    contact_name: str = "",
    contact_phone: str = "",
    idempotency_key: str = "",
) -> Organisation:
    """Register an organisation at ``home``. A credit code is registered once per kind (409 naming it);
    a retry with the same idempotency key returns the first registration."""
    key = clean_key(idempotency_key)
    kind = _organisation_kind(kind)
    _require_manage(actor, home.path, _("您没有在“%(place)s”登记组织的权限") % {"place": home.name})
    allowed = ORGANISATION_HOME_KINDS[kind]
    if home.kind not in allowed:
        raise InvalidInput(
            _("%(kind)s应登记在%(places)s")
            % {
                "kind": OrganisationKind(kind).label,
                "places": _("、").join(str(label) for value, label in PlaceKind.choices if value in allowed),
            },
            field="home_id",
        )
    name = clean_text(name, field="name", label=_("组织名称"), max_length=120)
    code = _uscc_for(kind, uscc)
    contact = clean_text(contact_name, field="contact_name", label=_("联系人"), max_length=64, required=False)
    phone = _contact_phone(contact_phone)

    def create() -> Organisation:
        if code and Organisation.objects.filter(kind=kind, uscc=code).exists():
            raise _uscc_taken(kind, code)
        try:
            with transaction.atomic():  # the unique constraint settles a concurrent registration of the code
                org = Organisation.objects.create(
                    kind=kind,
                    name=name,
                    uscc=code,
                    contact_name=contact,
                    contact_phone=phone,
                    home=home,
                    place_path=home.path,
                    created_by=actor,
                    idempotency_key=key,
                )
        except IntegrityError:
            if code and Organisation.objects.filter(kind=kind, uscc=code).exists():
                raise _uscc_taken(kind, code) from None
            raise  # the idempotency key raced: create_once answers with the winner
        audit_record(action="organisation.registered", actor=actor, target=org, kind=kind, home=home.pk)
        return org

    org, _created = create_once(
        earlier=Organisation.objects.filter(created_by=actor),
        key=key,
        create=create,
        same=lambda existing: (
            (existing.kind, existing.name, existing.uscc, existing.home_id) == (kind, name, code, home.pk)
        ),
        refusal=lambda existing: _("这个 Idempotency-Key 已用于登记另一个组织,新的登记请换一个"),
    )
    return org


def may_edit_organisation(actor: Any, organisation: Organisation) -> bool:
    return may_manage_at(actor, organisation.place_path)


def _locked_organisation(organisation: Organisation) -> Organisation:
    fresh = Organisation.objects.select_for_update().filter(pk=organisation.pk).first()
    if fresh is None:
        raise NotFound(_("该组织已不存在"))
    return fresh


@transaction.atomic
def organisation_update(
    *,
    actor: Any,
    organisation: Organisation,
    name: str | None = None,
    contact_name: str | None = None,
    contact_phone: str | None = None,
) -> Organisation:
    """Correct the name or the contact; ``None`` leaves a field as it is. The kind, the home and the
    credit code are what the registration is: a wrong one is a new registration."""
    _require_manage(actor, organisation.place_path, _("您没有修改“%(org)s”的权限") % {"org": organisation.name})
    organisation = _locked_organisation(organisation)
    new: dict[str, str | None] = {
        "name": None if name is None else clean_text(name, field="name", label=_("组织名称"), max_length=120),
        "contact_name": None
        if contact_name is None
        else clean_text(contact_name, field="contact_name", label=_("联系人"), max_length=64, required=False),
        # A number kept from before the rules (imported, the demo's) passes when it is sent back unchanged.
        "contact_phone": None
        if contact_phone is None or contact_phone.strip() == organisation.contact_phone
        else _contact_phone(contact_phone),
    }
    changes: dict[str, list[str]] = {}
    for field, value in new.items():
        if value is not None and getattr(organisation, field) != value:
            changes[field] = [getattr(organisation, field), value]
            setattr(organisation, field, value)
    if changes:
        organisation.save(update_fields=list(changes))
        audit_record(action="organisation.updated", actor=actor, target=organisation, changes=changes)
    return organisation


@transaction.atomic
def organisation_serves_set(*, actor: Any, organisation: Organisation, places: list[Place]) -> Organisation:
    """Replace the places ``organisation`` serves. Every place added or taken away must be in the
    actor's manage scope; places outside it that stay served are left as they are."""
    _require_manage(actor, organisation.place_path, _("您没有修改“%(org)s”的权限") % {"org": organisation.name})
    organisation = _locked_organisation(organisation)
    wanted = {p.pk: p for p in places}
    if len(wanted) > SERVES_MAX:
        raise InvalidInput(_("服务范围最多 %(n)d 处") % {"n": SERVES_MAX}, field="serves")
    current = {p.pk: p for p in organisation.serves.all()}
    added = [p for pk, p in wanted.items() if pk not in current]
    removed = [p for pk, p in current.items() if pk not in wanted]
    for place in [*added, *removed]:
        if not may_manage_at(actor, place.path):
            raise Forbidden(_("“%(place)s”不在您的管理范围内,不能调整它的服务组织") % {"place": place.name})
    if not added and not removed:
        return organisation
    if removed:
        organisation.serves.remove(*removed)
    if added:
        organisation.serves.add(*added)
    audit_record(
        action="organisation.serves_set",
        actor=actor,
        target=organisation,
        added=sorted(p.pk for p in added),
        removed=sorted(p.pk for p in removed),
    )
    return organisation
