"""Co-building writes: partner profiles, the resource and need lists, matching, micro-projects.

A micro-project (民生微项目) moves proposed → approved (at a meeting) → executing → accepted
(or proposed → rejected); each step writes a ``ProjectEvent``. Accepting a project that answers a
need closes the need with the acceptance as its evidence.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.audit.services import audit_record
from linli.cobuilding.models import (
    Fund,
    Need,
    NeedSource,
    NeedStatus,
    PartnerProfile,
    Project,
    ProjectEvent,
    ProjectPhoto,
    ProjectStatus,
    Resource,
    ResourceCategory,
)
from linli.cobuilding.permissions import may, require
from linli.core import uploads
from linli.core.errors import Conflict, Forbidden, InvalidInput
from linli.core.lookups import ancestor_paths
from linli.core.text import clean_text
from linli.orgs.models import Organisation, OrganisationKind
from linli.places.models import Place, PlaceKind

PARTNER_KINDS = {
    OrganisationKind.PARTNER_UNIT,
    OrganisationKind.SOCIAL_ORG,
    OrganisationKind.PROPERTY_COMPANY,
    OrganisationKind.DEPARTMENT,
}
PROJECT_PLACE_KINDS = {PlaceKind.STREET, PlaceKind.COMMUNITY, PlaceKind.COMPOUND, PlaceKind.GRID, PlaceKind.BUILDING}
MAX_PHOTO_BYTES = 5 * 1024 * 1024
MAX_PHOTOS = 9


def _category(value: str) -> str:
    if value not in ResourceCategory.values:
        raise InvalidInput(_("请选择类别(场地、志愿服务、资金、专业技能、物资)"), field="category")
    return value


def _partner(org: Organisation) -> Organisation:
    if org.kind not in PARTNER_KINDS:
        raise InvalidInput(_("“%(org)s”不是共建单位") % {"org": org.name}, field="partner_id")
    return org


def _big_committee_community(organisation: Organisation, community_id: int | None) -> Place:
    """The community whose 大党委 the unit joins: the one it is registered in (or under); registered at the street or
    above, the one staff name, among the communities under its place."""
    home = organisation.place_path
    own = Place.objects.filter(kind=PlaceKind.COMMUNITY, path__in=ancestor_paths(home, Place.steplen)).first()
    if not community_id:
        if own is None:
            raise InvalidInput(
                _("“%(org)s”登记在街道或以上,请选择它加入哪个社区的大党委") % {"org": organisation.name},
                field="big_committee_community_id",
            )
        return own
    community = Place.objects.filter(pk=community_id, kind=PlaceKind.COMMUNITY).first()
    if community is None or not (community.path.startswith(home) or home.startswith(community.path)):
        raise InvalidInput(
            _("请选择“%(org)s”所在街道的社区;驻社区单位加入所在社区的大党委") % {"org": organisation.name},
            field="big_committee_community_id",
        )
    return community


def _check_street(organisation: Organisation) -> None:
    if len(organisation.place_path) < 2 * Place.steplen:
        raise InvalidInput(
            _("“%(org)s”登记在区级,不属于某个街道,不能加入街道大工委") % {"org": organisation.name},
            field="street_big_committee",
        )


@transaction.atomic
def partner_profile_set(
    *,
    actor: Any,
    organisation: Organisation,
    big_committee: bool,
    street_big_committee: bool,
    party_leader_name: str,
    joined_on: dt.date,
    big_committee_community_id: int | None = None,
) -> PartnerProfile:
    """Record a unit's memberships (seed 003: 街道“大工委”, 社区“大党委”) and its part-time member. A unit may sit on
    the 大工委 of the street it is registered in and/or one community's 大党委 (``_big_committee_community``).
    Staff who manage the unit's place; audited with both memberships."""
    require(actor, organisation.place_path, "manage", _("您的岗位无权维护共建单位"))
    _partner(organisation)
    if street_big_committee:
        _check_street(organisation)
    community = _big_committee_community(organisation, big_committee_community_id) if big_committee else None
    profile, _created = PartnerProfile.objects.select_for_update().get_or_create(
        organisation=organisation,
        defaults={"place_path": organisation.place_path, "joined_on": joined_on},
    )
    profile.big_committee = big_committee
    profile.big_committee_community = community
    profile.street_big_committee = street_big_committee
    profile.party_leader_name = clean_text(
        party_leader_name, field="party_leader_name", label=_("党组织负责人"), max_length=64, required=False
    )
    profile.joined_on = joined_on
    profile.save()
    audit_record(
        action="cobuilding.partner_profile_set",
        actor=actor,
        target=organisation,
        big=big_committee,
        community=community.pk if community else None,
        street_big=street_big_committee,
    )
    return profile


