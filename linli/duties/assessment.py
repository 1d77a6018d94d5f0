"""部门评议与考核参考: how the departments that serve a street did this year, in the street's own records —
seed 003's 街道党工委 "对上级部门派驻机构负责人考核考察和选拔任用征得同意权", and its
"居民诉求、街区吹哨、部门解答、社区督办".

For a street and a year, one row per department registered at the street or above it (``street_departments``):

- **吹哨报到** — the whistles the street and its communities blew to the department in the year and how it
  answered: 报到率, 按时报到率 and the 满意率 of the whistled requests (``insights.whistles``, its definitions);
- **下派事项** — the tasks the department handed down to the street in the year (by registration time) and those
  returned (退回) as not on the 准入 list (``duties.selectors.figures``; matched by the department's name as the
  task recorded it);
- **评议** — the year's ratings by street leaders and staff and by community secretaries and staff (满意 /
  基本满意 / 不满意): 评议满意率 = (满意 + 基本满意) / ratings, and the comments, unsigned.

No weights and no total: each column is a figure with its own definition, so a leader can read why a department
stands where it does. Ratings are open for the current year, and for the previous one until the end of March.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from linli.audit.services import audit_record
from linli.core.errors import Forbidden, InvalidInput, NotFound
from linli.core.identifiers import parse_id
from linli.core.scoping import active_position_places, capabilities_at, liaison_organisations
from linli.core.text import clean_text
from linli.duties.models import DepartmentRating, Rating
from linli.duties.selectors import figures as task_figures
from linli.duties.selectors import street_departments_qs
from linli.places.models import Place, PlaceKind

RATER_CAPABILITIES = frozenset({"lead", "manage"})
COMMENT_MAX = 300
LAST_MONTH_FOR_LAST_YEAR = 3  # last year's ratings stay open until the end of March
NOT_RATING = gettext_noop("只有街道和社区的领导、工作人员参加部门评议")


def open_years(today: dt.date | None = None) -> list[int]:
    day = today or timezone.localdate()
    years = [day.year]
    if day.month <= LAST_MONTH_FOR_LAST_YEAR:
        years.append(day.year - 1)
    return years


def rater_place(actor: Any, street: Place) -> Place | None:
    """Where the actor rates from: the street itself when they lead or manage there, else the first community
    under it where they do; None for anyone else (a grid worker, a district leader, a department)."""
    if not getattr(actor, "is_authenticated", False) or street.kind != PlaceKind.STREET:
        return None
    from linli.people.positions import POSITION_KINDS

    candidates: list[tuple[str, int]] = []
    for kind, path, place_id in active_position_places(actor):
        spec = POSITION_KINDS.get(kind)
        if spec is None or not spec.capabilities & RATER_CAPABILITIES or not path.startswith(street.path):
            continue
        candidates.append((path, place_id))
    if not candidates:
        return None
    path, place_id = min(candidates)  # the street before its communities
    place = Place.objects.filter(pk=place_id).first()
    if place is None or place.kind not in (PlaceKind.STREET, PlaceKind.COMMUNITY):
        return None
    return place


@transaction.atomic
def department_rate(
    *, actor: Any, street: Place, department_id: Any, year: int, rating: str, comment: str = ""
) -> DepartmentRating:
    """Record (or change) the actor's rating of one department for a year."""
    place = rater_place(actor, street)
    if place is None:
        raise Forbidden(_(NOT_RATING))
    if year not in open_years():
        raise InvalidInput(_("%(year)s 年的部门评议未开放") % {"year": year}, field="year")
    department_pk = parse_id(department_id)
    department = street_departments_qs(street).filter(pk=department_pk).first() if department_pk else None
    if department is None:
        raise InvalidInput(_("请选择为本街道服务的职能部门"), field="department_id")
    if rating not in Rating.values:
        raise InvalidInput(_("请选择满意、基本满意或不满意"), field="rating")
    text = clean_text(comment, field="comment", label=_("意见建议"), max_length=COMMENT_MAX, required=False)
    if rating == Rating.UNSATISFIED and not text:
        raise InvalidInput(_("评为不满意时请写明原因"), field="comment")
    row, created = DepartmentRating.objects.update_or_create(
        street=street,
        year=year,
        department=department,
        rater=actor,
        defaults={"rater_place": place, "rating": rating, "comment": text},
    )
    audit_record(
        action="duties.department_rated",
        actor=actor,
        target=department,
        street=street.pk,
        year=year,
        rating=rating,
        changed=not created,
    )
    return row


@dataclass(frozen=True)
class RatingEntry:
    department_id: Any
    rating: str
    comment: str = ""


