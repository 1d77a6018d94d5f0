"""Writes for study (including 送学上门) and for secretaries: register, mentoring, recognitions."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.audit.services import audit_record
from linli.core import uploads
from linli.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from linli.core.locks import serialize_on
from linli.orgs.models import PartyOrg, PartyOrgKind
from linli.orgs.services import require_active
from linli.partylife.models import (
    Membership,
    MentoringPair,
    MentoringSession,
    Recognition,
    RecognitionKind,
    RecognitionLevel,
    SecretaryRecord,
    StudyCompletion,
    StudyMaterial,
    StudyMethod,
)
from linli.partylife.scoping import access_party_org, access_party_row, party_scope
from linli.partylife.services import officer_branch


def _member_under(org_path: str, person_id: int) -> Membership | None:
    return Membership.objects.filter(person_id=person_id, left_on__isnull=True, org_path__startswith=org_path).first()


def is_assigned(material: StudyMaterial, person_id: int) -> bool:
    chosen = list(material.assignees.values_list("pk", flat=True))
    if chosen:
        return person_id in chosen
    return _member_under(material.org_path, person_id) is not None


@transaction.atomic
def study_material_add(
    *,
    actor: Any,
    org_id: int,
    title: str,
    body: str = "",
    link: str = "",
    upload: Any = None,
    due_date: dt.date | None = None,
    assignee_ids: list[int] | None = None,
) -> StudyMaterial:
    """Assign a study material to every member under an org, or only to the members named."""
    org = require_active(access_party_org(actor, org_id), field="org_id")
    title = title.strip()
    if not title:
        raise InvalidInput(_("请填写学习资料标题"), field="title")
    if not (body.strip() or link.strip() or upload):
        raise InvalidInput(_("请填写内容、链接或上传文件"), field="body")
    if link and not link.startswith(("http://", "https://")):
        raise InvalidInput(_("链接须以 http:// 或 https:// 开头"), field="link")
    ids = sorted(set(assignee_ids or []))
    members = set(
        Membership.objects.filter(person_id__in=ids, left_on__isnull=True, org_path__startswith=org.path).values_list(
            "person_id", flat=True
        )
    )
    if len(members) != len(ids):
        raise InvalidInput(_("指定的学习对象须是该组织的在册党员"), field="assignee_ids")
    material = StudyMaterial(
        org=org,
        org_path=org.path,
        title=title[:160],
        body=body.strip(),
        link=link.strip(),
        due_date=due_date,
        created_by=actor,
    )
    if upload:  # judged by content; images re-encoded without EXIF; a random name on disk
        clean = uploads.clean_attachment(uploads.read_upload(upload, field="file"), field="file")
        material.file.save(uploads.random_name(clean.extension), ContentFile(clean.data), save=False)
    material.save()
    if ids:
        material.assignees.set(ids)
    audit_record(action="partylife.study_assigned", actor=actor, target=material, assignees=len(ids))
    return material


def _create_completion(**fields: Any) -> StudyCompletion:
    try:
        with transaction.atomic():
            return StudyCompletion.objects.create(**fields)
    except IntegrityError:
        raise Conflict(_("该党员已完成此项学习,不能重复登记"), field="person_id") from None


@transaction.atomic
def study_complete(*, actor: Any, material_id: int, method: str = StudyMethod.ONLINE) -> StudyCompletion:
    """A member marks a material they were assigned as studied."""
    person_id = getattr(actor, "person_id", None)
    material = StudyMaterial.objects.filter(pk=material_id).first()
    if material is None or not person_id or not is_assigned(material, person_id):
        raise NotFound(_("未找到该学习资料"))
    if method not in (StudyMethod.SELF, StudyMethod.ONLINE):
        raise InvalidInput(_("自行登记只能是自学或线上学习"), field="method")
    completion = _create_completion(
        material=material, person_id=person_id, method=method, completed_on=timezone.localdate(), recorded_by=actor
    )
    audit_record(action="partylife.study_completed", actor=actor, target=material, method=method)
    return completion


@transaction.atomic
def study_deliver(
    *,
    actor: Any,
    material_id: int,
    person_id: int,
    delivered_by_id: int,
    on: dt.date,
    note: str = "",
) -> StudyCompletion:
    """送学上门: another member brought the material to someone who cannot come or use a phone."""
    material: StudyMaterial = access_party_row(StudyMaterial.objects.all(), actor, material_id)
    if not is_assigned(material, person_id):
        raise InvalidInput(_("此人不在该学习资料的学习对象中"), field="person_id")
    if delivered_by_id == person_id:
        raise InvalidInput(_("送学人不能是学习者本人"), field="delivered_by_id")
    if not Membership.objects.filter(person_id=delivered_by_id, left_on__isnull=True).exists():
        raise InvalidInput(_("送学人须是在册党员"), field="delivered_by_id")
    if on > timezone.localdate():
        raise InvalidInput(_("送学日期不能晚于今天"), field="on")
    completion = _create_completion(
        material=material,
        person_id=person_id,
        method=StudyMethod.DELIVERED,
        delivered_by_id=delivered_by_id,
        note=note.strip()[:300],
        completed_on=on,
        recorded_by=actor,
    )
    audit_record(action="partylife.study_delivered", actor=actor, target=material, person=person_id)
    return completion


# ---------------------------------------------------------------- secretaries


def _filing_org(actor: Any, branch: PartyOrg) -> PartyOrg:
    parent = PartyOrg.objects.filter(path=branch.path[: -PartyOrg.steplen]).first()
    if parent is None:
        raise InvalidInput(_("该支部没有上级党组织,无法备案"), field="branch_id")
    return parent


@transaction.atomic
def secretary_register(
    *,
    actor: Any,
    branch_id: int,
    person_id: int,
    filed_on: dt.date,
    term_start: dt.date,
    term_end: dt.date,
    qualifications: str = "",
    in_community_committee: bool = False,
) -> SecretaryRecord:
    """备案: file a branch secretary with the community committee above the branch."""
    branch = officer_branch(actor, branch_id)
    if term_end <= term_start:
        raise InvalidInput(_("任期结束须晚于任期开始"), field="term_end")
    if _member_under(branch.path, person_id) is None:
        raise InvalidInput(_("支部书记须是本支部在册党员"), field="person_id")
    serialize_on("secretary", branch.pk)  # locking the overlapping rows locks nothing when there are none
    overlapping = SecretaryRecord.objects.filter(branch=branch, term_start__lt=term_end, term_end__gt=term_start)
    if overlapping.exists():
        raise Conflict(_("该支部在此任期内已有备案的书记"), field="term_start")
    record = SecretaryRecord.objects.create(
        person_id=person_id,
        branch=branch,
        org_path=branch.path,
        filed_on=filed_on,
        filed_with=_filing_org(actor, branch),
        qualifications=qualifications.strip(),
        term_start=term_start,
        term_end=term_end,
        in_community_committee=in_community_committee,
    )
    audit_record(action="partylife.secretary_filed", actor=actor, target=record)
    return record


@transaction.atomic
def mentoring_pair_add(
    *, actor: Any, org_id: int, mentor_id: int, mentee_id: int, started_on: dt.date
) -> MentoringPair:
    """导师帮带: pair an experienced secretary with a newer one, under an org the actor leads."""
    org = require_active(access_party_org(actor, org_id), field="org_id")
    if mentor_id == mentee_id:
        raise InvalidInput(_("导师与帮带对象不能是同一人"), field="mentee_id")
    for field, pid in (("mentor_id", mentor_id), ("mentee_id", mentee_id)):
        if _member_under(org.path, pid) is None:
            raise InvalidInput(_("须是该组织下的在册党员"), field=field)
    serialize_on("mentoring", mentor_id, mentee_id)
    if MentoringPair.objects.filter(mentor_id=mentor_id, mentee_id=mentee_id, ended_on__isnull=True).exists():
        raise Conflict(_("这对帮带关系已存在"), field="mentee_id")
    pair = MentoringPair.objects.create(
        mentor_id=mentor_id, mentee_id=mentee_id, org=org, org_path=org.path, started_on=started_on
    )
    audit_record(action="partylife.mentoring_paired", actor=actor, target=pair)
    return pair


@transaction.atomic
def mentoring_session_add(
    *, actor: Any, pair_id: int, held_on: dt.date, topic: str, notes: str = ""
) -> MentoringSession:
    pair: MentoringPair = access_party_row(MentoringPair.objects.all(), actor, pair_id)
    if not topic.strip():
        raise InvalidInput(_("请填写帮带主题"), field="topic")
    if held_on < pair.started_on:
        raise InvalidInput(_("帮带日期早于结对日期"), field="held_on")
    if pair.ended_on and held_on > pair.ended_on:
        raise Conflict(_("帮带关系已结束"))
    session = MentoringSession.objects.create(pair=pair, held_on=held_on, topic=topic.strip()[:160], notes=notes)
    audit_record(action="partylife.mentoring_session", actor=actor, target=pair)
    return session


@transaction.atomic
def recognition_add(
    *,
    actor: Any,
    org_id: int,
    kind: str,
    year: int,
    level: str,
    person_id: int | None = None,
    citation: str = "",
) -> Recognition:
    """两优一先: 优秀共产党员 / 优秀党务工作者 name a person; 先进基层党组织 names the org itself."""
    org = access_party_org(actor, org_id)
    if kind not in RecognitionKind.values:
        raise InvalidInput(_("表彰类别无效"), field="kind")
    if level not in RecognitionLevel.values:
        raise InvalidInput(_("表彰级别无效"), field="level")
    if not 1949 <= year <= timezone.localdate().year:
        raise InvalidInput(_("年度无效"), field="year")
    if kind == RecognitionKind.ORG:
        if person_id is not None:
            raise InvalidInput(_("先进基层党组织表彰不指定个人"), field="person_id")
        if org.kind not in (PartyOrgKind.BRANCH, PartyOrgKind.GENERAL_BRANCH, PartyOrgKind.COMMITTEE):
            raise InvalidInput(_("先进基层党组织须是党委、党总支或党支部"), field="org_id")
    elif person_id is None or _member_under(org.path, person_id) is None:
        raise InvalidInput(_("须指定该组织下的在册党员"), field="person_id")
    recognition = Recognition.objects.create(
        kind=kind, person_id=person_id, org=org, org_path=org.path, year=year, level=level, citation=citation[:200]
    )
    audit_record(action="partylife.recognised", actor=actor, target=recognition, kind=kind, year=year)
    return recognition


def require_officer(actor: Any) -> None:
    if party_scope(actor).empty:
        raise Forbidden(_("仅党组织书记、委员及上级党组织可查看党务数据"))