@transaction.atomic
def resource_add(
    *, actor: Any, partner: Organisation, place: Place, category: str, title: str, description: str = ""
) -> Resource:
    """A resource a partner offers to the places under ``place`` (资源清单)."""
    require(actor, place.path, "manage", _("您的岗位无权登记该范围的资源"))
    resource = Resource.objects.create(
        partner=_partner(partner),
        place=place,
        place_path=place.path,
        category=_category(category),
        title=clean_text(title, field="title", label=_("资源名称"), max_length=100),
        description=clean_text(description, field="description", label=_("说明"), max_length=2000, required=False),
        created_by=actor,
    )
    audit_record(action="cobuilding.resource_added", actor=actor, target=resource)
    return resource


def _locked_resource(actor: Any, resource: Resource) -> Resource:
    require(actor, resource.place_path, "manage", _("您的岗位无权维护该范围的资源"))
    return Resource.objects.select_for_update().get(pk=resource.pk)


@transaction.atomic
def resource_update(
    *,
    actor: Any,
    resource: Resource,
    title: str | None = None,
    description: str | None = None,
    category: str | None = None,
) -> Resource:
    """Correct what a resource is; ``None`` leaves a field as it is. Needs matched to it keep it."""
    resource = _locked_resource(actor, resource)
    changes: dict[str, list[str]] = {}
    new_values = {
        "title": None if title is None else clean_text(title, field="title", label=_("资源名称"), max_length=100),
        "description": None
        if description is None
        else clean_text(description, field="description", label=_("说明"), max_length=2000, required=False),
        "category": None if category is None else _category(category),
    }
    for name, value in new_values.items():
        if value is not None and getattr(resource, name) != value:
            changes[name] = [getattr(resource, name), value]
            setattr(resource, name, value)
    if changes:
        resource.save(update_fields=list(changes))
        audit_record(action="cobuilding.resource_updated", actor=actor, target=resource, changes=changes)
    return resource


@transaction.atomic
def resource_deactivate(*, actor: Any, resource: Resource, reason: str) -> Resource:
    """A resource no longer offered: no longer suggested or matched; past matches keep it."""
    resource = _locked_resource(actor, resource)
    if not resource.active:
        raise Conflict(_("该资源已停用"), field="resource_id")
    text = clean_text(reason, field="reason", label=_("停用原因"), max_length=200)
    resource.active = False
    resource.save(update_fields=["active"])
    audit_record(action="cobuilding.resource_deactivated", actor=actor, target=resource, reason=text)
    return resource


@transaction.atomic
def resource_reactivate(*, actor: Any, resource: Resource) -> Resource:
    resource = _locked_resource(actor, resource)
    if resource.active:
        raise Conflict(_("该资源正在使用中"), field="resource_id")
    resource.active = True
    resource.save(update_fields=["active"])
    audit_record(action="cobuilding.resource_reactivated", actor=actor, target=resource)
    return resource


def lives_under(actor: Any, path: str) -> bool:
    person = getattr(actor, "person", None)
    return bool(person and person.place_path.startswith(path) and person.moved_out_on is None)


