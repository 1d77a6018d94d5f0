"""IDOR sweep (issue 13, "think like an attacker with a grid-worker account"): every GET operation of
/api/v1/ that takes an integer id is tried by the grid worker with the id of a real object in another
community, and must answer exactly as it does for an id that does not exist.

``tests/test_security_attacks.py`` covers places, households, people, party orgs and requests by hand;
this file covers every object type the API exposes by id, and its meta-test fails when a new
GET-with-id operation is served without a row in ``TABLE`` or a reasoned entry in ``EXEMPT``.

The objects are made once for the sweep, in the other community (滨湖社区 in the demo), through each
app's own services, by the street account (whose scope covers both communities).
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from tests.support import png_upload, url_routes

pytestmark = pytest.mark.django_db

MISSING = 987654321

# operation_id → the attribute of the ``world`` fixture whose pk fills every integer path parameter
# (requests_photo_read takes two: the request and its photo).
TABLE: dict[str, str] = {
    "places_read": "place",
    "places_compound_profile_read": "compound",
    "places_grid_sizing": "compound",
    "places_grid_standards_read": "place",
    "places_security_register_read": "compound",
    "places_security_figures": "compound",
    "party_orgs_read": "party_org",
    "organisations_read": "organisation",
    "requests_read": "ticket",
    "requests_similar": "ticket",
    "requests_photo_read": "ticket_photo",
    "residents_read": "person",
    "households_read": "household",
    "imports_read": "import_batch",
    "imports_errors": "import_batch",
    "visits_read": "visit",
    "visits_photo_read": "visit_photo",
    "visits_hazards_read": "hazard",
    "visits_care_plans_list": "household",
    "volunteering_activity_get": "activity",
    "volunteering_wish_photo_read": "wish",
    "volunteering_stations_read": "station",
    "volunteering_person_read": "person",
    "volunteering_registrations_report": "registration",
    "volunteering_covenants_read": "covenant",
    "volunteering_team_areas_list": "volunteer_team",
    "volunteering_party_point_rule_read": "community",
    "volunteering_party_point_rule_versions": "community",
    "volunteering_reporting_assessment": "community",
    "volunteering_reporting_assessment_members": "community",
    "deliberation_topics_read": "topic",
    "deliberation_comments_list": "topic",
    "deliberation_meetings_read": "meeting",
    "deliberation_meeting_parties_list": "meeting",
    "deliberation_votes_read": "vote",
    "deliberation_votes_result": "vote",
    "deliberation_proxies_list": "vote",
    "deliberation_proxy_duties": "vote",
    "deliberation_venues_read": "venue",
    "deliberation_legal_sessions_read": "legal_session",
    "partylife_branch_figures": "branch",
    "partylife_members_list": "branch",
    "partylife_meetings_list": "branch",
    "partylife_meetings_read": "party_meeting",
    "cobuilding_credit_read": "company",
    "cobuilding_ratings_read": "rating",
    "cobuilding_needs_suggestions": "need",
    "cobuilding_projects_read": "project",
    "cobuilding_charters_read": "charter",
    "insights_reports_read": "report",
    "privacy_requests_read": "privacy_request",
    "teams_compound_read": "compound",
    "teams_items_read": "team_item",
    "duties_tasks_read": "duty_task",
    "venues_read": "booking_venue",
    "venues_availability": "booking_venue",
    "venues_bookings_list": "booking_venue",
    "venues_bookings_read": "venue_booking",
    "commons_ledger_read": "compound",
    "commons_entries_list": "compound",
    "commons_entries_read": "commons_entry",
    "commons_notices_list": "compound",
    "commons_notices_read": "commons_notice",
    "grants_rounds_read": "grant_round",
    "grants_projects_read": "grant_project",
    "rota_desks_read": "rota_desk",
    "rota_desks_staff_list": "rota_desk",
    "elections_read": "election",
    "elections_result": "election",
    "elections_voters_list": "election",
    "workforce_workers_read": "workforce_worker",
    "workforce_trainings_read": "workforce_training",
    "guide_items_read": "guide_draft",
}

# Administrators only: the grid worker is refused (403) before any lookup, so the answer cannot
# depend on the id; the test checks the body names nothing of the object.
ADMIN_ONLY: dict[str, str] = {
    "webhooks_deliveries_list": "subscriber",
}

# GET operations with an id-like path parameter that are not per-object reads of scoped data.
EXEMPT: dict[str, str] = {
    # the official holiday calendar of a year: public reference data, the same for everyone
    "calendar_year_read": "public by design",
    # keyed by (external system, external id) strings, not an integer id; answers only the caller's
    # own street's hand-overs — covered by tests/test_interop_*.py
    "handover_read": "string keys, street-scoped, tested in interop",
    # a desk's 今日值班: public by design (hours, place, office phone, the on-duty worker's surname only)
    "rota_desks_today": "public by design, tested in test_rota_api.py",
    # a street's 部门评议: 404 for anyone without lead/manage at the street or a department serving it (a grid
    # worker included) — tested in test_duties_assessment.py
    "duties_assessment_read": "street-level, tested in test_duties_assessment.py",
    # a version (公示) of a community's service list: public by design (no personal data)
    "guide_publications_read": "public 公示 of a community's service list, tested in test_guide_api.py",
}


def get_with_id_operations(client: Any) -> dict[str, str]:
    """operation_id → path template, for every GET whose path takes a parameter (an id of some kind)."""
    spec = client.get("/api/v1/openapi.json").json()
    found: dict[str, str] = {}
    for route, methods in spec["paths"].items():
        op = methods.get("get")
        if not op:
            continue
        params = [p for p in op.get("parameters", []) if p.get("in") == "path"]
        if params:
            found[op["operationId"]] = route
    return found


def _fill(route: str, pk: int | Callable[[str], int]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: str(pk(m.group(1)) if callable(pk) else pk), route)


class World:
    pass


@pytest.fixture
def world(users: dict[str, Any], places: Any, settings: Any, tmp_path: Any) -> World:
    """One object of every type, all in the other community, made through the apps' services."""
    from linli.accounts.models import User
    from linli.cobuilding import services_partners as sp
    from linli.cobuilding import services_property as spr
    from linli.cobuilding import services_rating as sr
    from linli.cobuilding.services_funds import fund_open as open_fund
    from linli.deliberation.services_legal import legal_session_plan
    from linli.deliberation.services_mediation import mediation_open
    from linli.deliberation.services_meetings import agenda_add, agenda_publish, meeting_plan
    from linli.deliberation.services_topics import topic_comment, topic_raise
    from linli.deliberation.services_venues import venue_create
    from linli.deliberation.services_votes import vote_create
    from linli.insights.services import report_generate, report_request
    from linli.orgs.models import Organisation, PartyOrg
    from linli.partylife.services import meeting_add_photo
    from linli.partylife.services import meeting_plan as party_meeting_plan
    from linli.partylife.services_study import study_material_add
    from linli.people.import_services import import_preview
    from linli.people.models import CareTag, Person, Position
    from linli.people.positions import POSITION_KINDS
    from linli.people.services import person_tag_set
    from linli.places.models import Household, Place
    from linli.privacy.services import subject_request_submit
    from linli.teams import services as team_services
    from linli.teams import services_items as team_items
    from linli.tickets.services import ticket_photo_add, ticket_submit
    from linli.visits.services import VisitInput, visit_photo_add, visit_record
    from linli.visits.services_plans import care_plan_set, hazard_create
    from linli.volunteering.activities import activity_create
    from linli.volunteering.services import registration_decide, registration_submit, station_create
    from linli.volunteering.wishes import wish_claim, wish_fulfil, wish_review, wish_submit

    settings.MEDIA_ROOT = tmp_path
    street = users["street"]
    other = places.other_community
    compound = Place.objects.filter(kind="compound", path__startswith=other.path).order_by("path").first()
    building = Place.objects.filter(kind="building", path__startswith=other.path).order_by("path").first()
    now = timezone.now()
    today = timezone.localdate()

    w = World()
    w.place = places.other_grid if places.other_grid.path.startswith(other.path) else compound
    w.household = Household.objects.filter(place_path__startswith=other.path).order_by("pk").first()
    w.person = Person.objects.filter(place_path__startswith=other.path).order_by("pk").first()
    w.party_org = PartyOrg.objects.filter(place_path__startswith=other.path).order_by("path").first()
    w.branch = PartyOrg.objects.filter(place_path__startswith=other.path, kind="branch").order_by("path").first()
    handle_kinds = [code for code, kind in POSITION_KINDS.items() if "handle" in kind.capabilities]
    staff_there = (
        Position.objects.filter(place_path__startswith=other.path, kind__in=handle_kinds)
        .order_by("pk")
        .first()
        .person_id
    )
    # a resident of the other community with an account of their own (the demo gives none there)
    resident_there = User.objects.create_user(username="binhu-resident", person=w.person)
    w.organisation = Organisation.objects.filter(place_path__startswith=other.path).order_by("pk").first()

    w.ticket, _ = ticket_submit(actor=street, description="滨湖社区的下水道堵了", place_id=building.pk, source="phone")
    w.ticket_photo = ticket_photo_add(actor=street, ticket_id=w.ticket.pk, upload=png_upload())

    csv = "姓名,身份证号,小区,楼栋\n张三,not-an-id,无此小区,1号楼\n".encode()
    w.import_batch = import_preview(actor=users["admin"], upload=io.BytesIO(csv), name="people.csv", size=len(csv))

    w.visit, _ = visit_record(actor=street, data=VisitInput(household_id=w.household.pk, notes="滨湖走访记录"))
    w.visit_photo = visit_photo_add(actor=street, visit_id=w.visit.pk, upload=png_upload())
    # a care tag on one of its members lets the household carry a care plan (visits_care_plans_list)
    member = Person.objects.filter(household=w.household).order_by("pk").first()
    tag = CareTag.objects.filter(active=True, sensitive=False).order_by("pk").first()
    person_tag_set(actor=street, person=member, tag=tag, present=True)
    w.care_plan = care_plan_set(
        actor=street, household_id=w.household.pk, responsible_id=staff_there, frequency_days=30
    )
    w.hazard = hazard_create(actor=street, place_id=compound.pk, name="滨湖配电房", responsible_id=staff_there)

    w.activity = activity_create(
        actor=street,
        place_id=compound.pk,
        title="滨湖清洁日",
        starts_at=now + dt.timedelta(days=3),
        ends_at=now + dt.timedelta(days=3, hours=2),
        capacity=10,
        publish=True,
    )
    worker_there = User.objects.filter(person_id=staff_there).first() or User.objects.create_user(
        username="binhu-worker", person_id=staff_there
    )
    w.wish = wish_submit(actor=resident_there, title="滨湖老人想要一台收音机")
    wish_review(actor=worker_there, wish_id=w.wish.pk, approve=True)
    wish_claim(actor=worker_there, wish_id=w.wish.pk)
    wish_fulfil(actor=worker_there, wish_id=w.wish.pk, note="已送到", photo=png_upload())
    member_there = Person.objects.filter(
        place_path__startswith=other.path, is_party_member=True, user__isnull=True
    ).exclude(pk=w.person.pk)[0]
    member_account = User.objects.create_user(username="binhu-member", person=member_there)
    registration = registration_submit(actor=member_account, workplace_name="区税务局机关党支部")
    w.registration = registration_decide(actor=street, registration_id=registration.pk, approve=True)
    w.station = station_create(
        actor=street, place_id=compound.pk, name="滨湖驿站", functions=[_first_station_function()]
    )
    from linli.volunteering.services import team_create
    from linli.volunteering.services_covenants import covenant_sign

    # a volunteer team of the other community and its 盟约 with that community
    w.volunteer_team = team_create(actor=street, place_id=other.pk, name="滨湖志愿服务队", kind="resident")
    w.covenant = covenant_sign(
        actor=street, team_id=w.volunteer_team.pk, community_id=other.pk, title="滨湖服务盟约", services=["法律援助"],
        hours_promised="50", starts_on=today - dt.timedelta(days=10), ends_on=today + dt.timedelta(days=300),
        signatory_name="滨湖队长",
    )  # fmt: skip

    w.topic = topic_raise(actor=street, place=compound, title="滨湖停车难", body="晚上没有车位")
    topic_comment(actor=street, topic=w.topic, body="同意,尽快议")
    w.meeting = meeting_plan(
        actor=street, place=compound, kind="council", title="滨湖议事会", location="活动室", starts_at=now
    )
    w.vote = vote_create(
        actor=street,
        place=compound,
        title="滨湖加装电梯",
        question="是否同意加装电梯?",
        electorate="households",
        rule="simple",
        closes_at=now + dt.timedelta(days=7),
    )
    w.party_meeting = party_meeting_plan(
        actor=street, branch_id=w.branch.pk, kind="general", title="滨湖支部党员大会", date=today
    )

    w.company = spr.property_company_register(
        actor=street, home=other, name="滨湖物业服务有限公司", uscc="91110108MA01W4R7XH"
    )
    template = sr.template_create(
        actor=street,
        name="滨湖星级评定",
        year=today.year + 1,
        criteria=[("服务质量", 100)],
        survey_weight=50,
        branch_weight=30,
        committee_weight=20,
    )
    w.rating = sr.rating_open(actor=street, template=template, company=w.company, compound=compound, sample_size=1)
    w.need = sp.need_raise(actor=street, place=compound, category="venue", title="滨湖需要活动场地")
    w.project = sp.project_propose(
        actor=street, place=compound, title="滨湖微项目", description="修凉亭", budget="1000", partners=[]
    )
    sp.project_approve(actor=street, project=w.project, meeting=w.meeting, note="议事会通过")
    w.project_photo = sp.project_photo_add(actor=street, project=w.project, upload=png_upload())
    w.contract = spr.contract_create(
        actor=street,
        company=w.company,
        compound=compound,
        starts_on=today.replace(year=today.year + 5),
        ends_on=today.replace(year=today.year + 6),
        fee_grade="二级",
        fee_per_m2="1.20",
        project_manager="滨湖项目经理",
    )
    partner = Organisation.objects.filter(kind__in=["partner_unit", "social_org"]).order_by("pk").first()
    w.resource = sp.resource_add(actor=street, partner=partner, place=compound, category="venue", title="滨湖会议室")
    w.fund = open_fund(actor=street, holder="station", name="滨湖驿站经费", place=compound)
    from linli.cobuilding.services_charters import charter_record

    # a 管理规约 of the other community's compound, with a photo of the signed document
    w.charter, _ = charter_record(
        actor=street, compound_id=compound.pk, kind="management_covenant", title="滨湖小区管理规约",
        adopted_on=today - dt.timedelta(days=30), adopted_how="owners_assembly", party_leadership=True,
        summary="滨湖小区党支部领导下的协商议事", document=png_upload("charter.png"),
    )  # fmt: skip
    w.case = mediation_open(
        actor=street,
        place=compound,
        title="滨湖漏水纠纷",
        dispute="楼上漏水",
        parties=["甲", "乙"],
        mediator=Person.objects.get(pk=staff_there),
        opened_on=today,
    )
    w.venue = venue_create(actor=street, place=compound, name="滨湖平安驿站", kind="safety_post")
    w.legal_session = legal_session_plan(
        actor=street, place=compound, venue=w.venue, scheduled_on=today, topics="滨湖法律咨询"
    )
    agenda_add(actor=street, meeting=w.meeting, topic=w.topic)
    w.publication = agenda_publish(actor=street, meeting=w.meeting)
    w.party_photo = meeting_add_photo(actor=street, meeting_id=w.party_meeting.pk, upload=png_upload())
    w.material = study_material_add(
        actor=street, org_id=w.branch.pk, title="滨湖支部学习资料", body="学习", upload=png_upload("study.png")
    )
    requested = report_request(actor=street, node_id=other.pk, period_kind="year", year=today.year)
    w.report = report_generate(report_id=requested.pk)  # the queued task runs after commit, never in a test
    w.privacy_request = subject_request_submit(actor=street, kind="access", details="查阅", person=w.person)

    w.compound = compound

    from linli.places.services_security import FacilityInput, security_facility_add

    # a batch of cameras at the gate of the other community's compound (四层防控圈)
    w.security_facility, _ = security_facility_add(
        actor=street, compound=compound, data=FacilityInput("entrance", "cctv", 2, today - dt.timedelta(days=30))
    )
    w.community = other
    w.team_standard, _ = team_services.standard_adopt(actor=street, place=other)
    w.team_member, _ = team_services.member_add(
        actor=street, compound=compound, post="secretary", person=Person.objects.get(pk=staff_there)
    )
    w.team_item, _ = team_items.item_create(
        actor=street,
        place=compound,
        duty=team_items.Duty(category="service", title="滨湖走访独居老人", frequency="monthly", member=w.team_member),
    )
    from linli.duties import services_tasks as duty_tasks

    w.duty_task, _ = duty_tasks.task_register(
        actor=street,
        street=places.street,
        fields=duty_tasks.TaskFields(title="滨湖社区入户问卷", target=other, department_name="区文明办"),
    )

    from linli.rota.services_desks import DeskFields, desk_create

    w.rota_desk, _ = desk_create(
        actor=street, place=other, fields=DeskFields(phone="0551-62345678", location="滨湖党群服务中心一楼")
    )

    from linli.grants import services as grant_rounds
    from linli.grants import services_apply as grant_apply
    from linli.orgs.services import organisation_register

    w.grant_round, _ = grant_rounds.round_create(
        actor=street,
        node=places.street,
        fields=grant_rounds.RoundFields(
            title="公益创投(滨湖)",
            year=today.year,
            budget_fen=100_000_00,
            opens_on=today,
            closes_on=today,
            service_fields=["elderly"],
        ),
    )
    grant_rounds.round_open(actor=street, round_=w.grant_round)
    w.grant_project, _ = grant_apply.project_register(
        actor=street,
        round_=w.grant_round,
        fields=grant_apply.ApplicationFields(
            organisation=organisation_register(actor=street, kind="social_org", name="滨湖银龄互助会", home=other),
            title="滨湖独居老人关爱",
            service_field="elderly",
            requested_fen=10_000_00,
            planned_beneficiaries=100,
            summary="上门探访",
            contact_name="王芳",
            contact_phone="13912345678",
            communities=[other],
        ),
    )

    from linli.venues import services as venue_services
    from linli.venues import services_bookings as venue_bookings

    # an internal room (not public: the public ones are open to all by design) and a booking of it
    w.booking_venue, _ = venue_services.venue_create(
        actor=street,
        place=compound,
        fields=venue_services.VenueFields(
            name="滨湖社区议事室", capacity=30, purposes=["deliberation"], hours=[("08:00", "20:00")] * 7,
            public=False, open_on_holidays=True,
        ),
    )  # fmt: skip
    w.venue_booking, _ = venue_bookings.booking_request(
        actor=street,
        venue=w.booking_venue,
        data=venue_bookings.BookingInput(
            day=today + dt.timedelta(days=1), start="10:00", end="11:00", purpose="deliberation",
            title="滨湖议事", attendees=10,
        ),
    )  # fmt: skip

    from linli.workforce import services as workforce
    from linli.workforce import services_training as workforce_training

    # a worker of the other community (its own staff member) and a session that community held
    w.workforce_worker, _ = workforce.worker_hire(
        actor=street,
        person=Person.objects.get(pk=staff_there),
        details=workforce.WorkerDetails(place=other, post="other", grade=6, qualification="assistant"),
        hired_on=dt.date(2024, 1, 1),
    )
    w.workforce_training, _ = workforce_training.training_create(
        actor=street,
        place=other,
        fields=workforce_training.TrainingFields(
            title="滨湖社区业务培训", topic="service", held_on=today - dt.timedelta(days=1), hours="2"
        ),
    )

    from linli.commons import services as commons_services
    from linli.commons.services_notices import notice_publish
    from tests.commons_support import last_quarter

    # a shared-income entry of last quarter in the other community's compound, and that quarter's 公示
    year, quarter, first, last = last_quarter()
    w.commons_entry, _ = commons_services.entry_record(
        actor=street,
        compound=compound,
        fields=commons_services.EntryFields(
            kind="income", category="parking", amount_fen=1_000_000, occurred_on=last, summary="滨湖停车费",
            period_start=first, period_end=last, receipt_no="BH-001",
        ),
    )  # fmt: skip
    w.commons_notice = notice_publish(actor=street, compound=compound, year=year, quarter=quarter)

    from tests.guide_support import draft

    # a draft item of the other community's service list (a draft is seen only by those who keep the list)
    w.guide_draft = draft(street, other, name="滨湖社区开具居住证明")

    from linli.elections import services as election_services

    w.election, _ = election_services.election_create(
        actor=street,
        place=compound,
        fields=election_services.ElectionFields(
            kind="founding", body="supervisory_board", seats=3,
            term_starts=today + dt.timedelta(days=30), term_ends=today + dt.timedelta(days=30 + 365 * 3),
        ),
    )  # fmt: skip

    from linli.interop.webhooks import webhook_subscriber_create

    w.subscriber, _secret = webhook_subscriber_create(
        actor=users["admin"], name="滨湖订阅", url="https://example.org/hook", place_id=other.pk, events=["created"]
    )
    return w


