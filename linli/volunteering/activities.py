"""Activities: create and publish to a node, sign up with capacity and waitlist, check in and out
with the activity's signed QR link inside the time window, organiser confirms, points by rule.

Sign-up and cancel lock the activity row, so two people taking the last place at the same moment
get exactly one place and one waitlist spot; a freed place goes to the first in line.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_DOWN, Decimal
from typing import Any

from django.core import signing
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.audit.services import audit_record
from linli.core.errors import Conflict, Forbidden, InvalidInput
from linli.core.identifiers import parse_id
from linli.core.lookups import ancestor_paths
from linli.core.scoping import get_or_not_found
from linli.core.text import clean_text, whole_number
from linli.places.models import Place
from linli.volunteering.common import (
    audience_q,
    may,
    person_of,
    require_staff,
    staff_place,
    staff_q,
)
from linli.volunteering.models import (
    Activity,
    ActivityStatus,
    EntryReason,
    PointKind,
    Signup,
    SignupStatus,
    Team,
    TeamServiceArea,
)
from linli.volunteering.points import points_credit
from linli.volunteering.selectors_reporting import party_rule_at

QR_SALT = "linli.volunteering.checkin"
CHECKIN_OPENS_BEFORE = dt.timedelta(minutes=30)
CHECKOUT_CLOSES_AFTER = dt.timedelta(hours=2)
HALF_HOUR = Decimal("0.5")


def visible_activities(user: Any) -> Any:
    """Published activities for where the user lives or volunteers — published there, or held for it (``serves``: a
    team serving another community's compound publishes at home and serves there) — and for staff of the served
    place; staff also see drafts under their nodes."""
    published_for = audience_q(user) | audience_q(user, "serves__path") | staff_q(user, "serves__path")
    return Activity.objects.filter((published_for & ~Q(status=ActivityStatus.DRAFT)) | staff_q(user))


SERVES_KINDS = ("community", "compound", "grid", "building")


def _served_place(actor: Any, serves_id: Any, team: Team | None) -> Place | None:
    """服务地点: a community, compound, grid or building the actor manages, or one a service area of the activity's team
    reaches (the team serves it: seed 000, 划分党员服务责任区)."""
    if not serves_id:
        return None
    place = Place.objects.filter(pk=parse_id(serves_id) or 0).first()
    if place is None or place.kind not in SERVES_KINDS:
        raise InvalidInput(_("服务地点应为社区、小区、网格或楼栋"), field="serves_id")
    team_serves = (
        team is not None
        and TeamServiceArea.objects.filter(team=team, place_path__in=ancestor_paths(place.path, Place.steplen)).exists()
    )
    if not (team_serves or may(actor, place.path, "manage")):
        raise InvalidInput(_("服务地点应在您的管辖范围内,或在活动队伍的服务区域内"), field="serves_id")
    return place


def access_activity(user: Any, activity_id: Any, *, lock: bool = False) -> Activity:
    qs = visible_activities(user)
    if lock:
        qs = Activity.objects.select_for_update().filter(pk__in=qs.values("pk"))
    return get_or_not_found(qs, activity_id)


def may_organise(user: Any, activity: Activity) -> bool:
    return bool(activity.organiser_id == getattr(user, "pk", None) or may(user, activity.place_path, "manage"))


@transaction.atomic
def activity_create(
    *,
    actor: Any,
    place_id: int,
    title: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    capacity: int,
    points_per_hour: int = 10,
    description: str = "",
    location: str = "",
    team_id: int | None = None,
    serves_id: int | None = None,
    publish: bool = False,
) -> Activity:
    place = staff_place(actor, place_id, "manage")
    if starts_at is None or ends_at is None:
        raise InvalidInput(_("请填写开始和结束时间"), field="starts_at")
    if ends_at <= starts_at:
        raise InvalidInput(_("结束时间应晚于开始时间"), field="ends_at")
    if ends_at - starts_at > dt.timedelta(hours=24):
        raise InvalidInput(_("单次活动不超过 24 小时"), field="ends_at")
    team = None
    if team_id:
        team = Team.objects.filter(pk=team_id).filter(staff_q(actor)).first()
        if team is None:
            raise InvalidInput(_("队伍无效"), field="team_id")
    serves = _served_place(actor, serves_id, team)
    activity = Activity.objects.create(
        place=place,
        place_path=place.path,
        team=team,
        serves=serves,
        title=clean_text(title, field="title", label=_("活动名称"), max_length=100),
        description=clean_text(description, field="description", label=_("活动说明"), max_length=2000, required=False),
        location=clean_text(location, field="location", label=_("集合地点"), max_length=200, required=False),
        starts_at=starts_at,
        ends_at=ends_at,
        capacity=whole_number(capacity, field="capacity", label=_("名额"), low=1, high=1000),
        points_per_hour=whole_number(points_per_hour, field="points_per_hour", label=_("每小时积分"), low=0, high=100),
        status=ActivityStatus.PUBLISHED if publish else ActivityStatus.DRAFT,
        organiser=actor,
    )
    audit_record(action="activity.create", actor=actor, target=activity, serves=serves.pk if serves else None)
    return activity


@transaction.atomic
def activity_publish(*, actor: Any, activity_id: int) -> Activity:
    activity = access_activity(actor, activity_id, lock=True)
    if not may_organise(actor, activity):
        raise Forbidden(_("只有组织者可以发布活动"))
    if activity.status != ActivityStatus.DRAFT:
        raise Conflict(_("只有草稿可以发布"))
    activity.status = ActivityStatus.PUBLISHED
    activity.save(update_fields=["status"])
    audit_record(action="activity.publish", actor=actor, target=activity)
    return activity


@transaction.atomic
def activity_sign_up(*, actor: Any, activity_id: int) -> Signup:
    """Take a place, or a place in line when the activity is full."""
    person = person_of(actor)
    activity = access_activity(actor, activity_id, lock=True)
    if activity.status != ActivityStatus.PUBLISHED:
        raise Conflict(_("该活动未在报名中"))
    if activity.ends_at <= timezone.now():
        raise Conflict(_("活动已结束"))
    signup = Signup.objects.filter(activity=activity, person=person).first()
    if signup is not None and signup.status != SignupStatus.CANCELLED:
        raise Conflict(_("您已报名该活动"))
    full = activity.signed_count >= activity.capacity
    status = SignupStatus.WAITLIST if full else SignupStatus.SIGNED
    if signup is None:
        signup = Signup.objects.create(activity=activity, person=person, place_path=activity.place_path, status=status)
    else:
        signup.status = status
        signup.signed_at = timezone.now()
        signup.save(update_fields=["status", "signed_at"])
    if not full:
        Activity.objects.filter(pk=activity.pk).update(signed_count=F("signed_count") + 1)
    return signup


@transaction.atomic
def activity_withdraw(*, actor: Any, activity_id: int) -> Signup:
    """Cancel my sign-up; a freed place goes to the first person on the waitlist."""
    person = person_of(actor)
    activity = access_activity(actor, activity_id, lock=True)
    signup = Signup.objects.filter(activity=activity, person=person).exclude(status=SignupStatus.CANCELLED).first()
    if signup is None:
        raise Conflict(_("您没有报名该活动"))
    if signup.checked_in_at is not None:
        raise Conflict(_("已签到,不能取消报名"))
    was_signed = signup.status == SignupStatus.SIGNED
    signup.status = SignupStatus.CANCELLED
    signup.save(update_fields=["status"])
    if was_signed:
        Activity.objects.filter(pk=activity.pk).update(signed_count=F("signed_count") - 1)
        _promote_next(activity)
    return signup


def _promote_next(activity: Activity) -> None:
    nxt = (
        Signup.objects.filter(activity=activity, status=SignupStatus.WAITLIST)
        .select_related("person")
        .order_by("signed_at", "id")
        .first()
    )
    if nxt is None:
        return
    nxt.status = SignupStatus.SIGNED
    nxt.save(update_fields=["status"])
    Activity.objects.filter(pk=activity.pk).update(signed_count=F("signed_count") + 1)
    transaction.on_commit(lambda: _tell_promoted(nxt, activity))


def _tell_promoted(signup: Signup, activity: Activity) -> None:
    from linli.accounts.models import User
    from linli.notify.services import notify

    notify(
        users=list(User.objects.filter(person_id=signup.person_id)),
        kind="volunteering.promoted",
        title=f"候补成功:{activity.title}",
        body="有人取消报名,您已从候补转为正式报名。",
        link=reverse("volunteering:activity", args=[activity.pk]),
    )


# QR check-in ----------------------------------------------------------------------------------


def checkin_token(activity: Activity) -> str:
    return signing.dumps({"a": activity.pk}, salt=QR_SALT, compress=True)


def checkin_path(activity: Activity) -> str:
    return reverse("volunteering:scan", args=[activity.pk, checkin_token(activity)])


def verify_token(*, activity: Activity, token: str) -> None:
    try:
        data = signing.loads(token, salt=QR_SALT)
    except signing.BadSignature:
        raise InvalidInput(_("签到二维码无效"), field="token") from None
    if not isinstance(data, dict) or data.get("a") != activity.pk:
        raise InvalidInput(_("这不是本活动的签到二维码"), field="token")


def window_open(activity: Activity, now: dt.datetime) -> bool:
    return activity.starts_at - CHECKIN_OPENS_BEFORE <= now <= activity.ends_at + CHECKOUT_CLOSES_AFTER


@transaction.atomic
def activity_scan(*, actor: Any, activity_id: int, token: str, action: str, now: dt.datetime | None = None) -> Signup:
    """Check in (``in``) or out (``out``) with the activity's QR link, inside the time window."""
    now = now or timezone.now()
    person = person_of(actor)
    activity = access_activity(actor, activity_id)
    verify_token(activity=activity, token=token)
    if action not in ("in", "out"):
        raise InvalidInput(_("签到动作无效"), field="action")
    if activity.status != ActivityStatus.PUBLISHED:
        raise Conflict(_("该活动未在进行中"))
    if not window_open(activity, now):
        raise Conflict(_("不在签到时间内:二维码已过期或活动尚未开始"))
    signup = (
        Signup.objects.select_for_update().filter(activity=activity, person=person, status=SignupStatus.SIGNED).first()
    )
    if signup is None:
        raise Conflict(_("您没有该活动的正式报名"))
    if action == "in":
        if signup.checked_in_at is not None:
            raise Conflict(_("您已签到"))
        signup.checked_in_at = now
    else:
        if signup.checked_in_at is None:
            raise Conflict(_("请先签到"))
        if signup.checked_out_at is not None:
            raise Conflict(_("您已签退"))
        signup.checked_out_at = now
    signup.save(update_fields=["checked_in_at", "checked_out_at"])
    return signup


def hours_for(activity: Activity, signup: Signup) -> Decimal:
    """Time present, inside the activity's own hours, rounded down to half hours."""
    if signup.checked_in_at is None or signup.checked_out_at is None:
        return Decimal(0)
    start = max(signup.checked_in_at, activity.starts_at)
    end = min(signup.checked_out_at, activity.ends_at)
    seconds = max(0.0, (end - start).total_seconds())
    halves = (Decimal(seconds) / Decimal(1800)).quantize(Decimal(1), rounding=ROUND_DOWN)
    return halves * HALF_HOUR


@transaction.atomic
def activity_confirm(*, actor: Any, signup_id: int) -> Signup:
    """The organiser confirms attendance: hours are fixed and points awarded by the activity's rule."""
    signup = get_or_not_found(Signup.objects.select_for_update().select_related("activity", "person"), signup_id)
    activity = signup.activity
    if not may_organise(actor, activity):
        require_staff(actor, activity.place_path, "manage")
    if signup.confirmed_at is not None:
        raise Conflict(_("已确认过"))
    if signup.checked_out_at is None:
        raise Conflict(_("尚未签到签退,不能确认"))
    hours = hours_for(activity, signup)
    signup.hours = hours
    signup.confirmed_at = timezone.now()
    signup.confirmed_by = actor
    signup.save(update_fields=["hours", "confirmed_at", "confirmed_by"])
    points = int(hours * activity.points_per_hour)
    key = f"activity:{signup.pk}"
    if points > 0:
        note = f"{activity.title} {hours} 小时"
        points_credit(
            person=signup.person,
            kind=PointKind.VOLUNTEER,
            amount=points,
            reason=EntryReason.HOURS,
            source_key=key,
            note=note,
            actor=actor,
        )
        party = party_rule_at(activity.place_path).points_per_activity if signup.person.is_party_member else 0
        if party:  # 党员积分 as the 双报到积分管理办法 in force where the activity is held says
            points_credit(
                person=signup.person,
                kind=PointKind.PARTY,
                amount=party,
                reason=EntryReason.HOURS,
                source_key=key,
                note=note,
                actor=actor,
            )
    audit_record(action="activity.confirm", actor=actor, target=signup.activity, signup=signup.pk, hours=str(hours))
    return signup
