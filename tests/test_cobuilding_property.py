"""Red property: credit codes, contracts, committees, the annual star rating, red/black lists, the credit file."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from linli.cobuilding import selectors as sel
from linli.cobuilding import services_property as spr
from linli.cobuilding import services_rating as sr
from linli.cobuilding.models import ListEntry, PropertyContract, RatingResponse, SurveySample
from linli.core.errors import Conflict, Forbidden, InvalidInput
from linli.core.identifiers import validate_uscc
from linli.orgs.models import Organisation
from linli.people.models import Person
from tests.test_cobuilding_world import all_scores, build_world, make_uscc

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(users: dict[str, Any], places: Any) -> Any:
    return build_world(users, places)


def test_a_letter_prefixed_credit_code_that_stdnum_rejects_is_accepted_when_its_check_digit_is_right() -> None:
    code = make_uscc("Y1340100MA2N0000X")
    assert validate_uscc(code.lower()) == code
    assert validate_uscc(make_uscc("N2340100MA2N0000X")) == make_uscc("N2340100MA2N0000X")


@pytest.mark.parametrize("bad", ["", "12345", "91340100MA2N000010", "Y1340100MA2N000070", "I1340100MA2N00001X"])
def test_an_invalid_credit_code_is_refused_naming_the_field(bad: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        validate_uscc(bad)
    assert exc.value.field == "uscc"


def test_registering_a_property_company_with_a_bad_or_duplicate_code_is_refused(
    users: dict[str, Any], places: Any, world: Any
) -> None:
    before = Organisation.objects.count()
    with pytest.raises(InvalidInput, match="统一社会信用代码"):
        spr.property_company_register(actor=users["street"], home=places.communities[0], name="X", uscc="123")
    with pytest.raises(Conflict, match="已登记"):
        spr.property_company_register(
            actor=users["street"], home=places.communities[0], name="Y", uscc=world.company.uscc
        )
    assert Organisation.objects.count() == before


def test_the_database_registers_a_credit_code_once_per_kind_and_ignores_blank_codes(world: Any) -> None:
    from django.db import IntegrityError, transaction

    from linli.orgs.models import OrganisationKind

    home = world.company.home
    common = {"home": home, "place_path": home.path}
    with pytest.raises(IntegrityError), transaction.atomic():
        Organisation.objects.create(
            kind=OrganisationKind.PROPERTY_COMPANY, name="重名", uscc=world.company.uscc, **common
        )
    Organisation.objects.create(
        kind=OrganisationKind.PARTNER_UNIT, name="同码共建单位", uscc=world.company.uscc, **common
    )
    Organisation.objects.create(kind=OrganisationKind.PROPERTY_COMPANY, name="未填代码甲", uscc="", **common)
    Organisation.objects.create(kind=OrganisationKind.PROPERTY_COMPANY, name="未填代码乙", uscc="", **common)
    assert Organisation.objects.filter(uscc=world.company.uscc).count() == 2


def test_overlapping_contracts_for_one_compound_are_refused_and_adjacent_ones_accepted(
    users: dict[str, Any], world: Any
) -> None:
    args = dict(actor=users["street"], company=world.company, compound=world.compound, fee_grade="二级")
    with pytest.raises(Conflict, match="期限重叠"):
        spr.contract_create(
            **args, starts_on=dt.date(2027, 6, 1), ends_on=dt.date(2029, 5, 31), fee_per_m2="1", project_manager="李"
        )
    spr.contract_create(
        **args, starts_on=dt.date(2028, 1, 1), ends_on=dt.date(2030, 12, 31), fee_per_m2="1.5", project_manager="李"
    )
    assert PropertyContract.objects.filter(compound=world.compound).count() == 2
    with pytest.raises(InvalidInput) as exc:
        spr.contract_create(
            **args, starts_on=dt.date(2031, 2, 1), ends_on=dt.date(2031, 1, 1), fee_per_m2="1", project_manager="李"
        )
    assert exc.value.field == "ends_on"


def test_a_grid_worker_may_not_register_contracts(users: dict[str, Any], world: Any) -> None:
    with pytest.raises(Forbidden):
        spr.contract_create(
            actor=users["grid"],
            company=world.company,
            compound=world.compound,
            starts_on=dt.date(2031, 1, 1),
            ends_on=dt.date(2031, 12, 31),
            fee_grade="一级",
            fee_per_m2="1",
            project_manager="李",
        )


def test_committee_indicators_show_party_share_and_cross_appointments_against_the_target(
    users: dict[str, Any], world: Any
) -> None:
    residents = list(Person.objects.filter(place_path__startswith=world.compound.path).order_by("id")[:4])
    Person.objects.filter(pk__in=[p.pk for p in residents[:3]]).update(is_party_member=True)
    for i, person in enumerate(residents):
        spr.committee_member_add(
            actor=users["street"],
            committee=world.committee,
            person=person,
            role="chair" if i == 0 else "member",
            term_starts=dt.date(2024, 1, 1),
            term_ends=dt.date(2028, 12, 31),
            cross_residents_committee=i == 0,
            cross_branch=i < 2,
        )
    [ind] = sel.committee_indicators([world.committee])
    assert (ind.members, ind.party_members) == (4, 3)
    assert ind.party_share == Decimal("0.75") and ind.party_share_met
    assert ind.cross_share == Decimal("0.5")
    with pytest.raises(Conflict):
        spr.committee_member_add(
            actor=users["street"],
            committee=world.committee,
            person=residents[0],
            role="member",
            term_starts=dt.date(2024, 1, 1),
            term_ends=dt.date(2028, 12, 31),
        )


def test_the_cross_appointment_share_counts_each_member_once_whichever_committee_they_also_sit_on(
    users: dict[str, Any], world: Any, client_as: Any
) -> None:
    """Seed 002's 交叉任职比例: one member also on the residents' committee, another on the branch
    committee, a third on both, a fourth on neither — three of four are cross-appointed (75 %), not
    the larger of the two columns (two of four)."""
    from django.urls import reverse

    residents = list(Person.objects.filter(place_path__startswith=world.compound.path).order_by("id")[:4])
    for i, person in enumerate(residents):
        spr.committee_member_add(
            actor=users["street"],
            committee=world.committee,
            person=person,
            role="chair" if i == 0 else "member",
            term_starts=dt.date(2024, 1, 1),
            term_ends=dt.date(2028, 12, 31),
            cross_residents_committee=i in (0, 2),
            cross_branch=i in (1, 2),
        )
    [ind] = sel.committee_indicators([world.committee])
    assert (ind.members, ind.cross_residents_committee, ind.cross_branch, ind.cross_appointed) == (4, 2, 2, 3)
    assert ind.cross_share == Decimal("0.75")
    html = client_as("street").get(reverse("cobuilding:committees")).content.decode()
    assert '<td data-figure="cross_share">75%</td>' in html


def _open_rating(users: dict[str, Any], world: Any, size: int = 500) -> Any:
    return sr.rating_open(
        actor=users["street"], template=world.template, company=world.company, compound=world.compound, sample_size=size
    )


def test_the_rating_weighs_survey_branch_and_committee_into_stars(users: dict[str, Any], world: Any) -> None:
    rating = _open_rating(users, world)
    assert SurveySample.objects.filter(rating=rating, household=users["resident"].person.household).exists()
    sr.survey_answer(actor=users["resident"], rating=rating, scores=all_scores(world.template, 5))
    sr.body_answer(actor=users["street"], rating=rating, rater="branch", scores=all_scores(world.template, 4))
    sr.body_answer(actor=users["street"], rating=rating, rater="committee", scores=all_scores(world.template, 5))
    rating = sr.rating_close(actor=users["street"], rating=rating)
    # 50% × 100 + 25% × 80 + 25% × 100 = 95 → 5 stars
    assert rating.score == Decimal("95.00") and rating.stars == 5
    assert (rating.survey_score, rating.branch_score, rating.committee_score) == (
        Decimal("100.00"),
        Decimal("80.00"),
        Decimal("100.00"),
    )


def test_criterion_weights_change_a_responses_score() -> None:
    class T:
        class criteria:
            @staticmethod
            def all() -> list[Any]:
                return [
                    type("C", (), {"pk": 1, "name": "a", "weight": 70})(),
                    type("C", (), {"pk": 2, "name": "b", "weight": 30})(),
                ]

    _clean, score = sr._score(T(), {"1": 5, "2": 1})  # type: ignore[arg-type]
    assert score == Decimal("76.00")  # (0.7 × 5 + 0.3 × 1) × 20


def test_a_household_that_answers_twice_is_refused_clearly_and_counted_once(users: dict[str, Any], world: Any) -> None:
    rating = _open_rating(users, world)
    sr.survey_answer(actor=users["resident"], rating=rating, scores=all_scores(world.template, 4))
    with pytest.raises(Conflict, match="每户只能评价一次"):
        sr.survey_answer(actor=users["resident"], rating=rating, scores=all_scores(world.template, 1))
    assert RatingResponse.objects.filter(rating=rating, rater="survey").count() == 1


def test_a_household_outside_the_sample_may_not_answer(users: dict[str, Any], world: Any) -> None:
    rating = _open_rating(users, world)
    SurveySample.objects.filter(rating=rating, household=users["resident"].person.household).delete()
    with pytest.raises(Forbidden, match="抽样"):
        sr.survey_answer(actor=users["resident"], rating=rating, scores=all_scores(world.template, 4))


def test_a_missing_score_names_the_criterion_and_saves_nothing(users: dict[str, Any], world: Any) -> None:
    rating = _open_rating(users, world)
    scores = all_scores(world.template, 4)
    first = world.template.criteria.first()
    scores[str(first.pk)] = 9
    with pytest.raises(InvalidInput, match=first.name):
        sr.survey_answer(actor=users["resident"], rating=rating, scores=scores)
    assert not RatingResponse.objects.filter(rating=rating).exists()


def test_a_rating_cannot_close_before_every_weighted_rater_answered(users: dict[str, Any], world: Any) -> None:
    rating = _open_rating(users, world)
    sr.survey_answer(actor=users["resident"], rating=rating, scores=all_scores(world.template, 3))
    with pytest.raises(Conflict, match="小区党支部"):
        sr.rating_close(actor=users["street"], rating=rating)


def test_the_branch_answers_once(users: dict[str, Any], world: Any) -> None:
    rating = _open_rating(users, world)
    sr.body_answer(actor=users["street"], rating=rating, rater="branch", scores=all_scores(world.template, 4))
    with pytest.raises(Conflict, match="已经评价过"):
        sr.body_answer(actor=users["community"], rating=rating, rater="branch", scores=all_scores(world.template, 2))


def test_template_weights_must_add_up(users: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput, match="合计 100"):
        sr.template_create(
            actor=users["street"], name="x", year=2026, criteria=[("a", 100)], survey_weight=50, branch_weight=50,
            committee_weight=50,
        )  # fmt: skip
    with pytest.raises(InvalidInput, match="现为 90"):
        sr.template_create(
            actor=users["street"], name="x", year=2026, criteria=[("a", 60), ("b", 30)], survey_weight=50,
            branch_weight=25, committee_weight=25,
        )  # fmt: skip


def test_a_black_list_entry_without_reason_is_refused(users: dict[str, Any], world: Any) -> None:
    with pytest.raises(InvalidInput) as exc:
        spr.list_decide(
            actor=users["street"],
            organisation=world.company,
            kind="black",
            reason="  ",
            evidence="",
            valid_from=dt.date(2026, 1, 1),
            valid_until=dt.date(2026, 12, 31),
        )
    assert exc.value.field == "reason"
    assert not ListEntry.objects.filter(organisation=world.company).exists()


def test_a_company_cannot_be_on_both_lists_at_once_and_residents_see_the_list_of_their_compound(
    users: dict[str, Any], world: Any, places: Any
) -> None:
    today = timezone.localdate()
    entry = spr.list_decide(
        actor=users["street"],
        organisation=world.company,
        kind="red",
        reason="年度评定五星",
        evidence="评定结果表",
        valid_from=today,
        valid_until=today + dt.timedelta(days=365),
    )
    with pytest.raises(Conflict, match="红榜"):
        spr.list_decide(
            actor=users["street"],
            organisation=world.company,
            kind="black",
            reason="投诉多",
            evidence="",
            valid_from=today,
            valid_until=today + dt.timedelta(days=30),
        )
    # registered at community 0 → the resident of compound 0 (under it) sees it; other compounds' rows not
    assert list(sel.public_list(users["resident"])) == [entry]
    spr.list_revoke(actor=users["street"], entry=entry, reason="更正")
    assert list(sel.public_list(users["resident"])) == []


def test_the_credit_file_counts_requests_sent_to_the_company_with_the_shared_rate_definitions(
    users: dict[str, Any], world: Any
) -> None:
    from linli.tickets.models import Category, Ticket

    category = Category.objects.create(name="物业服务(测试)", level=1, default_unit_type="property_company")
    child = Category.objects.create(name="电梯故障", level=2, parent=category, default_unit_type="grid")
    from linli.tickets.services import ticket_submit

    made, _created = ticket_submit(
        actor=users["resident"], title="电梯停运", description="三号楼电梯停了两天",
        place_id=users["resident"].person.place_id, category_id=child.pk,
    )  # fmt: skip
    Ticket.objects.create(
        number="T-OTHER", title="x", description="x", place=users["resident"].person.place,
        place_path=users["resident"].person.place_path,
    )  # fmt: skip
    file = sel.credit_file(world.company, since=timezone.localdate() - dt.timedelta(days=2), until=timezone.localdate())
    assert file.figures.received == 1 and file.figures.valid == 1
    assert file.figures.response_rate == 0.0
    assert [c.pk for c in file.compounds] == [world.compound.pk]
    assert made.pk in set(sel.property_tickets(world.company, [world.compound.path]).values_list("pk", flat=True))


def test_the_append_only_trigger_exists_on_this_engine() -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type='trigger' AND name='cobuilding_fundentry_no_update'"
            )
        else:
            cursor.execute("SELECT tgname FROM pg_trigger WHERE tgname='cobuilding_fundentry_no_update'")
        assert cursor.fetchone() is not None
