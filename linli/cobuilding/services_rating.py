"""The annual star rating 红色物业星级评定 (seed 002: the result decides re-hiring and the red/black list).

Each rater scores every criterion 1–5; a response's score is the criterion-weighted mean × 20
(so 20–100). A rater's score is the mean of its responses; the rating's score is the rater-weighted
sum; stars follow ``STAR_THRESHOLDS``. Residents answer through a link, one answer per sampled
household (unique constraint); the branch and the owners' committee answer once each.
"""

from __future__ import annotations

import datetime as dt
import secrets
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from linli.audit.services import audit_record
from linli.cobuilding.models import (
    RaterKind,
    Rating,
    RatingCriterion,
    RatingResponse,
    RatingStatus,
    RatingTemplate,
    SurveySample,
)
from linli.cobuilding.permissions import may, require
from linli.core.errors import Conflict, Forbidden, InvalidInput
from linli.core.scoping import scope_for
from linli.core.text import clean_text
from linli.orgs.models import Organisation, OrganisationKind
from linli.places.models import Household, Place, PlaceKind

STAR_THRESHOLDS = [(Decimal(90), 5), (Decimal(80), 4), (Decimal(70), 3), (Decimal(60), 2)]
MAX_SAMPLE = 500
CENT = Decimal("0.01")


def stars_for(score: Decimal) -> int:
    for threshold, stars in STAR_THRESHOLDS:
        if score >= threshold:
            return stars
    return 1


@transaction.atomic
def template_create(
    *,
    actor: Any,
    name: str,
    year: int,
    criteria: list[tuple[str, int]],
    survey_weight: int,
    branch_weight: int,
    committee_weight: int,
) -> RatingTemplate:
    """Templates are street-wide: whoever manages a street (or above) defines them."""
    scope = scope_for(actor, "manage")
    if not scope.everything and not any(len(p) <= Place.steplen * 2 for p in scope.paths):
        raise Forbidden(gettext("评价模板由街道统一制定"))
    if not 2000 <= year <= 2100:
        raise InvalidInput(gettext("年度无效"), field="year")
    weights = (survey_weight, branch_weight, committee_weight)
    if any(w < 0 or w > 100 for w in weights) or sum(weights) != 100:
        raise InvalidInput(gettext("居民调查、支部、业委会三方权重应在 0–100 之间且合计 100"), field="survey_weight")
    cleaned: list[tuple[str, int]] = []
    for index, (label, weight) in enumerate(criteria, start=1):
        label = (label or "").strip()
        if not label:
            continue
        if len(label) > 100:
            raise InvalidInput(gettext("第 %(index)d 项指标名称超过 100 字") % {"index": index}, field="criteria")
        if not 1 <= int(weight) <= 100:
            raise InvalidInput(
                gettext("第 %(index)d 项指标“%(criterion)s”的权重应在 1–100 之间")
                % {"index": index, "criterion": label},
                field="criteria",
            )
        cleaned.append((label, int(weight)))
    if not cleaned:
        raise InvalidInput(gettext("至少需要一项评价指标"), field="criteria")
    if sum(w for _, w in cleaned) != 100:
        raise InvalidInput(
            gettext("各项指标权重合计应为 100,现为 %(total)s") % {"total": sum(w for _, w in cleaned)},
            field="criteria",
        )
    template = RatingTemplate.objects.create(
        name=clean_text(name, field="name", label=gettext("模板名称"), max_length=100),
        year=year,
        survey_weight=survey_weight,
        branch_weight=branch_weight,
        committee_weight=committee_weight,
        created_by=actor,
    )
    RatingCriterion.objects.bulk_create(
        RatingCriterion(template=template, name=label, weight=weight, position=i)
        for i, (label, weight) in enumerate(cleaned)
    )
    audit_record(action="cobuilding.template_created", actor=actor, target=template)
    return template