@transaction.atomic
def need_raise(
    *,
    actor: Any,
    place: Place,
    category: str,
    title: str,
    description: str = "",
    source: str | None = None,
    ticket: Any = None,
) -> Need:
    """A need-list entry: residents where they live; staff (handle/manage) anywhere in scope."""
    staff = may(actor, place.path, "handle") or may(actor, place.path, "manage")
    if not staff and not lives_under(actor, place.path):
        raise Forbidden(_("只能为您居住的小区提出需求"))
    if ticket is not None and not ticket.place_path.startswith(place.path):
        raise InvalidInput(_("诉求不在该需求的范围内"), field="ticket_id")
    if source is None:
        source = NeedSource.REQUEST if ticket is not None else (NeedSource.STAFF if staff else NeedSource.RESIDENT)
    if source not in NeedSource.values or (not staff and source != NeedSource.RESIDENT):
        raise InvalidInput(_("需求来源无效"), field="source")
    need = Need.objects.create(
        place=place,
        place_path=place.path,
        category=_category(category),
        title=clean_text(title, field="title", label=_("需求标题"), max_length=100),
        description=clean_text(description, field="description", label=_("需求说明"), max_length=2000, required=False),
        source=source,
        ticket=ticket,
        raised_by=actor,
    )
    audit_record(action="cobuilding.need_raised", actor=actor, target=need, source=source)
    return need


def _lock_need(need: Need) -> Need:
    return Need.objects.select_for_update().get(pk=need.pk)


@transaction.atomic
def need_match(*, actor: Any, need: Need, resource: Resource) -> Need:
    """Assign a resource to the need; the resource must be offered to a place containing the need."""
    require(actor, need.place_path, "manage", _("您的岗位无权对接资源"))
    need = _lock_need(need)
    if need.status == NeedStatus.CLOSED:
        raise Conflict(_("需求已解决,不能再对接"))
    if not resource.active:
        raise InvalidInput(_("该资源已停用"), field="resource_id")
    if not need.place_path.startswith(resource.place_path):
        raise InvalidInput(_("该资源不覆盖需求所在范围"), field="resource_id")
    need.resource = resource
    need.status = NeedStatus.MATCHED
    need.matched_at = timezone.now()
    need.save(update_fields=["resource", "status", "matched_at"])
    audit_record(action="cobuilding.need_matched", actor=actor, target=need, resource=resource.pk)
    return need


def _close_need(need: Need, evidence: str) -> None:
    need.status = NeedStatus.CLOSED
    need.evidence = evidence
    need.closed_at = timezone.now()
    need.save(update_fields=["status", "evidence", "closed_at"])


@transaction.atomic
def need_close(*, actor: Any, need: Need, evidence: str) -> Need:
    """A need met is closed with evidence (what was done, by whom, when)."""
    require(actor, need.place_path, "manage", _("您的岗位无权关闭需求"))
    need = _lock_need(need)
    if need.status == NeedStatus.CLOSED:
        raise Conflict(_("需求已解决"))
    _close_need(need, clean_text(evidence, field="evidence", label=_("解决情况说明"), max_length=2000))
    audit_record(action="cobuilding.need_closed", actor=actor, target=need)
    return need


def _money(raw: Any, *, field: str, label: str) -> Decimal:
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        raise InvalidInput(_("%(label)s应为金额数字") % {"label": label}, field=field) from None
    if not value.is_finite() or value < 0 or value != value.quantize(Decimal("0.01")):
        raise InvalidInput(_("%(label)s应为不小于 0 的金额,最多两位小数") % {"label": label}, field=field)
    if value >= Decimal("10000000000"):
        raise InvalidInput(_("%(label)s过大") % {"label": label}, field=field)
    return value


def _event(project: Project, actor: Any, old: str, new: str, note: str = "") -> None:
    ProjectEvent.objects.create(project=project, actor=actor, from_status=old, to_status=new, note=note)