@transaction.atomic
def department_rate_many(*, actor: Any, street: Place, year: int, entries: list[RatingEntry]) -> int:
    """The rating form: every department rated at once or none (the error names the department); entries
    without a rating are left as they were. Returns how many were recorded."""
    names = dict(street_departments_qs(street).values_list("pk", "name"))
    done = 0
    for entry in entries:
        if not entry.rating and not entry.comment.strip():
            continue
        try:
            department_rate(
                actor=actor,
                street=street,
                department_id=entry.department_id,
                year=year,
                rating=entry.rating,
                comment=entry.comment,
            )
        except InvalidInput as exc:
            name = names.get(parse_id(entry.department_id) or 0)
            if name is None or exc.field == "year":
                raise
            raise InvalidInput(f"{name}: {exc.message}", field=f"{exc.field}_{entry.department_id}") from None
        done += 1
    return done


# ----------------------------------------------------------------------------- the scorecard


@dataclass
class DepartmentCard:
    department_id: int
    name: str
    whistled: int = 0
    report_rate: float | None = None
    on_time_rate: float | None = None
    whistle_satisfaction: float | None = None
    tasks_registered: int = 0
    tasks_returned: int = 0
    tasks_decided: int = 0
    ratings: int = 0
    satisfied: int = 0
    basic: int = 0
    unsatisfied: int = 0
    comments: list[tuple[str, str]] = field(default_factory=list)  # (rating, text), unsigned

    @property
    def task_return_rate(self) -> float | None:
        return round(self.tasks_returned / self.tasks_decided, 4) if self.tasks_decided else None

    @property
    def rating_rate(self) -> float | None:
        """评议满意率: (满意 + 基本满意) / ratings."""
        return round((self.satisfied + self.basic) / self.ratings, 4) if self.ratings else None


@dataclass(frozen=True)
class Scorecard:
    street: Place
    year: int
    since: dt.date
    until: dt.date
    cards: list[DepartmentCard]
    raters: int  # distinct people who rated at least one department


def may_read_scorecard(user: Any, street: Place) -> bool:
    return bool(capabilities_at(user, street.path) & RATER_CAPABILITIES) and street.kind == PlaceKind.STREET


def year_window(year: int, today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    day = today or timezone.localdate()
    if not 2000 <= year <= day.year:
        raise InvalidInput(_("年份应在 2000 年到今年之间"), field="year")
    return dt.date(year, 1, 1), min(dt.date(year, 12, 31), day)


def scorecard(street: Place, year: int, *, department_ids: set[int] | None = None) -> Scorecard:
    """The year's row for each department serving the street (``department_ids``: only those, for a liaison).
    Four queries whatever the numbers: departments, whistles, tasks, ratings."""
    from linli.insights.periods import Period
    from linli.insights.whistles import whistle_report

    since, until = year_window(year)
    departments = street_departments_qs(street).order_by("name", "id")
    if department_ids is not None:
        departments = departments.filter(pk__in=sorted(department_ids))
    cards = {d.pk: DepartmentCard(department_id=d.pk, name=d.name) for d in departments}
    by_name = {card.name: card for card in cards.values()}
    for unit in whistle_report(street, Period(since, until)).units:
        card = cards.get(int(unit.key[4:])) if unit.key.startswith("org:") and unit.key[4:].isdigit() else None
        if card is not None:
            card.whistled = unit.whistled
            card.report_rate, card.on_time_rate = unit.report_rate, unit.on_time_rate
            card.whistle_satisfaction = unit.satisfaction_rate
    for row in task_figures(street, since=since, until=until).departments:
        card = by_name.get(row.department)
        if card is not None:
            card.tasks_registered = row.registered
            card.tasks_returned = row.returned
            card.tasks_decided = row.accepted + row.approved + row.returned
    ratings = DepartmentRating.objects.filter(street=street, year=year, department_id__in=list(cards))
    raters: set[int] = set()
    for department_id, rating, comment, rater_id in ratings.order_by("updated_at", "pk").values_list(
        "department_id", "rating", "comment", "rater_id"
    ):
        card = cards[department_id]
        card.ratings += 1
        setattr(card, rating, getattr(card, rating) + 1)
        if comment:
            card.comments.append((rating, comment))
        raters.add(rater_id)
    return Scorecard(street=street, year=year, since=since, until=until, cards=list(cards.values()), raters=len(raters))


def access_scorecard(user: Any, street: Place, year: int) -> Scorecard:
    """The whole card for street leaders and staff; a department's liaison sees their own department's row."""
    if may_read_scorecard(user, street):
        return scorecard(street, year)
    own = liaison_organisations(user) if getattr(user, "is_authenticated", False) else set()
    served = set(street_departments_qs(street).filter(pk__in=sorted(own)).values_list("pk", flat=True)) if own else None
    if not served:
        raise NotFound(_("未找到该街道的部门评议"))
    return scorecard(street, year, department_ids=served)


def my_ratings(user: Any, street: Place, year: int) -> dict[int, DepartmentRating]:
    return {
        r.department_id: r for r in DepartmentRating.objects.filter(street=street, year=year, rater=user).order_by()
    }