def _first_station_function() -> str:
    from linli.volunteering.services import STATION_FUNCTIONS

    return next(iter(STATION_FUNCTIONS))


def _ids_for(op: str, w: World) -> Callable[[str], int]:
    obj = getattr(w, TABLE.get(op) or ADMIN_ONLY[op])
    if op == "requests_photo_read":
        return lambda name: obj.ticket_id if name == "ticket_id" else obj.pk
    return lambda name: obj.pk


# Objects that belong to the street itself, not to a community: a street's funding round, and a project of that round
# (its place_path is the round's; it serves only the other community). The grid worker's positions lie under the
# street without covering it.
STREET_LEVEL = {"grant_round", "grant_project"}


def test_every_object_of_the_sweep_lies_outside_the_grid_workers_scope(world: World, users: Any, places: Any) -> None:
    from linli.core.scoping import active_positions

    grid_roots = [path for _kind, path in active_positions(users["grid"])]
    assert grid_roots
    for name in set(TABLE.values()) | set(ADMIN_ONLY.values()) | set(PAGES.values()):
        obj = getattr(world, name)
        assert obj is not None and obj.pk, name
        if getattr(obj, "org_path", None):  # party life rows sit in the org tree, under the other branch
            assert obj.org_path.startswith(world.branch.path), name
        path = getattr(obj, "place_path", None) or getattr(obj, "path", None)
        if path:
            if name in STREET_LEVEL:
                assert path == places.street.path, name
            else:
                assert path.startswith(places.other_community.path), name
            assert not any(path.startswith(root) for root in grid_roots), name