@transaction.atomic
def project_propose(
    *,
    actor: Any,
    place: Place,
    title: str,
    description: str,
    budget: Any,
    partners: list[Organisation],
    need: Need | None = None,
    fund: Fund | None = None,
) -> Project:
    require(actor, place.path, "manage", _("您的岗位无权提议微项目"))
    if place.kind not in PROJECT_PLACE_KINDS:
        raise InvalidInput(_("项目范围应为街道、社区、小区、网格或楼栋"), field="place_id")
    if need is not None:
        if not need.place_path.startswith(place.path):
            raise InvalidInput(_("所选需求不在项目范围内"), field="need_id")
        if need.status == NeedStatus.CLOSED:
            raise InvalidInput(_("所选需求已解决"), field="need_id")
    if fund is not None and not (place.path.startswith(fund.place_path) or fund.place_path.startswith(place.path)):
        raise InvalidInput(_("所选经费不属于该范围"), field="fund_id")
    project = Project.objects.create(
        place=place,
        place_path=place.path,
        title=clean_text(title, field="title", label=_("项目名称"), max_length=100),
        description=clean_text(description, field="description", label=_("项目内容"), max_length=5000, required=False),
        budget=_money(budget, field="budget", label=_("预算")),
        need=need,
        fund=fund,
        proposed_by=actor,
    )
    project.partners.set([_partner(p) for p in partners])
    _event(project, actor, "", ProjectStatus.PROPOSED)
    audit_record(action="cobuilding.project_proposed", actor=actor, target=project)
    return project


def _lock_project(project: Project, *, allowed: set[str], message: str) -> Project:
    locked = Project.objects.select_for_update().get(pk=project.pk)
    if locked.status not in allowed:
        raise Conflict(message)
    return locked


@transaction.atomic
def project_approve(*, actor: Any, project: Project, meeting: Any, note: str = "") -> Project:
    """Approved at a meeting (议事会/联席会议 of ``linli.deliberation``) whose scope covers the project."""
    require(actor, project.place_path, "manage", _("您的岗位无权审批微项目"))
    project = _lock_project(project, allowed={ProjectStatus.PROPOSED}, message=_("只有已提议的项目可以审批"))
    if meeting is None:
        raise InvalidInput(_("请选择通过该项目的会议"), field="meeting_id")
    if not (project.place_path.startswith(meeting.place_path) or meeting.place_path.startswith(project.place_path)):
        raise InvalidInput(_("所选会议与项目范围无关"), field="meeting_id")
    project.meeting = meeting
    project.status = ProjectStatus.APPROVED
    project.save(update_fields=["meeting", "status"])
    text = clean_text(note, field="note", label=_("审批意见"), max_length=2000, required=False)
    _event(project, actor, ProjectStatus.PROPOSED, ProjectStatus.APPROVED, f"{meeting.title} {text}".strip())
    audit_record(action="cobuilding.project_approved", actor=actor, target=project, meeting=meeting.pk)
    return project


@transaction.atomic
def project_reject(*, actor: Any, project: Project, note: str) -> Project:
    require(actor, project.place_path, "manage", _("您的岗位无权审批微项目"))
    project = _lock_project(project, allowed={ProjectStatus.PROPOSED}, message=_("只有已提议的项目可以否决"))
    text = clean_text(note, field="note", label=_("否决理由"), max_length=2000)
    project.status = ProjectStatus.REJECTED
    project.save(update_fields=["status"])
    _event(project, actor, ProjectStatus.PROPOSED, ProjectStatus.REJECTED, text)
    audit_record(action="cobuilding.project_rejected", actor=actor, target=project)
    return project


