"""The volunteering API (/api/v1/volunteering): activities, check-in, points, rewards, wishes, posts."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import FileResponse, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import File, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.responses import Status
from pydantic import Field

from linli.core import uploads
from linli.core.errors import InvalidInput, NotFound
from linli.core.pagination import keyset_page
from linli.core.schemas import Day, ErrorOut, Moment, PageQuery
from linli.places.models import Place
from linli.volunteering import activities as act
from linli.volunteering import points as pts
from linli.volunteering import wishes as w
from linli.volunteering.api_areas import router as areas_router
from linli.volunteering.api_covenants import router as covenants_router
from linli.volunteering.api_org import router as org_router
from linli.volunteering.api_reporting import router as reporting_router
from linli.volunteering.models import (
    HEART_TARGETS,
    Activity,
    PointKind,
    PostCategory,
    Signup,
    Wish,
    WishChannel,
    WishHeart,
)
from linli.volunteering.selectors import person_summary, post_category_figures, visible_posts
from linli.volunteering.services import post_claim, post_create, team_add_member

router = Router(tags=["volunteering"])
router.add_router("", org_router)  # /redemptions, /registrations, /stations (api_org.py)
router.add_router("", covenants_router)  # /covenants: 盟约 and 履约 (api_covenants.py)
router.add_router("", reporting_router)  # /party-point-rules, /reporting-assessment (api_reporting.py)
router.add_router("", areas_router)  # /teams/{id}/areas, /serving, /service-coverage (api_areas.py)
ERRORS: dict[int, Any] = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class ActivityIn(Schema):
    place_id: int
    title: str = Field(..., max_length=100)
    description: str = Field("", max_length=2000)
    location: str = Field("", max_length=200)
    team_id: int | None = Field(None, description="the volunteer team running it (one under the caller's nodes)")
    serves_id: int | None = Field(
        None, description="服务地点: a community, compound, grid or building the caller manages or the team serves"
    )
    starts_at: Moment
    ends_at: Moment
    capacity: int = Field(..., ge=1, le=1000)
    points_per_hour: int = Field(10, ge=0, le=100)
    publish: bool = False


class ActivityOut(Schema):
    id: int
    title: str
    description: str
    location: str
    place_id: int
    team_id: int | None
    serves_id: int | None
    starts_at: dt.datetime
    ends_at: dt.datetime
    capacity: int
    signed_count: int
    points_per_hour: int
    status: str


class ActivityListOut(Schema):
    items: list[ActivityOut]
    next: str | None


class SignupOut(Schema):
    id: int
    activity_id: int
    status: str
    checked_in_at: dt.datetime | None
    checked_out_at: dt.datetime | None
    hours: float | None
    confirmed_at: dt.datetime | None


class ScanIn(Schema):
    token: str = Field(..., max_length=300)
    action: Literal["in", "out"]


class EntryOut(Schema):
    id: int
    kind: str
    amount: int
    reason: str
    note: str
    at: dt.datetime


class PointsOut(Schema):
    balances: dict[str, int]
    earned: dict[str, int]
    hours: float
    entries: list[EntryOut]


class AwardIn(Schema):
    person_id: int
    kind: Literal["volunteer", "party"] = "volunteer"
    amount: int = Field(..., ge=-1000, le=1000)
    note: str = Field(..., max_length=200)
    request_key: str = Field(..., min_length=1, max_length=40)
    expires_on: Day | None = None


class AwardOut(Schema):
    applied: bool
    balance: int


class RewardOut(Schema):
    id: int
    name: str
    description: str
    cost: int
    stock: int
    kind: str


class RewardIn(Schema):
    # Lengths and bounds are checked by the service, which names the field in Chinese.
    place_id: int
    name: str = Field(..., description="1–100 characters")
    description: str = Field("", description="at most 200 characters")
    cost: int = Field(..., description="points, 1–100000")
    stock: int = Field(..., description="0–100000")
    kind: PointKind = PointKind.VOLUNTEER


class RedemptionOut(Schema):
    id: int
    reward_id: int
    cost: int
    status: str


HEART_HELP = "五心类别: " + ", ".join(f"{h.value} ({h.label}·{HEART_TARGETS[h]})" for h in WishHeart)
CHANNEL_HELP = "收集方式: " + ", ".join(f"{c.value} ({c.label})" for c in WishChannel)


class WishIn(Schema):
    title: str = Field(..., max_length=100)
    description: str = Field("", max_length=1000)
    wisher_id: int | None = None
    heart: str = Field("", description=HEART_HELP + "; empty: 未分类")
    channel: str = Field("", description=CHANNEL_HELP + "; empty: online for your own wish, other for someone else's")
    collected_at_id: int | None = Field(
        None, description="收集地点: a place under the caller's staff positions; omitted: the wisher's home"
    )


class WishOut(Schema):
    id: int
    title: str
    description: str
    status: str
    heart: str = Field(description="五心类别, or empty (未分类)")
    channel: str = Field(description="收集方式, or empty for wishes recorded before it was kept")
    collected_at_id: int | None
    place_id: int
    submitted_at: dt.datetime
    fulfilled_at: dt.datetime | None
    rating: str = Field(description="the wisher's rating on confirming (satisfied/basic/unsatisfied), or empty")


class WishListOut(Schema):
    items: list[WishOut]
    next: str | None


class WishFilter(PageQuery):
    heart: str | None = Field(None, description=HEART_HELP + "; none: 未分类")
    channel: str | None = Field(None, description=CHANNEL_HELP)


class WishActionIn(Schema):
    action: Literal["approve", "reject", "claim", "fulfil", "confirm", "classify"]
    heart: str = Field("", description="classify only: the 五心类别 (" + ", ".join(WishHeart.values) + ")")
    note: str = Field("", max_length=200, description="review note, 圆梦 note, or (confirm) the rating's reason")
    rating: Literal["", "satisfied", "basic", "unsatisfied"] = Field(
        "", description="confirm only: the wisher's rating (满意/基本满意/不满意); unsatisfied needs a note"
    )


class CountsIn(Schema):
    place_id: int
    start: Day
    end: Day


class CountsOut(Schema):
    place_id: int
    collected: int
    fulfilled: int
    rate: float


class HeartRowOut(Schema):
    key: str = Field(description="五心类别, or empty for 未分类")
    label: str
    target: str = Field(description="whom it serves (孤寡老人, 留守儿童 …)")
    collected: int
    claimed: int = Field(description="claimed (claimed_at) in the period, by a person or a unit")
    party_claimed: int = Field(description="of those, claimed by a party member")
    fulfilled: int


class HeartFiguresOut(Schema):
    place_id: int
    rows: list[HeartRowOut]


class PostCategoryRowOut(Schema):
    category: str
    label: str
    posts: int = Field(description="posts of the category the caller sees, not yet ended")
    claims: int = Field(description="claims on those posts")


class PostCategoryFiguresOut(Schema):
    rows: list[PostCategoryRowOut]
    posts: int
    claims: int


class PostIn(Schema):
    # Lengths and bounds are checked by the service, which names the field in Chinese.
    place_id: int
    category: PostCategory
    title: str = Field(..., description="1–100 characters")
    duties: str = Field(..., description="1–2000 characters")
    start_date: Day
    end_date: Day
    slots: int = Field(1, description="1–500")


class PostOut(Schema):
    id: int
    category: str
    title: str
    duties: str
    start_date: dt.date
    end_date: dt.date
    slots: int


def _activity(a: Activity) -> ActivityOut:
    return ActivityOut(
        id=a.pk, title=a.title, description=a.description, location=a.location, place_id=a.place_id,
        team_id=a.team_id, serves_id=a.serves_id, starts_at=a.starts_at, ends_at=a.ends_at, capacity=a.capacity,
        signed_count=a.signed_count,
        points_per_hour=a.points_per_hour, status=a.status,
    )  # fmt: skip


def _signup(s: Signup) -> SignupOut:
    return SignupOut(
        id=s.pk, activity_id=s.activity_id, status=s.status, checked_in_at=s.checked_in_at,
        checked_out_at=s.checked_out_at, hours=float(s.hours) if s.hours is not None else None,
        confirmed_at=s.confirmed_at,
    )  # fmt: skip


def _wish(x: Wish) -> WishOut:
    return WishOut(
        id=x.pk, title=x.title, description=x.description, status=x.status, heart=x.heart, channel=x.channel,
        collected_at_id=x.collected_at_id, place_id=x.place_id, submitted_at=x.submitted_at,
        fulfilled_at=x.fulfilled_at, rating=x.rating,
    )  # fmt: skip


@router.get("/activities", response={200: ActivityListOut, 422: ErrorOut}, operation_id="volunteering_activities_list")
def activities_list(request: HttpRequest, page: Query[PageQuery]) -> ActivityListOut:
    result = keyset_page(act.visible_activities(request.user), key="id", cursor=page.cursor, limit=page.limit)
    return ActivityListOut(items=[_activity(a) for a in result.items], next=result.next)


@router.get(
    "/activities/{activity_id}", response={200: ActivityOut, **ERRORS}, operation_id="volunteering_activity_get"
)
def activity_get(request: HttpRequest, activity_id: int) -> ActivityOut:
    return _activity(act.access_activity(request.user, activity_id))


@router.post("/activities", response={201: ActivityOut, **ERRORS}, operation_id="volunteering_activity_create")
def activity_create(request: HttpRequest, payload: ActivityIn) -> Status[ActivityOut]:
    a = act.activity_create(actor=request.user, **payload.dict())
    return Status(201, _activity(a))


@router.post(
    "/activities/{activity_id}/publish",
    response={200: ActivityOut, **ERRORS},
    operation_id="volunteering_activity_publish",
    summary="Open a draft activity for sign-up (its organisers); publishing twice is 409",
)
def activity_publish(request: HttpRequest, activity_id: int) -> ActivityOut:
    return _activity(act.activity_publish(actor=request.user, activity_id=activity_id))


@router.post(
    "/activities/{activity_id}/signup", response={201: SignupOut, **ERRORS}, operation_id="volunteering_activity_signup"
)
def activity_signup(request: HttpRequest, activity_id: int) -> Status[SignupOut]:
    return Status(201, _signup(act.activity_sign_up(actor=request.user, activity_id=activity_id)))


@router.post(
    "/activities/{activity_id}/withdraw", response={200: SignupOut, **ERRORS}, operation_id="volunteering_withdraw"
)
def activity_withdraw(request: HttpRequest, activity_id: int) -> SignupOut:
    return _signup(act.activity_withdraw(actor=request.user, activity_id=activity_id))


@router.post("/activities/{activity_id}/scan", response={200: SignupOut, **ERRORS}, operation_id="volunteering_scan")
def activity_scan(request: HttpRequest, activity_id: int, payload: ScanIn) -> SignupOut:
    s = act.activity_scan(actor=request.user, activity_id=activity_id, token=payload.token, action=payload.action)
    return _signup(s)


@router.post("/signups/{signup_id}/confirm", response={200: SignupOut, **ERRORS}, operation_id="volunteering_confirm")
def signup_confirm(request: HttpRequest, signup_id: int) -> SignupOut:
    return _signup(act.activity_confirm(actor=request.user, signup_id=signup_id))


@router.get("/points/me", response={200: PointsOut, 403: ErrorOut}, operation_id="volunteering_points_me")
def points_me(request: HttpRequest) -> PointsOut:
    from linli.volunteering.common import person_of

    s = person_summary(person_of(request.user))
    entries = [
        EntryOut(id=e.pk, kind=e.account.kind, amount=e.amount, reason=e.reason, note=e.note, at=e.at)
        for e in s.entries
    ]
    return PointsOut(balances=s.balances, earned=s.earned, hours=float(s.hours), entries=entries)


@router.post("/points/awards", response={200: AwardOut, **ERRORS}, operation_id="volunteering_points_award")
def points_award(request: HttpRequest, payload: AwardIn) -> AwardOut:
    entry = pts.points_manual_award(actor=request.user, **payload.dict())
    balance = pts.PointAccount.objects.get(person_id=payload.person_id, kind=payload.kind).balance
    return AwardOut(applied=entry is not None, balance=balance)


@router.get("/rewards", response={200: list[RewardOut]}, operation_id="volunteering_rewards_list")
def rewards_list(request: HttpRequest) -> list[RewardOut]:
    rows = pts.rewards_for(request.user).filter(active=True).order_by("cost", "id")[:200]
    return [
        RewardOut(id=r.pk, name=r.name, description=r.description, cost=r.cost, stock=r.stock, kind=r.kind)
        for r in rows
    ]


@router.post(
    "/rewards",
    response={201: RewardOut, **ERRORS},
    operation_id="volunteering_rewards_create",
    summary="Put an item in the 爱心超市 of a node the caller manages",
)
def rewards_create(request: HttpRequest, payload: RewardIn) -> Status[RewardOut]:
    r = pts.reward_create(actor=request.user, **payload.dict())
    return Status(
        201, RewardOut(id=r.pk, name=r.name, description=r.description, cost=r.cost, stock=r.stock, kind=r.kind)
    )


@router.post("/rewards/{reward_id}/redeem", response={201: RedemptionOut, **ERRORS}, operation_id="volunteering_redeem")
def reward_redeem(request: HttpRequest, reward_id: int) -> Status[RedemptionOut]:
    r = pts.reward_redeem(actor=request.user, reward_id=reward_id)
    return Status(201, RedemptionOut(id=r.pk, reward_id=r.reward_id, cost=r.cost, status=r.status))


@router.get("/wishes", response={200: WishListOut, 422: ErrorOut}, operation_id="volunteering_wishes_list")
def wishes_list(request: HttpRequest, page: Query[WishFilter]) -> WishListOut:
    qs = w.visible_wishes(request.user)
    if page.heart:
        qs = qs.filter(heart="" if page.heart == "none" else w.wish_heart(page.heart))
    if page.channel:
        if page.channel not in WishChannel.values:
            raise InvalidInput(_("收集方式无效,请从列表中选择"), field="channel")
        qs = qs.filter(channel=page.channel)
    result = keyset_page(qs, key="id", cursor=page.cursor, limit=page.limit, descending=True)
    return WishListOut(items=[_wish(x) for x in result.items], next=result.next)


@router.post(
    "/wishes",
    response={201: WishOut, **ERRORS},
    operation_id="volunteering_wish_create",
    summary="Post a wish; retries with the same Idempotency-Key return the first wish",
)
def wish_create(request: HttpRequest, payload: WishIn) -> Status[WishOut]:
    key = request.headers.get("Idempotency-Key", "")
    return Status(201, _wish(w.wish_submit(actor=request.user, idempotency_key=key, **payload.dict())))


@router.post("/wishes/{wish_id}/act", response={200: WishOut, **ERRORS}, operation_id="volunteering_wish_act")
def wish_act(request: HttpRequest, wish_id: int, payload: WishActionIn) -> WishOut:
    u, note = request.user, payload.note
    calls = {
        "approve": lambda: w.wish_review(actor=u, wish_id=wish_id, approve=True, note=note),
        "reject": lambda: w.wish_review(actor=u, wish_id=wish_id, approve=False, note=note),
        "claim": lambda: w.wish_claim(actor=u, wish_id=wish_id),
        "fulfil": lambda: w.wish_fulfil(actor=u, wish_id=wish_id, note=note),
        "confirm": lambda: w.wish_confirm(actor=u, wish_id=wish_id, rating=payload.rating, note=note),
        "classify": lambda: w.wish_classify(actor=u, wish_id=wish_id, heart=payload.heart),
    }
    return _wish(calls[payload.action]())


@router.post(
    "/wishes/{wish_id}/photo",
    response={201: WishOut, **ERRORS},
    operation_id="volunteering_wish_photo_add",
    summary="The 圆梦 photo of a fulfilled wish (multipart field `photo`): content-checked, re-encoded without"
    " EXIF/GPS; the claimant or staff, once (409 when it has one)",
)
def wish_photo_add(request: HttpRequest, wish_id: int, photo: File[UploadedFile]) -> Status[WishOut]:
    return Status(201, _wish(w.wish_photo_add(actor=request.user, wish_id=wish_id, upload=photo)))


@router.get(
    "/wishes/{wish_id}/photo",
    response={200: None, 404: ErrorOut},
    operation_id="volunteering_wish_photo_read",
    summary="The image bytes of a wish's photo (scoped like the wish)",
)
def wish_photo_read(request: HttpRequest, wish_id: int) -> FileResponse:
    photo, content_type = w.wish_photo_file(user=request.user, wish_id=wish_id)
    return uploads.serve_upload(photo, content_type=content_type)


def _staff_node(request: HttpRequest, place_id: int) -> Place:
    """A node the caller is staff of (manage, handle or lead), else "not found"."""
    from linli.volunteering.common import staff_q

    place = Place.objects.filter(staff_q(request.user, field="path"), pk=place_id).first()
    if place is None:
        raise NotFound(_("未找到,或您无权查看"))
    return place


def _day_range(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    return (
        timezone.make_aware(dt.datetime.combine(start, dt.time.min)),
        timezone.make_aware(dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min)),
    )


@router.get("/wishes/counts", response={200: CountsOut, **ERRORS}, operation_id="volunteering_wish_counts")
def wish_counts(request: HttpRequest, q: Query[CountsIn]) -> CountsOut:
    place = _staff_node(request, q.place_id)
    start, end = _day_range(q.start, q.end)
    c = w.wish_counts(user=request.user, path=place.path, start=start, end=end)
    return CountsOut(place_id=place.pk, collected=c.collected, fulfilled=c.fulfilled, rate=c.rate)


@router.get(
    "/wishes/figures",
    response={200: HeartFiguresOut, **ERRORS},
    operation_id="volunteering_wish_heart_figures",
    summary="微心愿 by 五心类别 under a node the caller is staff of, for a period: collected, claimed (by party"
    " members), fulfilled",
)
def wish_heart_figures(request: HttpRequest, q: Query[CountsIn]) -> HeartFiguresOut:
    place = _staff_node(request, q.place_id)
    start, end = _day_range(q.start, q.end)
    rows = w.wish_heart_figures(user=request.user, path=place.path, start=start, end=end)
    return HeartFiguresOut(
        place_id=place.pk,
        rows=[
            HeartRowOut(key=r.key, label=r.label, target=r.target, collected=r.collected, claimed=r.claimed,
                        party_claimed=r.party_claimed, fulfilled=r.fulfilled)
            for r in rows
        ],
    )  # fmt: skip


@router.get(
    "/posts/figures",
    response={200: PostCategoryFiguresOut},
    operation_id="volunteering_posts_figures",
    summary="服务岗位认领 by post category over the posts the caller sees that have not ended (one statement)",
)
def posts_figures(request: HttpRequest) -> PostCategoryFiguresOut:
    rows = post_category_figures(visible_posts(request.user).filter(end_date__gte=timezone.localdate()))
    return PostCategoryFiguresOut(
        rows=[PostCategoryRowOut(category=r.category, label=r.label, posts=r.posts, claims=r.claims) for r in rows],
        posts=sum(r.posts for r in rows),
        claims=sum(r.claims for r in rows),
    )


@router.get("/posts", response={200: list[PostOut]}, operation_id="volunteering_posts_list")
def posts_list(request: HttpRequest) -> list[PostOut]:
    rows = visible_posts(request.user).filter(end_date__gte=timezone.localdate()).order_by("id")[:200]
    return [
        PostOut(id=p.pk, category=p.category, title=p.title, duties=p.duties, start_date=p.start_date,
                end_date=p.end_date, slots=p.slots)
        for p in rows
    ]  # fmt: skip


@router.post(
    "/posts",
    response={201: PostOut, **ERRORS},
    operation_id="volunteering_posts_create",
    summary="Publish a service post (岗位) members can claim, at a node the caller manages",
)
def posts_create(request: HttpRequest, payload: PostIn) -> Status[PostOut]:
    p = post_create(actor=request.user, **payload.dict())
    return Status(
        201,
        PostOut(id=p.pk, category=p.category, title=p.title, duties=p.duties, start_date=p.start_date,
                end_date=p.end_date, slots=p.slots),
    )  # fmt: skip


@router.post("/posts/{post_id}/claim", response={201: None, **ERRORS}, operation_id="volunteering_post_claim")
def posts_claim(request: HttpRequest, post_id: int) -> Status[None]:
    post_claim(actor=request.user, post_id=post_id)
    return Status(201, None)


class TeamMemberIn(Schema):
    person_id: int


class TeamMemberOut(Schema):
    team_id: int
    person_id: int
    joined_at: dt.datetime


@router.post(
    "/teams/{team_id}/members",
    response={201: TeamMemberOut, **ERRORS},
    operation_id="volunteering_team_member_add",
    summary="Add a person to a volunteer team (staff with manage over the team's place)",
)
def team_member_add(request: HttpRequest, team_id: int, payload: TeamMemberIn) -> Status[TeamMemberOut]:
    member = team_add_member(actor=request.user, team_id=team_id, person_id=payload.person_id)
    return Status(201, TeamMemberOut(team_id=member.team_id, person_id=member.person_id, joined_at=member.joined_at))