@transaction.atomic
def rating_open(
    *, actor: Any, template: RatingTemplate, company: Organisation, compound: Place, sample_size: int
) -> Rating:
    """Open the year's rating of a company at a compound and draw the household sample at random."""
    require(actor, compound.path, "manage", gettext("您的岗位无权组织物业星级评定"))
    if company.kind != OrganisationKind.PROPERTY_COMPANY:
        raise InvalidInput(gettext("“%(company)s”不是物业服务企业") % {"company": company.name}, field="company_id")
    if compound.kind != PlaceKind.COMPOUND:
        raise InvalidInput(gettext("评定须针对一个小区"), field="compound_id")
    if not 1 <= sample_size <= MAX_SAMPLE:
        raise InvalidInput(gettext("抽样户数应在 1–%(max)d 之间") % {"max": MAX_SAMPLE}, field="sample_size")
    if Rating.objects.filter(company=company, compound=compound, year=template.year).exists():
        raise Conflict(
            gettext("%(company)s 在 %(compound)s 的 %(year)d 年度评定已存在")
            % {"company": company.name, "compound": compound.name, "year": template.year},
            field="company_id",
        )
    households = list(Household.objects.filter(place_path__under=compound.path).values_list("pk", flat=True))
    if not households:
        raise InvalidInput(gettext("该小区台账中没有住户,无法抽样"), field="compound_id")
    chosen = secrets.SystemRandom().sample(households, min(sample_size, len(households)))
    try:
        with transaction.atomic():
            rating = Rating.objects.create(
                template=template,
                company=company,
                compound=compound,
                place_path=compound.path,
                year=template.year,
                token=secrets.token_urlsafe(18)[:24],
                opened_by=actor,
            )
    except IntegrityError:
        raise Conflict(gettext("该年度评定已存在"), field="company_id") from None
    SurveySample.objects.bulk_create(SurveySample(rating=rating, household_id=pk) for pk in chosen)
    audit_record(action="cobuilding.rating_opened", actor=actor, target=rating, sample=len(chosen))
    return rating


def _score(template: RatingTemplate, scores: dict[str, Any]) -> tuple[dict[str, int], Decimal]:
    criteria = list(template.criteria.all())
    clean: dict[str, int] = {}
    for c in criteria:
        raw = scores.get(str(c.pk))
        try:
            value = int(raw)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise InvalidInput(
                gettext("请为“%(criterion)s”打分(1–5 星)") % {"criterion": c.name}, field=f"c{c.pk}"
            ) from None
        if not 1 <= value <= 5:
            raise InvalidInput(gettext("“%(criterion)s”的评分应为 1–5 星") % {"criterion": c.name}, field=f"c{c.pk}")
        clean[str(c.pk)] = value
    total_weight = sum(c.weight for c in criteria) or 1
    weighted = sum(Decimal(c.weight * clean[str(c.pk)]) for c in criteria) / Decimal(total_weight)
    return clean, (weighted * 20).quantize(CENT, ROUND_HALF_UP)


def _lock_open(rating: Rating) -> Rating:
    rating = Rating.objects.select_for_update().select_related("template").get(pk=rating.pk)
    if rating.status != RatingStatus.OPEN:
        raise Conflict(gettext("本次评定已结束,不再接受评分"))
    return rating


def survey_answer(*, actor: Any, rating: Rating, scores: dict[str, Any], comment: str = "") -> RatingResponse:
    """A resident of a sampled household answers; the household answers once (unique constraint)."""
    person = getattr(actor, "person", None)
    household_id = getattr(person, "household_id", None)
    if person is None or household_id is None or person.moved_out_on is not None:
        raise Forbidden(gettext("只有台账中登记了住户的本小区居民可以参与调查"))
    with transaction.atomic():
        rating = _lock_open(rating)
        if not SurveySample.objects.filter(rating=rating, household_id=household_id).exists():
            raise Forbidden(gettext("您家不在本次抽样调查的住户中"))
        if RatingResponse.objects.filter(rating=rating, household_id=household_id).exists():
            raise Conflict(gettext("您家已经提交过本次评价,每户只能评价一次"))
        clean, score = _score(rating.template, scores)
        try:
            with transaction.atomic():
                response = RatingResponse.objects.create(
                    rating=rating,
                    rater=RaterKind.SURVEY,
                    household_id=household_id,
                    scores=clean,
                    score=score,
                    comment=clean_text(comment, field="comment", label=gettext("意见"), max_length=500, required=False),
                    submitted_by=actor,
                )
        except IntegrityError:
            raise Conflict(gettext("您家已经提交过本次评价,每户只能评价一次")) from None
        audit_record(action="cobuilding.survey_answered", actor=actor, target=rating)
    return response