@transaction.atomic
def project_start(*, actor: Any, project: Project, note: str = "") -> Project:
    require(actor, project.place_path, "manage", _("您的岗位无权推进微项目"))
    project = _lock_project(project, allowed={ProjectStatus.APPROVED}, message=_("项目须先经会议通过才能实施"))
    project.status = ProjectStatus.EXECUTING
    project.save(update_fields=["status"])
    _event(project, actor, ProjectStatus.APPROVED, ProjectStatus.EXECUTING, note[:2000])
    audit_record(action="cobuilding.project_started", actor=actor, target=project)
    return project


@transaction.atomic
def project_progress(*, actor: Any, project: Project, note: str) -> Project:
    """A progress report while the project is carried out (进展): one event, the status unchanged."""
    require(actor, project.place_path, "manage", _("您的岗位无权推进微项目"))
    project = _lock_project(project, allowed={ProjectStatus.EXECUTING}, message=_("只有实施中的项目可以登记进展"))
    text = clean_text(note, field="note", label=_("进展情况"), max_length=2000)
    _event(project, actor, ProjectStatus.EXECUTING, ProjectStatus.EXECUTING, text)
    audit_record(action="cobuilding.project_progress", actor=actor, target=project)
    return project


@transaction.atomic
def project_accept(
    *, actor: Any, project: Project, note: str, beneficiaries: int, beneficiaries_note: str = ""
) -> Project:
    """Acceptance 验收: the result, who benefited; a need the project answers is closed by it."""
    require(actor, project.place_path, "manage", _("您的岗位无权验收微项目"))
    project = _lock_project(project, allowed={ProjectStatus.EXECUTING}, message=_("只有实施中的项目可以验收"))
    text = clean_text(note, field="note", label=_("验收意见"), max_length=2000)
    if not 0 <= beneficiaries <= 10_000_000:
        raise InvalidInput(_("受益人数无效"), field="beneficiaries")
    project.status = ProjectStatus.ACCEPTED
    project.acceptance_note = text
    project.beneficiaries = beneficiaries
    project.beneficiaries_note = clean_text(
        beneficiaries_note, field="beneficiaries_note", label=_("受益对象"), max_length=200, required=False
    )
    project.accepted_at = timezone.now()
    project.save(update_fields=["status", "acceptance_note", "beneficiaries", "beneficiaries_note", "accepted_at"])
    _event(project, actor, ProjectStatus.EXECUTING, ProjectStatus.ACCEPTED, text)
    if project.need_id is not None:
        need = _lock_need(project.need)  # type: ignore[arg-type]
        if need.status != NeedStatus.CLOSED:
            _close_need(need, f"微项目“{project.title}”已验收:{text}")
    audit_record(action="cobuilding.project_accepted", actor=actor, target=project)
    return project


def project_photo_add(*, actor: Any, project: Project, upload: Any) -> ProjectPhoto:
    """A photo judged by its content (not its name or declared type), at most 5 MB, re-encoded
    without EXIF (GPS) and stored under a random name (``linli.core.uploads``)."""
    require(actor, project.place_path, "manage", _("您的岗位无权上传项目照片"))
    clean = uploads.clean_image(
        uploads.read_upload(upload, field="photo", limit=min(MAX_PHOTO_BYTES, settings.UPLOAD_MAX_BYTES)),
        field="photo",
    )
    with transaction.atomic():
        project = _lock_project(
            project,
            allowed={ProjectStatus.APPROVED, ProjectStatus.EXECUTING, ProjectStatus.ACCEPTED},
            message=_("项目通过后才能上传照片"),
        )
        if project.photos.count() >= MAX_PHOTOS:
            raise InvalidInput(_("每个项目最多 %(max)d 张照片") % {"max": MAX_PHOTOS}, field="photo")
        photo = ProjectPhoto(project=project, width=clean.width, height=clean.height, uploaded_by=actor)
        photo.image.save(uploads.random_name(clean.extension), ContentFile(clean.data), save=False)
        photo.save()
        audit_record(action="cobuilding.project_photo", actor=actor, target=project)
    return photo