def test_a_grid_worker_guessing_the_id_of_any_object_elsewhere_gets_the_answer_of_a_missing_id(
    client: Any, api_as: Any, world: World
) -> None:
    served = get_with_id_operations(client)
    api = api_as("grid")
    holes = []
    for op, attr in sorted(TABLE.items()):
        route = served[op]
        real = api.get(_fill(route, _ids_for(op, world)))
        missing = api.get(_fill(route, MISSING))
        if real.status_code != 404 or missing.status_code != 404:
            holes.append(f"{op} ({attr}): elsewhere {real.status_code}, missing {missing.status_code}")
            continue
        real_body, missing_body = real.json(), missing.json()
        if set(real_body) != set(missing_body) or real_body.get("error") != "not_found":
            holes.append(f"{op}: body {real_body} differs in shape from a missing id's {missing_body}")
        elif "滨湖" in str(real_body):  # the JSON escapes Chinese; the parsed body does not
            holes.append(f"{op}: the 404 body names the other community's object: {real_body}")
    assert holes == [], "IDOR: the grid worker can tell or read objects outside their scope:\n" + "\n".join(holes)


# Who may read each object (so its 404 for the grid worker is the scope's doing, not a bad id):
# the street account covers both communities; an import batch is only its uploader's.
SEES_IT: dict[str, str] = {"imports_read": "admin", "imports_errors": "admin"}


