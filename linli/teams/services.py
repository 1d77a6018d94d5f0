"""Compound governance team writes: a place's own staffing standard and its posts, and team members.

Each function is one state change in one transaction with one audit event; a repeat of a done change
(the same person on the same post, a member already gone, a standard already kept) answers with what is
there and writes nothing. Who may: ``linli.teams.permissions``. The duty list is ``services_items``.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from linli.audit.services import audit_record
from linli.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from linli.core.text import clean_text, whole_number
from linli.people.models import Person
from linli.places.models import Place, PlaceKind
from linli.teams.models import CODE_MAX, DutyItem, TeamMember, TeamPost, TeamStandard
from linli.teams.permissions import may_manage_standard, require_manage
from linli.teams.selectors import STANDARD_PLACE_KINDS, active_posts, posts_in_use, standard_above, standard_for

POST_CODE = re.compile(rf"^[a-z][a-z0-9_]{{0,{CODE_MAX - 1}}}$")
FIXED_MAX = 50
PER_BUILDING_MAX = 10
SORT_MAX = 1000
NOTE_MAX = 64
REASON_MAX = 200


# ----------------------------------------------------------------------------- input


def post_code(raw: Any) -> str:
    code = (str(raw) if raw is not None else "").strip()
    if not code:
        raise InvalidInput(_("请填写岗位代码"), field="code")
    if not POST_CODE.match(code):
        raise InvalidInput(
            _("岗位代码以小写字母开头,只能含小写字母、数字和下划线,最长 %(max)d 个字符") % {"max": CODE_MAX},
            field="code",
        )
    return code


def _require_standard_manage(actor: Any, standard: TeamStandard) -> None:
    if may_manage_standard(actor, standard):
        return
    if standard.is_default:
        raise Forbidden(_("平台默认配备标准只有系统管理员可以修改"))
    place = standard.place.name if standard.place else ""
    raise Forbidden(_("您的岗位无权修改“%(place)s”的配备标准") % {"place": place})


def _require_team_manage(actor: Any, compound: Place) -> None:
    require_manage(actor, compound.path, _("您的岗位只能查看“%(place)s”的治理团队,不能调整") % {"place": compound.name})


def active_post(compound_or_place: Place, code: Any, *, field: str = "post") -> TeamPost:
    """The post ``code`` of the standard ``compound_or_place`` follows, or ``InvalidInput`` naming ``field``."""
    text = (str(code) if code is not None else "").strip()
    if not text:
        raise InvalidInput(_("请选择岗位"), field=field)
    for post in active_posts(standard_for(compound_or_place.path)):
        if post.code == text:
            return post
    raise InvalidInput(
        _("“%(post)s”不是“%(place)s”配备标准中的岗位") % {"post": text[:CODE_MAX], "place": compound_or_place.name},
        field=field,
    )


# ----------------------------------------------------------------------------- standards


@transaction.atomic
def standard_adopt(*, actor: Any, place: Place) -> tuple[TeamStandard, bool]:
    """``place`` keeps a standard of its own, starting as a copy of the one it followed (its posts, numbers
    and order). ``(standard, created)``: a place that keeps one already answers with it."""
    if place.kind not in STANDARD_PLACE_KINDS:
        raise InvalidInput(_("配备标准只能设在区、街道或社区"), field="place_id")
    require_manage(actor, place.path, _("您的岗位无权设置“%(place)s”的配备标准") % {"place": place.name})
    existing = TeamStandard.objects.filter(place_path=place.path).first()
    if existing is not None:
        return existing, False
    inherited = standard_above(place)
    try:
        with transaction.atomic():
            standard = TeamStandard.objects.create(place=place, place_path=place.path, created_by=actor)
    except IntegrityError:  # a concurrent adopt of the same place won: its standard is the answer
        return TeamStandard.objects.get(place_path=place.path), False
    posts = list(inherited.posts.order_by("sort", "id")) if inherited is not None else []
    TeamPost.objects.bulk_create(
        [
            TeamPost(
                standard=standard,
                code=p.code,
                name=p.name,
                fixed=p.fixed,
                per_building=p.per_building,
                sort=p.sort,
                active=p.active,
            )
            for p in posts
        ]
    )
    audit_record(
        action="teams.standard_adopted",
        actor=actor,
        target=standard,
        target_label=place.name,
        copied_from=inherited.pk if inherited is not None else None,
        posts=len(posts),
    )
    return standard, True


@transaction.atomic
def standard_drop(*, actor: Any, standard: TeamStandard) -> TeamStandard | None:
    """The place stops keeping a standard of its own and follows the nearest one above it again (returned).
    Refused (409, naming the posts) while a current member or a duty item under it holds a post the inherited
    standard does not have on: they would be measured against a post that is not there. The dropped posts are
    kept in the audit event; ended members on them keep their post code."""
    if standard.is_default:
        raise InvalidInput(_("平台默认配备标准不能撤销"), field="standard_id")
    _require_standard_manage(actor, standard)
    TeamStandard.objects.select_for_update().filter(pk=standard.pk).first()  # one change of a standard at a time
    standard = TeamStandard.objects.select_related("place").get(pk=standard.pk)  # (FOR UPDATE refuses the outer join)
    place = standard.place
    inherited = standard_above(place) if place is not None else None
    kept = {p.code for p in active_posts(inherited)}
    posts = list(standard.posts.order_by("sort", "id"))
    blocking = []
    for post in posts:
        if post.code in kept:
            continue
        members, items = posts_in_use(standard, post.code)
        if members or items:
            blocking.append(
                _("“%(post)s”(%(members)d 名在任成员、%(items)d 项事项)")
                % {"post": post.name, "members": members, "items": items}
            )
    if blocking:
        raise Conflict(
            _("上级标准没有这些岗位,请先调整后再撤销本级标准:%(posts)s") % {"posts": "、".join(blocking)},
            field="standard_id",
        )
    snapshot = [[p.code, p.name, p.fixed, p.per_building, p.active] for p in posts]
    audit_record(
        action="teams.standard_dropped",
        actor=actor,
        target=standard,
        target_label=place.name if place is not None else "",
        follows=inherited.pk if inherited is not None else None,
        posts=snapshot,
    )
    standard.delete()
    return inherited


@transaction.atomic
def post_save(
    *,
    actor: Any,
    standard: TeamStandard,
    code: Any,
    name: Any,
    fixed: Any,
    per_building: Any,
    sort: Any = None,
) -> tuple[TeamPost, bool]:
    """Add a post to a standard, or change one (switching it back on if it was off): ``(post, created)``.
    Saving what is already there changes nothing and records nothing."""
    _require_standard_manage(actor, standard)
    code = post_code(code)
    name = clean_text(name, field="name", label=_("岗位名称"), max_length=32)
    fixed = whole_number(fixed, field="fixed", label=_("固定人数"), low=0, high=FIXED_MAX)
    per_building = whole_number(per_building, field="per_building", label=_("每栋人数"), low=0, high=PER_BUILDING_MAX)
    TeamStandard.objects.select_for_update().filter(pk=standard.pk).first()  # one change of a standard at a time
    post = TeamPost.objects.filter(standard=standard, code=code).first()
    if sort in (None, ""):
        sort_value = post.sort if post is not None else _next_sort(standard)
    else:
        sort_value = whole_number(sort, field="sort", label=_("排序"), low=0, high=SORT_MAX)
    clash = TeamPost.objects.filter(standard=standard, name=name, active=True).exclude(code=code).first()
    if clash is not None:
        raise InvalidInput(
            _("该配备标准已有名为“%(name)s”的岗位(代码 %(code)s)") % {"name": name, "code": clash.code}, field="name"
        )
    wanted = {"name": name, "fixed": fixed, "per_building": per_building, "sort": sort_value, "active": True}
    if post is None:
        post = TeamPost.objects.create(standard=standard, code=code, **wanted)
        audit_record(action="teams.post_saved", actor=actor, target=standard, code=code, created=True, **_numbers(post))
        return post, True
    changed = [f for f, value in wanted.items() if getattr(post, f) != value]
    if changed:
        for f in changed:
            setattr(post, f, wanted[f])
        post.save(update_fields=changed)
        audit_record(
            action="teams.post_saved", actor=actor, target=standard, code=code, changed=changed, **_numbers(post)
        )
    return post, False


def _numbers(post: TeamPost) -> dict[str, Any]:
    return {"name": post.name, "fixed": post.fixed, "per_building": post.per_building}


def _next_sort(standard: TeamStandard) -> int:
    last = TeamPost.objects.filter(standard=standard).order_by("-sort").values_list("sort", flat=True).first()
    return min(SORT_MAX, (last or 0) + 10)


@transaction.atomic
def post_remove(*, actor: Any, standard: TeamStandard, code: Any) -> TeamPost:
    """Switch a post off (it stays for the records that named it). Refused while a current member holds it or
    a duty item is assigned to it where the standard applies (409 with the numbers). Repeating is harmless."""
    _require_standard_manage(actor, standard)
    TeamStandard.objects.select_for_update().filter(pk=standard.pk).first()
    post = TeamPost.objects.filter(standard=standard, code=str(code or "").strip()).first()
    if post is None:
        raise NotFound(_("该配备标准中没有这个岗位"), field="code")
    if not post.active:
        return post
    members, items = posts_in_use(standard, post.code)
    if members or items:
        raise Conflict(
            _("“%(post)s”岗位还有 %(members)d 名在任成员、%(items)d 项事项,请先调整后再撤销该岗位")
            % {"post": post.name, "members": members, "items": items},
            field="code",
        )
    post.active = False
    post.save(update_fields=["active"])
    audit_record(action="teams.post_removed", actor=actor, target=standard, code=post.code, name=post.name)
    return post


# ----------------------------------------------------------------------------- members


@transaction.atomic
def member_add(
    *,
    actor: Any,
    compound: Place,
    post: Any,
    person: Person,
    note: Any = "",
    started_on: dt.date | None = None,
) -> tuple[TeamMember, bool]:
    """Seat ``person`` on ``post`` in the compound's team: ``(member, created)``. The same person already on
    that post is the answer to a repeat (a double submit seats them once)."""
    if compound.kind != PlaceKind.COMPOUND:
        raise InvalidInput(_("治理团队按小区配备,请选择一个小区"), field="compound_id")
    _require_team_manage(actor, compound)
    code = active_post(compound, post).code
    if person.moved_out_on is not None or person.anonymised_at is not None:
        raise InvalidInput(
            _("%(name)s 已迁出或信息已匿名化,不能加入治理团队") % {"name": person.name}, field="person_id"
        )
    note_text = clean_text(note, field="note", label=_("备注"), max_length=NOTE_MAX, required=False)
    today = timezone.localdate()
    start = started_on or today
    if start > today:
        raise InvalidInput(_("任职日期不能晚于今天"), field="started_on")
    current = TeamMember.objects.filter(compound=compound, post=code, person=person, ended_on__isnull=True)
    existing = current.first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            member = TeamMember.objects.create(
                compound=compound,
                place_path=compound.path,
                post=code,
                person=person,
                note=note_text,
                started_on=start,
                created_by=actor,
            )
    except IntegrityError:  # the same seat submitted twice at once: the first one stands
        return current.get(), False
    audit_record(
        action="teams.member_added",
        actor=actor,
        target=member,
        compound=compound.pk,
        post=code,
        person=person.pk,
        started_on=start.isoformat(),
    )
    return member, True


@transaction.atomic
def member_end(*, actor: Any, member: TeamMember, ended_on: dt.date | None = None, reason: Any = "") -> TeamMember:
    """The member leaves the post (离任) on ``ended_on`` (today if none). Duty items assigned to them stay with
    the post, unassigned to anyone, in the same transaction. Ending an ended member changes nothing."""
    require_manage(actor, member.place_path, _("您的岗位只能查看该小区的治理团队,不能调整"))
    member = TeamMember.objects.select_for_update().select_related("person").get(pk=member.pk)
    if member.ended_on is not None:
        return member
    today = timezone.localdate()
    end = ended_on or today
    if end > today:
        raise InvalidInput(_("离任日期不能晚于今天"), field="ended_on")
    if end < member.started_on:
        raise InvalidInput(
            _("离任日期不能早于任职日期(%(day)s)") % {"day": member.started_on.isoformat()}, field="ended_on"
        )
    reason_text = clean_text(reason, field="reason", label=_("离任原因"), max_length=REASON_MAX, required=False)
    return _end_seat(actor=actor, member=member, end=end, end_reason=reason_text)


def _end_seat(*, actor: Any, member: TeamMember, end: dt.date, end_reason: str, **detail: Any) -> TeamMember:
    """End a locked, current seat on ``end`` and hand its duty items back to the post; audited."""
    member.end_reason = end_reason
    member.ended_on = end
    member.save(update_fields=["ended_on", "end_reason"])
    released = DutyItem.objects.filter(member=member).update(member=None, updated_at=timezone.now())
    audit_record(
        action="teams.member_ended",
        actor=actor,
        target=member,
        ended_on=end.isoformat(),
        items_released=released,
        **detail,
    )
    return member


MOVED_OUT_REASON = "迁出"


def members_end_on_move_out(*, actor: Any, person: Person, on: dt.date) -> int:
    """``person`` moved out on ``on``: they leave every team seat they hold that day (or on the seat's first day
    when the move is recorded as earlier), and their duty items go back to the post, as ``member_end`` does.

    Called inside the ledger's move-out (``people.services.person_move_out``), whose permission is the
    authority: a clerk who may record the move need not also manage the team. Returns the seats ended."""
    ended = 0
    for member in TeamMember.objects.select_for_update().filter(person=person, ended_on__isnull=True):
        end = max(on, member.started_on)
        _end_seat(actor=actor, member=member, end=end, end_reason=MOVED_OUT_REASON, reason=MOVED_OUT_REASON)
        ended += 1
    return ended
