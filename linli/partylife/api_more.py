"""Party-life API for what the pages do beyond the basics in ``api.py``: 责任区 links (list, add,
remove), membership changes, meeting rules, cancelling, photos, study materials and self-study,
the secretaries' register, 导师帮带 and 两优一先. Same scoping: party officers of the org or above."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.http import HttpRequest
from ninja import File, Form, Query, Schema
from ninja.files import UploadedFile
from ninja.responses import Status
from pydantic import Field

from linli.core.pagination import keyset_page
from linli.core.schemas import Day, ErrorOut
from linli.partylife import services as s
from linli.partylife import services_study as st
from linli.partylife.api import MeetingKindIn, router
from linli.partylife.models import CenterHouseholdDuty, Meeting, Membership
from linli.partylife.selectors import visible_duties

ERRORS = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


# ---------------------------------------------------------------- 党员中心户 责任区


class PartyDutyIn(Schema):
    center_id: int = Field(description="the 党员中心户 (a party org of kind center_household)")
    household_id: int
    member_id: int = Field(description="the branch member (person id) who looks after the household")
    since: Day


class PartyDutyOut(Schema):
    id: int
    center_id: int
    center_name: str
    household_id: int
    household: str = Field(description="building and room")
    member_id: int
    member_name: str
    since: dt.date


class PartyDutyListOut(Schema):
    items: list[PartyDutyOut]
    next: str | None


class PartyDutyFilter(Schema):
    center_id: int | None = None
    household_id: int | None = None
    member_id: int | None = None
    cursor: str | None = Field(None, description="opaque; pass back the previous page's `next`")
    limit: int = Field(50, ge=1, le=200, description="page size, 1–200")


def _duty_out(d: CenterHouseholdDuty) -> PartyDutyOut:
    return PartyDutyOut(
        id=d.pk,
        center_id=d.center_id,
        center_name=d.center.name,
        household_id=d.household_id,
        household=str(d.household),
        member_id=d.member_id,
        member_name=d.member.name,
        since=d.since,
    )


@router.get(
    "/duties",
    response={200: PartyDutyListOut, 422: ErrorOut},
    operation_id="partylife_duties_list",
    summary="党员服务责任区: which 党员中心户 and member look after which household (party officers only)",
)
def duties_list(request: HttpRequest, q: Query[PartyDutyFilter]) -> PartyDutyListOut:
    qs = visible_duties(request.user)
    for name in ("center_id", "household_id", "member_id"):
        value = getattr(q, name)
        if value is not None:
            qs = qs.filter(**{name: value})
    page = keyset_page(qs, key="id", cursor=q.cursor, limit=q.limit)
    return PartyDutyListOut(items=[_duty_out(d) for d in page.items], next=page.next)


@router.post(
    "/duties",
    response={201: PartyDutyOut, **ERRORS},
    operation_id="partylife_duties_add",
    summary="Put a household of the branch's compound in a 党员中心户's 责任区",
)
def duties_add(request: HttpRequest, body: PartyDutyIn) -> Status[PartyDutyOut]:
    duty = s.center_household_link(actor=request.user, **body.dict())
    return Status(201, _duty_out(visible_duties(request.user).get(pk=duty.pk)))


@router.delete(
    "/duties/{duty_id}",
    response={204: None, 404: ErrorOut},
    operation_id="partylife_duties_remove",
    summary="Take a household out of a 责任区",
)
def duties_remove(request: HttpRequest, duty_id: int) -> Status[None]:
    s.center_household_unlink(actor=request.user, duty_id=duty_id)
    return Status(204, None)


# ---------------------------------------------------------------- members


class PartyMembershipIn(Schema):
    person_id: int
    joined_on: Day
    status: Literal["full", "probationary"] = "full"
    employment: Literal["in_service", "retired", "other"] = "retired"
    group_id: int | None = None
    is_mobile: bool = False
    is_elderly_or_infirm: bool = False
    joined_party_on: Day | None = None
    transferred_in_from: str = Field("", max_length=120)


class PartyTransferIn(Schema):
    person_id: int
    left_on: Day
    to: str = Field(min_length=1, max_length=120)
    reason: Literal["transferred_out", "deceased", "other"] = "transferred_out"


class PartyMembershipOut(Schema):
    id: int
    branch_id: int
    person_id: int
    status: str
    employment: str
    is_mobile: bool
    is_elderly_or_infirm: bool
    joined_on: dt.date
    left_on: dt.date | None
    transferred_out_to: str


def _membership_out(m: Membership) -> PartyMembershipOut:
    return PartyMembershipOut(
        id=m.pk,
        branch_id=m.branch_id,
        person_id=m.person_id,
        status=m.status,
        employment=m.employment,
        is_mobile=m.is_mobile,
        is_elderly_or_infirm=m.is_elderly_or_infirm,
        joined_on=m.joined_on,
        left_on=m.left_on,
        transferred_out_to=m.transferred_out_to,
    )


@router.post(
    "/branches/{branch_id}/members",
    response={201: PartyMembershipOut, **ERRORS},
    operation_id="partylife_members_add",
    summary="Record a member joining or transferring into the branch",
)
def members_add(request: HttpRequest, branch_id: int, body: PartyMembershipIn) -> Status[PartyMembershipOut]:
    m = s.membership_add(actor=request.user, branch_id=branch_id, **body.dict())
    return Status(201, _membership_out(m))


@router.post(
    "/branches/{branch_id}/transfers",
    response={200: PartyMembershipOut, **ERRORS},
    operation_id="partylife_members_transfer_out",
    summary="A member leaves the branch (转出); refused for someone who is not a current member",
)
def members_transfer_out(request: HttpRequest, branch_id: int, body: PartyTransferIn) -> PartyMembershipOut:
    return _membership_out(s.membership_transfer_out(actor=request.user, branch_id=branch_id, **body.dict()))


# ---------------------------------------------------------------- meeting rules, cancel, photos


class PartyRuleIn(Schema):
    kind: MeetingKindIn
    period: Literal["month", "quarter", "half", "year"]
    times: int = Field(ge=0, le=31)


class PartyRuleOut(Schema):
    branch_id: int | None
    kind: str
    period: str
    times: int


@router.put(
    "/branches/{branch_id}/rules",
    response={200: PartyRuleOut, **ERRORS},
    operation_id="partylife_rules_set",
    summary="Set how often the branch must hold a kind of meeting (0 = not required)",
)
def rules_set(request: HttpRequest, branch_id: int, body: PartyRuleIn) -> PartyRuleOut:
    r = s.meeting_rule_set(actor=request.user, branch_id=branch_id, **body.dict())
    return PartyRuleOut(branch_id=r.branch_id, kind=r.kind, period=r.period, times=r.times)


class PartyMeetingStateOut(Schema):
    id: int
    status: str


@router.post(
    "/meetings/{meeting_id}/cancel",
    response={200: PartyMeetingStateOut, **ERRORS},
    operation_id="partylife_meetings_cancel",
)
def meetings_cancel(request: HttpRequest, meeting_id: int) -> PartyMeetingStateOut:
    m: Meeting = s.meeting_cancel(actor=request.user, meeting_id=meeting_id)
    return PartyMeetingStateOut(id=m.pk, status=m.status)


class PartyPhotoOut(Schema):
    id: int
    meeting_id: int


@router.post(
    "/meetings/{meeting_id}/photos",
    response={201: PartyPhotoOut, **ERRORS},
    operation_id="partylife_meetings_photo_add",
    summary="Attach a photo to a meeting (multipart field `photo`; JPEG, PNG or WebP, ≤ 8 MB)",
)
def meetings_photo_add(request: HttpRequest, meeting_id: int, photo: File[UploadedFile]) -> Status[PartyPhotoOut]:
    p = s.meeting_add_photo(actor=request.user, meeting_id=meeting_id, upload=photo)
    return Status(201, PartyPhotoOut(id=p.pk, meeting_id=p.meeting_id))


# ---------------------------------------------------------------- study


class PartyMaterialOut(Schema):
    id: int
    org_id: int
    title: str
    link: str
    due_date: dt.date | None


@router.post(
    "/orgs/{org_id}/study",
    response={201: PartyMaterialOut, **ERRORS},
    operation_id="partylife_study_add",
    summary="Assign a study material (text, link and/or a file) to every member under the org",
)
def study_add(
    request: HttpRequest,
    org_id: int,
    title: Form[str],
    body: Form[str] = "",
    link: Form[str] = "",
    due_date: Form[Day | None] = None,
    file: File[UploadedFile | None] = None,
) -> Status[PartyMaterialOut]:
    m = st.study_material_add(
        actor=request.user, org_id=org_id, title=title, body=body, link=link, upload=file, due_date=due_date
    )
    return Status(201, PartyMaterialOut(id=m.pk, org_id=m.org_id, title=m.title, link=m.link, due_date=m.due_date))


class PartyCompletionOut(Schema):
    id: int
    material_id: int
    person_id: int
    method: str


@router.post(
    "/study/{material_id}/completions",
    response={201: PartyCompletionOut, **ERRORS},
    operation_id="partylife_study_complete",
    summary="The calling member records their own completion of a study material",
)
def study_complete(request: HttpRequest, material_id: int) -> Status[PartyCompletionOut]:
    c = st.study_complete(actor=request.user, material_id=material_id)
    return Status(201, PartyCompletionOut(id=c.pk, material_id=c.material_id, person_id=c.person_id, method=c.method))


# ---------------------------------------------------------------- secretaries, 导师帮带, 两优一先


class PartySecretaryIn(Schema):
    branch_id: int
    person_id: int
    filed_on: Day
    term_start: Day
    term_end: Day
    qualifications: str = Field("", max_length=2000)
    in_community_committee: bool = False


class PartySecretaryOut(Schema):
    id: int
    branch_id: int
    person_id: int
    filed_on: dt.date
    filed_with_id: int
    term_start: dt.date
    term_end: dt.date


@router.post(
    "/secretaries",
    response={201: PartySecretaryOut, **ERRORS},
    operation_id="partylife_secretaries_register",
    summary="备案: file a branch secretary with the community committee above the branch",
)
def secretaries_register(request: HttpRequest, body: PartySecretaryIn) -> Status[PartySecretaryOut]:
    r = st.secretary_register(actor=request.user, **body.dict())
    return Status(
        201,
        PartySecretaryOut(
            id=r.pk,
            branch_id=r.branch_id,
            person_id=r.person_id,
            filed_on=r.filed_on,
            filed_with_id=r.filed_with_id,
            term_start=r.term_start,
            term_end=r.term_end,
        ),
    )


class PartyPairIn(Schema):
    org_id: int
    mentor_id: int
    mentee_id: int
    started_on: Day


class PartyPairOut(Schema):
    id: int
    org_id: int
    mentor_id: int
    mentee_id: int
    started_on: dt.date


@router.post(
    "/mentoring",
    response={201: PartyPairOut, **ERRORS},
    operation_id="partylife_mentoring_pair_add",
    summary="导师帮带: pair an experienced secretary with a newer one",
)
def mentoring_pair_add(request: HttpRequest, body: PartyPairIn) -> Status[PartyPairOut]:
    p = st.mentoring_pair_add(actor=request.user, **body.dict())
    return Status(
        201,
        PartyPairOut(id=p.pk, org_id=p.org_id, mentor_id=p.mentor_id, mentee_id=p.mentee_id, started_on=p.started_on),
    )


class PartySessionIn(Schema):
    held_on: Day
    topic: str = Field(min_length=1, max_length=160)
    notes: str = Field("", max_length=5000)


class PartySessionOut(Schema):
    id: int
    pair_id: int
    held_on: dt.date
    topic: str


@router.post(
    "/mentoring/{pair_id}/sessions",
    response={201: PartySessionOut, **ERRORS},
    operation_id="partylife_mentoring_session_add",
)
def mentoring_session_add(request: HttpRequest, pair_id: int, body: PartySessionIn) -> Status[PartySessionOut]:
    x = st.mentoring_session_add(actor=request.user, pair_id=pair_id, **body.dict())
    return Status(201, PartySessionOut(id=x.pk, pair_id=x.pair_id, held_on=x.held_on, topic=x.topic))


class PartyRecognitionIn(Schema):
    org_id: int
    kind: Literal["member", "worker", "org"]
    year: int = Field(ge=1921, le=2100)
    level: Literal["street", "district", "city", "province", "national"]
    person_id: int | None = Field(None, description="required for member/worker, empty for org")
    citation: str = Field("", max_length=200)


class PartyRecognitionOut(Schema):
    id: int
    org_id: int
    kind: str
    year: int
    level: str
    person_id: int | None


@router.post(
    "/recognitions",
    response={201: PartyRecognitionOut, **ERRORS},
    operation_id="partylife_recognitions_add",
    summary="两优一先: 优秀共产党员 / 优秀党务工作者 / 先进基层党组织, with year and level",
)
def recognitions_add(request: HttpRequest, body: PartyRecognitionIn) -> Status[PartyRecognitionOut]:
    r = st.recognition_add(actor=request.user, **body.dict())
    return Status(
        201,
        PartyRecognitionOut(id=r.pk, org_id=r.org_id, kind=r.kind, year=r.year, level=r.level, person_id=r.person_id),
    )
