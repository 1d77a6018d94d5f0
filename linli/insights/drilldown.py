"""The lists behind the dashboard's figures: the requests a request figure counts (from the facts) and the records
behind the other modules' figures, each scoped by its model's ``visible_to``, so a list's length is its figure."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext, gettext_noop

from linli.core.errors import InvalidInput
from linli.insights.models import RequestFact
from linli.insights.modules import (
    funds_granted,
    joint_decisions_done,
    meetings_held,
    orders_resolved,
    post_claims_in,
    problems_listed,
    problems_signed_off,
    reported_services,
)
from linli.insights.periods import Period, period_bounds
from linli.insights.selectors import FIGURE_LISTS, overdue_q
from linli.places.models import Place
from linli.tickets.models import Ticket


@dataclass
class RequestListFilter:
    figure: str = "received"
    category: int | None = None
    source: str = ""
    overdue: bool = False


def requests_behind(user: Any, node: Place, period: Period, f: RequestListFilter) -> QuerySet[Ticket]:
    """The requests a figure counts, as the user may see them (scoped; the dashboard's node is in
    their scope, so the count is the figure). ``overdue`` is the live list behind "overdue now"."""
    tickets = Ticket.objects.visible_to(user).filter(place_path__under=node.path)
    if f.overdue:
        return tickets.filter(overdue_q()).order_by("-id")
    if f.figure not in FIGURE_LISTS:
        raise InvalidInput(gettext("未知的统计项"), field="figure")
    facts = RequestFact.objects.filter(
        FIGURE_LISTS[f.figure][1], place_path__under=node.path, day__gte=period.since, day__lte=period.until
    )
    if f.category is not None:
        facts = facts.filter(category_root=f.category)
    if f.source:
        facts = facts.filter(source=f.source)
    return tickets.filter(pk__in=facts.values("ticket_id")).order_by("-id")


# Lists behind the other modules' figures (each scoped by its own model's ``visible_to``).
RECORD_LISTS = {
    "visits": gettext_noop("走访记录"),
    "activities": gettext_noop("志愿服务活动"),
    "volunteer_hours": gettext_noop("已确认的志愿服务时长"),
    "wishes_collected": gettext_noop("收集的微心愿"),
    "wishes_fulfilled": gettext_noop("实现的微心愿"),
    "wishes_rated": gettext_noop("心愿人评价"),
    "mediation_closed": gettext_noop("调解结案"),
    "mediation_success": gettext_noop("调解成功"),
    "meetings_held": gettext_noop("召开的议事协商会议"),
    "reported_services": gettext_noop("在职党员报到服务"),
    "joint_decisions_done": gettext_noop("联席会议落实的决定"),
    "post_claims": gettext_noop("认领的服务岗位"),
    "orders_resolved": gettext_noop("接单解决的诉求"),
    "problems_listed": gettext_noop("列入居民问题清单的问题"),
    "problems_signed_off": gettext_noop("责任销号的问题"),
    "funds_granted": gettext_noop("拨入党建经费"),
}


@dataclass
class RecordRow:
    when: Any
    title: str
    place: str
    amount: str = ""


def records_behind(user: Any, node: Place, period: Period, kind: str) -> QuerySet[Any]:
    from linli.deliberation.models import MediationCase, MediationOutcome, Meeting
    from linli.visits.models import Visit
    from linli.volunteering.models import Activity, ActivityStatus, Signup, Wish
    from linli.volunteering.selectors import wishes_collected_q, wishes_fulfilled_q, wishes_rated_q

    start, end = period_bounds(period)
    under = Q(place_path__under=node.path)
    if kind == "visits":
        return Visit.objects.visible_to(user).filter(under, visited_at__gte=start, visited_at__lt=end).order_by("-id")
    if kind == "activities":
        return (
            Activity.objects.visible_to(user)
            .filter(under, starts_at__gte=start, starts_at__lt=end)
            .exclude(status__in=[ActivityStatus.DRAFT, ActivityStatus.CANCELLED])
            .order_by("-id")
        )
    if kind == "volunteer_hours":
        return (
            Signup.objects.visible_to(user)
            .filter(under, confirmed_at__gte=start, confirmed_at__lt=end, hours__isnull=False)
            .select_related("activity", "person")
            .order_by("-id")
        )
    if kind in ("wishes_collected", "wishes_fulfilled"):
        wishes = Wish.objects.visible_to(user).filter(under)
        chosen = wishes_collected_q(start, end) if kind == "wishes_collected" else wishes_fulfilled_q(start, end)
        return wishes.filter(chosen).order_by("-id")
    if kind == "wishes_rated":
        return Wish.objects.visible_to(user).filter(under, wishes_rated_q(start, end)).order_by("-id")
    if kind in ("mediation_closed", "mediation_success"):
        cases = (
            MediationCase.objects.visible_to(user)
            .filter(under, closed_on__gte=period.since, closed_on__lte=period.until)
            .exclude(outcome=MediationOutcome.PENDING)
        )
        if kind == "mediation_success":
            cases = cases.filter(outcome=MediationOutcome.SUCCESS)
        return cases.order_by("-id")
    if kind == "meetings_held":
        return meetings_held(Meeting.objects.visible_to(user).filter(under), start, end).order_by("-id")
    if kind == "reported_services":
        signups = Signup.objects.visible_to(user).filter(under).select_related("activity", "person")
        return reported_services(signups, start, end).order_by("-id")
    return _outcomes_behind(user, node, period, kind)


def _outcomes_behind(user: Any, node: Place, period: Period, kind: str) -> QuerySet[Any]:
    """The records behind the 党建引领成效 figures, each through the scoped rows it hangs from (a decision through
    its meeting, a claim through its post, a fund entry through its fund)."""
    from linli.cobuilding.models import Fund, FundEntry
    from linli.deliberation.models import Decision, Meeting
    from linli.tickets.models import ProblemItem
    from linli.volunteering.models import PostClaim, ServicePost

    start, end = period_bounds(period)
    under = Q(place_path__under=node.path)
    if kind == "joint_decisions_done":
        decisions = Decision.objects.filter(meeting__in=Meeting.objects.visible_to(user).filter(under))
        return joint_decisions_done(decisions.select_related("meeting"), start=start, end=end).order_by("-id")
    if kind == "post_claims":
        claims = PostClaim.objects.filter(post__in=ServicePost.objects.visible_to(user).filter(under))
        return post_claims_in(claims.select_related("post"), start=start, end=end).order_by("-id")
    if kind == "orders_resolved":
        tickets = Ticket.objects.visible_to(user).select_related("claimed_by__person")
        return orders_resolved(tickets, path=node.path, start=start, end=end).order_by("-id")
    if kind in ("problems_listed", "problems_signed_off"):
        items = ProblemItem.objects.visible_to(user).filter(under)
        chosen = problems_listed if kind == "problems_listed" else problems_signed_off
        return chosen(items, start=start, end=end).order_by("-id")
    if kind == "funds_granted":
        entries = FundEntry.objects.filter(fund__in=Fund.objects.visible_to(user).filter(under))
        return funds_granted(entries.select_related("fund"), period).order_by("-id")
    raise InvalidInput(gettext("未知的统计项"), field="kind")


def record_row(kind: str, obj: Any) -> RecordRow:
    if kind == "visits":
        served = gettext("%(n)s人次") % {"n": obj.people_served}
        return RecordRow(obj.visited_at, obj.get_kind_display(), obj.place_path, served)
    if kind == "activities":
        return RecordRow(obj.starts_at, obj.title, obj.place_path)
    if kind in ("volunteer_hours", "reported_services"):
        return RecordRow(obj.confirmed_at, obj.activity.title, obj.place_path, gettext("%(n)s小时") % {"n": obj.hours})
    if kind == "wishes_rated":
        rating = obj.get_rating_display() + (f" · {obj.rating_note}" if obj.rating_note else "")
        return RecordRow(obj.confirmed_at, obj.title, obj.place_path, rating)
    if kind.startswith("wishes"):
        return RecordRow(
            obj.fulfilled_at if kind == "wishes_fulfilled" else obj.submitted_at, obj.title, obj.place_path
        )
    if kind == "meetings_held":
        return RecordRow(obj.starts_at, obj.title, obj.place_path, obj.get_kind_display())
    if kind in OUTCOME_ROWS:
        return OUTCOME_ROWS[kind](obj)
    return RecordRow(obj.closed_on, obj.title, obj.place_path, obj.get_outcome_display())


def _claimant(ticket: Ticket) -> str:
    person = getattr(ticket.claimed_by, "person", None)
    return gettext("党员接单") if person is not None and person.is_party_member else gettext("非党员接单")


OUTCOME_ROWS: dict[str, Any] = {
    "joint_decisions_done": lambda d: RecordRow(d.done_at, d.text[:80], d.meeting.place_path, d.meeting.title),
    "post_claims": lambda c: RecordRow(c.claimed_at, c.post.title, c.post.place_path, c.post.get_category_display()),
    "orders_resolved": lambda t: RecordRow(t.resolved_at, f"{t.number} {t.title}", t.place_path, _claimant(t)),
    "problems_listed": lambda p: RecordRow(p.created_at, p.title, p.place_path, p.get_status_display()),
    "problems_signed_off": lambda p: RecordRow(p.signed_off_at, p.title, p.place_path, p.sign_off_note[:40]),
    "funds_granted": lambda e: RecordRow(
        e.on_date, f"{e.fund.name} · {e.get_kind_display()}", e.fund.place_path, gettext("%(n)s元") % {"n": e.amount}
    ),
}


def place_names(paths: list[str]) -> dict[str, str]:
    return dict(Place.objects.filter(path__in=set(paths)).values_list("path", "name"))