def test_the_same_ids_answer_those_whose_scope_covers_them(client: Any, api_as: Any, world: World) -> None:
    served = get_with_id_operations(client)
    apis = {who: api_as(who) for who in ("street", "admin")}
    refused = []
    for op in sorted(TABLE):
        response = apis[SEES_IT.get(op, "street")].get(_fill(served[op], _ids_for(op, world)))
        if response.status_code != 200:
            refused.append(f"{op}: {response.status_code} {response.content[:120]!r}")
    assert refused == []
    plans = apis["street"].get(f"/api/v1/visits/households/{world.household.pk}/care-plans").json()
    assert [p["id"] for p in plans["items"]] == [world.care_plan.pk]  # a real plan, not an empty list


def test_administrator_only_reads_refuse_the_grid_worker_without_naming_the_object(
    client: Any, api_as: Any, world: World
) -> None:
    served = get_with_id_operations(client)
    api = api_as("grid")
    for op, attr in ADMIN_ONLY.items():
        obj = getattr(world, attr)
        real = api.get(_fill(served[op], _ids_for(op, world)))
        missing = api.get(_fill(served[op], MISSING))
        assert real.status_code == missing.status_code == 403, op
        assert real.json() == missing.json(), op
        assert obj.name not in str(real.json()), op


def test_every_get_operation_with_an_id_has_an_idor_check_or_a_reasoned_exemption(client: Any) -> None:
    served = set(get_with_id_operations(client))
    listed = set(TABLE) | set(ADMIN_ONLY) | set(EXEMPT)
    unchecked = sorted(served - listed)
    assert unchecked == [], f"GET operations with an id and no IDOR row (add to TABLE or EXEMPT): {unchecked}"
    stale = sorted(listed - served)
    assert stale == [], f"no longer served, drop from the sweep: {stale}"
    assert not set(TABLE) & set(EXEMPT)


