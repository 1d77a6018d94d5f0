"""部门评议 over the API: read a street's scorecard for a year (street leaders and staff; a department's
liaison gets their own row), and record one rating (street and community leaders and staff)."""

from __future__ import annotations

from typing import Literal

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Schema
from pydantic import Field

from linli.core.errors import Forbidden, NotFound
from linli.core.schemas import ErrorOut
from linli.duties import assessment as a
from linli.duties.api import router
from linli.duties.selectors import public_street

ERRORS = {403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class AssessmentQuery(Schema):
    year: int | None = Field(None, description="default: this year")


class DepartmentCardOut(Schema):
    department_id: int
    name: str
    whistled: int = Field(description="whistles (吹哨) to the department under the street in the year")
    report_rate: float | None = Field(description="报到率, as on the 吹哨报到情况 report")
    on_time_rate: float | None = Field(description="按时报到率")
    whistle_satisfaction: float | None = Field(description="满意率 of the whistled requests that were rated")
    tasks_registered: int = Field(description="tasks the department handed down, registered in the year")
    tasks_returned: int = Field(description="of the tasks decided in the year, those returned (退回)")
    task_return_rate: float | None
    ratings: int
    satisfied: int
    basic: int
    unsatisfied: int
    rating_rate: float | None = Field(description="评议满意率 = (satisfied + basic) / ratings")
    comments: list[str] = Field(description="unsigned comments, '<rating>: <text>'")


class ScorecardOut(Schema):
    street_id: int
    year: int
    raters: int
    departments: list[DepartmentCardOut]


class RatingIn(Schema):
    year: int
    department_id: int
    rating: Literal["satisfied", "basic", "unsatisfied"]
    comment: str = Field("", max_length=300, description="required when unsatisfied")


class RatingOut(Schema):
    street_id: int
    year: int
    department_id: int
    rating: str
    comment: str
    rater_place_id: int = Field(description="the street or community the rating was given from")


@router.get(
    "/streets/{street_id}/assessment",
    response={200: ScorecardOut, **ERRORS},
    operation_id="duties_assessment_read",
    summary="部门评议与考核参考: each department serving the street in a year",
)
def assessment_read(request: HttpRequest, street_id: int, q: Query[AssessmentQuery]) -> ScorecardOut:
    street = public_street(street_id)
    card = a.access_scorecard(request.user, street, q.year or timezone.localdate().year)
    return ScorecardOut(
        street_id=street.pk,
        year=card.year,
        raters=card.raters,
        departments=[
            DepartmentCardOut(
                department_id=c.department_id,
                name=c.name,
                whistled=c.whistled,
                report_rate=c.report_rate,
                on_time_rate=c.on_time_rate,
                whistle_satisfaction=c.whistle_satisfaction,
                tasks_registered=c.tasks_registered,
                tasks_returned=c.tasks_returned,
                task_return_rate=c.task_return_rate,
                ratings=c.ratings,
                satisfied=c.satisfied,
                basic=c.basic,
                unsatisfied=c.unsatisfied,
                rating_rate=c.rating_rate,
                comments=[f"{rating}: {text}" for rating, text in c.comments],
            )
            for c in card.cards
        ],
    )


@router.put(
    "/streets/{street_id}/assessment/ratings",
    response={200: RatingOut, **ERRORS},
    operation_id="duties_assessment_rate",
    summary="Record or change the caller's rating of one department for a year (open: this year; last year "
    "until the end of March)",
)
def assessment_rate(request: HttpRequest, street_id: int, payload: RatingIn) -> RatingOut:
    street = public_street(street_id)
    if a.rater_place(request.user, street) is None:
        raise NotFound(_(a.NOT_RATING))
    try:
        row = a.department_rate(
            actor=request.user,
            street=street,
            department_id=payload.department_id,
            year=payload.year,
            rating=payload.rating,
            comment=payload.comment,
        )
    except Forbidden as exc:  # pragma: no cover - rater_place was checked above
        raise NotFound(exc.message) from None
    return RatingOut(
        street_id=street.pk,
        year=row.year,
        department_id=row.department_id,
        rating=row.rating,
        comment=row.comment,
        rater_place_id=row.rater_place_id,
    )