def body_answer(*, actor: Any, rating: Rating, rater: str, scores: dict[str, Any], comment: str = "") -> RatingResponse:
    """The branch's or the owners' committee's evaluation, entered by staff of the compound."""
    if rater not in (RaterKind.BRANCH, RaterKind.COMMITTEE):
        raise InvalidInput(gettext("评价方应为小区党支部或业委会"), field="rater")
    with transaction.atomic():
        rating = _lock_open(rating)
        if not (may(actor, rating.place_path, "handle") or may(actor, rating.place_path, "manage")):
            raise Forbidden(gettext("您的岗位无权录入评价"))
        label = RaterKind(rater).label
        if RatingResponse.objects.filter(rating=rating, rater=rater).exists():
            raise Conflict(gettext("%(rater)s已经评价过,不能重复提交") % {"rater": label}, field="rater")
        clean, score = _score(rating.template, scores)
        try:
            with transaction.atomic():
                response = RatingResponse.objects.create(
                    rating=rating,
                    rater=rater,
                    scores=clean,
                    score=score,
                    comment=clean_text(comment, field="comment", label=gettext("意见"), max_length=500, required=False),
                    submitted_by=actor,
                )
        except IntegrityError:
            raise Conflict(gettext("%(rater)s已经评价过,不能重复提交") % {"rater": label}, field="rater") from None
        audit_record(action="cobuilding.body_answered", actor=actor, target=rating, rater=rater)
    return response


def rater_means(rating: Rating) -> dict[str, Decimal | None]:
    means: dict[str, Decimal | None] = {}
    for kind in RaterKind.values:
        scores = [r.score for r in rating.responses.all() if r.rater == kind]
        means[kind] = (sum(scores, Decimal(0)) / len(scores)).quantize(CENT, ROUND_HALF_UP) if scores else None
    return means


@transaction.atomic
def rating_close(*, actor: Any, rating: Rating) -> Rating:
    """Compute the result: every rater with a weight must have answered."""
    rating = _lock_open(rating)
    require(actor, rating.place_path, "manage", gettext("您的岗位无权确定评定结果"))
    template = rating.template
    weights = {
        RaterKind.SURVEY: template.survey_weight,
        RaterKind.BRANCH: template.branch_weight,
        RaterKind.COMMITTEE: template.committee_weight,
    }
    means = rater_means(rating)
    missing = [str(RaterKind(k).label) for k, w in weights.items() if w and means[k] is None]
    if missing:
        raise Conflict(gettext("还缺少评价:%(missing)s") % {"missing": gettext("、").join(missing)})
    total = sum((Decimal(w) * (means[k] or Decimal(0)) for k, w in weights.items()), Decimal(0)) / Decimal(100)
    rating.survey_score = means[RaterKind.SURVEY]
    rating.branch_score = means[RaterKind.BRANCH]
    rating.committee_score = means[RaterKind.COMMITTEE]
    rating.score = total.quantize(CENT, ROUND_HALF_UP)
    rating.stars = stars_for(rating.score)
    rating.status = RatingStatus.CLOSED
    rating.closed_at = timezone.now()
    rating.save(
        update_fields=["survey_score", "branch_score", "committee_score", "score", "stars", "status", "closed_at"]
    )
    audit_record(action="cobuilding.rating_closed", actor=actor, target=rating, stars=rating.stars)
    return rating


def default_validity(rating: Rating) -> tuple[dt.date, dt.date]:
    """A list decision from a rating holds for the following year."""
    today = timezone.localdate()
    return today, dt.date(rating.year + 1, 12, 31) if rating.year + 1 >= today.year else dt.date(today.year, 12, 31)