# The main HTML pages that show one object by id (the page behind each API read above), as a
# logged-in grid worker would type them into the address bar. POST-only action routes are covered
# by their apps' tests and by the 404 their shared access helpers give.
PAGES: dict[str, str] = {
    "/places/{}/": "place",
    "/places/{}/grids/": "compound",
    "/places/{}/profile/": "compound",
    "/places/{}/security/": "compound",
    "/places/security/{}/": "security_facility",
    "/orgs/party/{}/": "party_org",
    "/orgs/organisations/{}/": "organisation",
    "/requests/{}/": "ticket",
    "/requests/photos/{}": "ticket_photo",
    "/ledger/people/{}/": "person",
    "/ledger/households/{}/": "household",
    "/ledger/import/{}/": "import_batch",
    "/visits/{}/": "visit",
    "/visits/photos/{}": "visit_photo",
    "/visits/hazards/{}/": "hazard",
    "/visits/households/{}/": "household",
    "/volunteering/activities/{}/": "activity",
    "/volunteering/people/{}/": "person",
    "/volunteering/wishes/{}/": "wish",
    "/volunteering/wishes/{}/photo": "wish",
    "/volunteering/registrations/{}/report/": "registration",
    "/volunteering/stations/{}/": "station",
    "/volunteering/teams/{}/": "volunteer_team",
    "/volunteering/covenants/{}/": "covenant",
    "/volunteering/reporting/rules/{}/": "community",
    "/deliberation/topics/{}/": "topic",
    "/deliberation/meetings/{}/": "meeting",
    "/deliberation/votes/{}/": "vote",
    "/party-life/branches/{}/": "branch",
    "/party-life/meetings/{}/": "party_meeting",
    "/co-building/property/companies/{}/credit/": "company",
    "/co-building/ratings/{}/": "rating",
    "/co-building/needs/{}/": "need",
    "/co-building/projects/{}/": "project",
    "/insights/reports/{}/": "report",
    "/privacy/requests/{}/": "privacy_request",
    "/ledger/people/{}/edit": "person",
    "/deliberation/publications/{}/": "publication",
    "/deliberation/meetings/{}/sign-in/": "meeting",
    "/deliberation/mediation/{}/": "case",
    "/deliberation/venues/{}/": "venue",
    "/deliberation/legal-sessions/{}/": "legal_session",
    "/party-life/meeting-photos/{}": "party_photo",
    "/party-life/study/{}/": "material",
    "/party-life/study/{}/file": "material",
    "/co-building/property/contracts/{}/": "contract",
    "/co-building/resources/{}/": "resource",
    "/co-building/project-photos/{}": "project_photo",
    "/co-building/funds/{}/": "fund",
    "/co-building/charters/{}/": "charter",
    "/co-building/charters/{}/document": "charter",
    "/insights/reports/{}/pdf": "report",
    "/teams/compounds/{}/": "compound",
    "/teams/communities/{}/template/": "community",
    "/duties/tasks/{}/": "duty_task",
    "/venues/{}/": "booking_venue",
    "/venues/{}/book/": "booking_venue",
    "/venues/{}/edit/": "booking_venue",
    "/venues/{}/week/": "booking_venue",
    "/venues/bookings/{}/": "venue_booking",
    "/commons/compounds/{}/": "compound",
    "/commons/compounds/{}/record/": "compound",
    "/commons/compounds/{}/export.xlsx": "compound",
    "/commons/compounds/{}/public/": "compound",
    "/commons/entries/{}/": "commons_entry",
    "/commons/notices/{}/": "commons_notice",
    "/grants/rounds/{}/": "grant_round",
    "/grants/rounds/{}/export.xlsx": "grant_round",
    "/grants/projects/{}/": "grant_project",
    "/rota/desks/{}/": "rota_desk",
    "/rota/desks/{}/settings/": "rota_desk",
    "/rota/desks/{}/schedule/": "rota_desk",
    "/rota/desks/{}/rota.xlsx": "rota_desk",
    "/elections/{}/": "election",
    "/elections/{}/vote/": "election",
    "/elections/{}/result/": "election",
    "/elections/{}/paper/": "election",
    "/workforce/{}/": "workforce_worker",
    "/workforce/{}/edit/": "workforce_worker",
    "/workforce/trainings/{}/": "workforce_training",
    "/guide/items/{}/": "guide_draft",
    "/guide/items/{}/edit/": "guide_draft",
    "/guide/communities/{}/manage/": "community",
    "/guide/communities/{}/new/": "community",
}
PAGE_SEES_IT = {"/ledger/import/{}/": "admin"}
PAGE_EXEMPT: dict[str, str] = {
    # a district's or street's own grid-size standard: 404 below a street, tested in test_places_compounds.py
    "/places/{}/grid-standards/": "street or district only, tested in test_places_compounds.py",
    "/interop/webhooks/{}/": "administrators only: 403 before any lookup (tested below)",
    "/calendar/{}/": "the official holiday calendar of a year: public reference data",
    # the check-in QR target: the one-time token in the address is the secret, not the activity id
    "/volunteering/activities/{}/scan/x/": "token-guarded, tested in test_volunteering_activities.py",
    # a street's published 职责清单 and 准入事项 and their exports: public by design (no personal data)
    "/duties/streets/{}/": "public lists of a street",
    "/duties/streets/{}/entries/": "public lists of a street",
    "/duties/streets/{}/duties.xlsx": "public lists of a street",
    "/duties/streets/{}/entries.xlsx": "public lists of a street",
    # street-level (not in a community): 404 for everyone without manage at the street, tested in test_duties_pages.py
    "/duties/streets/{}/manage/": "street staff only, tested in test_duties_pages.py",
    # a street's (or district's) 立项公示 of approved projects: public by design (no personal data)
    "/grants/public/{}/": "public list of approved projects, tested in test_grants_pages.py",
    # a desk's 今日值班: public by design (no personal data but the on-duty worker's surname)
    "/rota/desks/{}/open/": "public 今日值班 of a desk, tested in test_rota_pages.py",
    # a community's published service list, its export and versions, a street's overview: public by design
    "/guide/streets/{}/": "public service lists of a street, tested in test_guide_pages.py",
    "/guide/communities/{}/": "public service list of a community, tested in test_guide_pages.py",
    "/guide/communities/{}/services.xlsx": "public service list of a community, tested in test_guide_pages.py",
    "/guide/communities/{}/versions/": "public 公示 versions, tested in test_guide_pages.py",
    "/guide/versions/{}/": "public 公示 version, tested in test_guide_pages.py",
}


def test_a_grid_worker_typing_the_id_of_any_object_elsewhere_into_a_page_address_gets_not_found(
    client_as: Any, world: World
) -> None:
    grid = client_as("grid")
    holes = []
    for template, attr in PAGES.items():
        real = grid.get(template.format(getattr(world, attr).pk))
        missing = grid.get(template.format(MISSING))
        if real.status_code != 404 or missing.status_code != 404:
            holes.append(f"{template} ({attr}): elsewhere {real.status_code}, missing {missing.status_code}")
        elif "滨湖" in real.content.decode(errors="replace"):
            holes.append(f"{template}: the 404 page names the other community's object")
    assert holes == [], "IDOR on pages:\n" + "\n".join(holes)


def test_the_same_page_addresses_open_for_those_whose_scope_covers_them(client_as: Any, world: World) -> None:
    clients = {who: client_as(who) for who in ("street", "admin")}
    refused = []
    for template, attr in PAGES.items():
        response = clients[PAGE_SEES_IT.get(template, "street")].get(template.format(getattr(world, attr).pk))
        if response.status_code != 200:
            refused.append(f"{template}: {response.status_code}")
    assert refused == []


def test_the_administrator_only_delivery_log_page_refuses_the_grid_worker_without_naming_the_subscriber(
    client_as: Any, world: World
) -> None:
    response = client_as("grid").get(f"/interop/webhooks/{world.subscriber.pk}/")
    assert response.status_code == 403
    assert world.subscriber.name not in response.content.decode()


def _page_routes() -> list[str]:
    return ["/" + r for r, _name in url_routes() if "<int:" in r and not r.startswith("api/")]


def test_every_page_address_with_an_id_that_answers_a_get_is_in_the_page_sweep(client_as: Any) -> None:
    """POST-only actions answer GET with 405; any other address with an id must be swept or exempt."""
    grid = client_as("grid")
    from django.urls import resolve

    listed = {"/" + resolve(t.format(MISSING)).route for t in [*PAGES, *PAGE_EXEMPT]}
    unlisted = []
    for route in _page_routes():
        if route in listed:
            continue
        url = re.sub(r"<int:\w+>", str(MISSING), route)
        url = re.sub(r"<(?:str|slug):\w+>", "x", url)
        if grid.get(url).status_code != 405:
            unlisted.append(route)
    assert unlisted == [], f"page addresses with an id that answer GET but are not in PAGES or PAGE_EXEMPT: {unlisted}"
